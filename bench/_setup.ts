import { callApi } from '../test/support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../test/support/runtime.ts';

/** Shared set-up of the benchmarks that drive the local runtime as a separate process, the way clients would. */
export async function startBenchRuntime(env: Record<string, string> = {}): Promise<RuntimeProcess> {
  return startRuntimeProcess({ SEED: 'none', LOG_LEVEL: 'error', ...env });
}

export async function api(
  rt: RuntimeProcess,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await callApi(rt.http, token, method, path, body);
  return { status: res.status, body: (res.body as Record<string, unknown> | undefined) ?? {} };
}

/** Imports agents into the directory through the admin API, 1,000 per call (the route's limit). */
export async function importAgents(
  rt: RuntimeProcess,
  tenant: string,
  agents: ReadonlyArray<{ agentId: string; displayName: string; team?: string; lists?: string[] }>,
): Promise<void> {
  const admin = await rt.token({ tenant, user: 'bench-admin', role: 'admin' });
  for (let i = 0; i < agents.length; i += 1000) {
    const res = await api(rt, admin, 'POST', '/directory/agents/import', { agents: agents.slice(i, i + 1000) });
    if (res.status !== 200) throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Mints one token per agent (RS256, with the runtime's issuer key). */
export async function agentTokens(
  rt: RuntimeProcess,
  tenant: string,
  users: readonly string[],
): Promise<Array<{ user: string; token: string }>> {
  const out: Array<{ user: string; token: string }> = [];
  for (const user of users)
    out.push({ user, token: await rt.token({ tenant, user, role: 'agent', ttlSeconds: 4 * 3600 }) });
  return out;
}

export const log = (line: string) => process.stdout.write(`${line}\n`);
export const ms = (n: number) => `${Math.round(n)} ms`;
