/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts. Each bench prints a readable summary and, as its last line,
 * one JSON object with the figures: {"bench":"<name>", ...}.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Benches that host functions in this process read the log level when the logger is created, at import.
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const mod = (await import(pathToFileURL(`${dir}${name}.ts`).href)) as {
  run: (args: string[]) => Promise<Record<string, unknown>>;
};
const figures = await mod.run(process.argv.slice(3));
process.stdout.write(`${JSON.stringify({ bench: name, ...figures })}\n`);
process.exit(0);
