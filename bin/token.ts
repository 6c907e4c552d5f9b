/**
 * `npm run token -- --tenant demo --user alice --role agent [--name "Alice Smith"] [--ttl 3600]`
 * prints an ID token signed by the local issuer (the key in DATA_DIR, shared with `npm start`). `--name` becomes the
 * admin-kept `custom:displayName` claim; a short `--ttl` shows a WebSocket refusing frames after its token expires.
 * `--role operator` signs a token of the deployment's `operator` group (binds Connect instances to tenants; no tenant
 * role).
 */
import { parseArgs } from 'node:util';
import { createLocalIssuer } from '../lib/local/issuer.ts';
import { issuerKeyFile, issuerUrl, optionsFromEnv } from '../lib/local/runtime.ts';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 'demo' },
    user: { type: 'string' },
    role: { type: 'string', default: 'agent' },
    name: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});

const role = values.role;
if (!values.user || (role !== 'agent' && role !== 'supervisor' && role !== 'admin' && role !== 'operator')) {
  process.stderr.write(
    'usage: npm run token -- --tenant <tenant> --user <user> --role agent|supervisor|admin|operator [--name "Display Name"] [--ttl seconds]\n',
  );
  process.exit(2);
}
const options = optionsFromEnv(process.env, () => undefined);
if (!options.dataDir) {
  process.stderr.write('DATA_DIR=:memory: keeps the key inside the running process; mint tokens from it instead.\n');
  process.exit(2);
}
const issuer = await createLocalIssuer(issuerUrl(options.host, options.port), issuerKeyFile(options.dataDir));
const token = await issuer.sign({
  tenant: values.tenant,
  user: values.user,
  // An operator is in the `operator` group only: it holds no role in any tenant.
  ...(role === 'operator' ? { role: 'agent' as const, groups: ['operator'] } : { role }),
  ttlSeconds: Number(values.ttl),
  ...(values.name ? { name: values.name } : {}),
});
process.stdout.write(`${token}\n`);
