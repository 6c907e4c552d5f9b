import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalIssuer, type TokenRequest } from '../../lib/local/issuer.ts';
import { issuerKeyFile, type LocalRuntime, RANDOM_PORTS, ROOT_DIR } from '../../lib/local/runtime.ts';

/** How long a stopped runtime may take to exit (its slowest step, the database, waits up to 2 s for requests). */
const STOP_TIMEOUT_MS = 30_000;

/** The runtime's URLs as its banner prints them (the issuer's base URL in place of its JWKS URL), and its process. */
export interface RuntimeProcess extends Omit<LocalRuntime['urls'], 'jwks'> {
  readonly issuer: string;
  readonly dataDir: string;
  /** Output so far (for assertion messages). */
  output(): string;
  /** The runtime's process id (with `detached`, also its process group id). */
  readonly pid: number;
  /** False once the runtime process has exited (a crash, if nobody stopped it). */
  alive(): boolean;
  /** Signs a token with the runtime's issuer key, as `npm run token` does. */
  token(request: TokenRequest): Promise<string>;
  stop(): Promise<number | null>;
}

/**
 * Starts `bin/local.ts` — what `npm start` runs — in a child process on random ports with a fresh data directory, and
 * reads the URLs from its startup banner.
 */
export async function startRuntimeProcess(
  env: Record<string, string> = {},
  options: {
    /** Reuse this data directory (a restart); it is then kept on stop. @default a fresh temporary one, removed */
    readonly dataDir?: string;
    /** Start the runtime as a process group leader, so that the whole group (dynalite too) can be killed at once. */
    readonly detached?: boolean;
  } = {},
): Promise<RuntimeProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'agent-messenger-')));
  // RUNTIME_NODE_ARGS adds Node flags to the runtime, e.g. `--cpu-prof` to profile it under a benchmark.
  const extra = (process.env.RUNTIME_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...extra, '--import', 'tsx', 'bin/local.ts'], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      ...RANDOM_PORTS,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // Generous: every function loads its own module instances, and the e2e files start runtimes side by side.
  const deadline = Date.now() + 90_000;
  while (!output.includes('Stop with Ctrl+C')) {
    if (child.exitCode !== null) throw new Error(`The local runtime exited early:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The local runtime did not start in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = (label: string) => {
    const match = new RegExp(`${label}\\s+(\\S+)`).exec(output);
    if (!match?.[1]) throw new Error(`No ${label} line in the banner:\n${output}`);
    return match[1];
  };
  const jwks = url('JWKS \\(issuer\\)');
  const issuerUrl = jwks.replace(/\/\.well-known\/jwks\.json$/, '');
  const issuer = await createLocalIssuer(issuerUrl, issuerKeyFile(dataDir));
  return {
    http: url('REST API'),
    ws: url('WebSocket API').replace(/\/\?token=.*$/, ''),
    wsManagement: url('@connections API').replace(/\/@connections.*$/, ''),
    dynamodb: url('DynamoDB'),
    lambda: url('Lambda Invoke'),
    scheduler: url('Scheduler'),
    connect: url('Connect'),
    kinesis: url('Kinesis'),
    issuer: issuerUrl,
    dataDir,
    output: () => output,
    pid: child.pid ?? 0,
    alive: () => child.exitCode === null && child.signalCode === null,
    token: (request) => issuer.sign(request),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      // Bounded, and the runtime's own account of what it waits for ("Still stopping") in the failure: a stuck
      // shutdown fails as itself, not as a hook timeout that hides where it hung.
      const timer = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), STOP_TIMEOUT_MS).unref());
      const code = await Promise.race([exited, timer]);
      if (code === 'stuck') {
        child.kill('SIGKILL');
        await exited;
      }
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
      if (code === 'stuck')
        throw new Error(`The local runtime did not stop within ${STOP_TIMEOUT_MS} ms:\n${output.slice(-4000)}`);
      return code;
    },
  };
}
