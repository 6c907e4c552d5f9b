import type { LocalRuntime } from './runtime.ts';

export const DEMO_TENANT = 'demo';

/** The demo floor: a supervisor, an admin and agents in two teams. */
export const DEMO_USERS = [
  { user: 'sam', name: 'Sam Supervisor', role: 'supervisor' },
  { user: 'ada', name: 'Ada Admin', role: 'admin' },
  { user: 'alice', name: 'Alice Smith', role: 'agent', team: 'blue', queues: ['sales'] },
  { user: 'bob', name: 'Bob Jones', role: 'agent', team: 'blue', queues: ['sales', 'support'] },
  { user: 'carol', name: 'Carol White', role: 'agent', team: 'green', queues: ['support'] },
  { user: 'dave', name: 'Dave Brown', role: 'agent', team: 'green', queues: ['support'] },
] as const;

/**
 * Seeds the demo tenant through the public REST API, as an admin would: the same validation and code paths as any
 * client. Safe to run at every start (updates are idempotent).
 */
export async function seedDemo(runtime: LocalRuntime): Promise<{ summary: string }> {
  const admin = await runtime.token({ tenant: DEMO_TENANT, user: 'ada', role: 'admin', name: 'Ada Admin' });
  const response = await fetch(`${runtime.urls.http}/settings`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ general: { timeZone: 'Europe/London' } }),
  });
  if (!response.ok) throw new Error(`Seeding settings failed: ${response.status} ${await response.text()}`);
  const agents = DEMO_USERS.filter((u) => u.role === 'agent');
  const imported = await fetch(`${runtime.urls.http}/directory/agents/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      agents: agents.map((a) => ({
        agentId: a.user,
        displayName: a.name,
        team: a.team,
        queues: [...a.queues],
        campaigns: [],
        lists: a.team === 'blue' ? ['coaching'] : [],
      })),
    }),
  });
  if (!imported.ok) throw new Error(`Seeding the directory failed: ${imported.status} ${await imported.text()}`);
  return {
    summary: `agents ${agents.map((a) => a.user).join(', ')} (teams blue/green, queues sales/support); supervisor sam; admin ada`,
  };
}
