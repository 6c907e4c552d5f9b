import { describe, expect, it } from 'vitest';
import type { Principal } from '../../functions/domain/principal.ts';
import { type AgentStatus, offlineRecord, type StatusReason } from '../../functions/domain/status.ts';
import { statusChoices, statusViews } from '../../functions/domain/status-views.ts';

const reasons: StatusReason[] = [
  { id: 'lunch', name: 'Lunch', needsApproval: false, retired: false },
  { id: 'old', name: 'Old reason', needsApproval: false, retired: true },
];

/** A reasons port that counts its reads and answers for tenant `acme` only. */
function reasonsPort() {
  const reads: string[] = [];
  return {
    reads,
    reasons: {
      list: async (tenant: string) => {
        reads.push(tenant);
        return tenant === 'acme' ? reasons : [];
      },
    },
  };
}

const at = '2026-01-01T00:00:00.000Z';
const record = (agent: string, status: AgentStatus['status']): AgentStatus => ({
  ...offlineRecord('acme', agent, at),
  status,
  source: 'agent',
});

describe('statusViews (THE status query of routes and frames)', () => {
  it('labels each record with the tenant reasons, read once per call, in the order of the records', async () => {
    const port = reasonsPort();
    const views = await statusViews(port, 'acme', [record('a1', 'reason:lunch'), record('a2', 'busy')]);
    expect(views.map((v) => [v.agent, v.status, v.label])).toEqual([
      ['a1', 'reason:lunch', 'Lunch'],
      ['a2', 'busy', 'Busy'],
    ]);
    expect(port.reads).toEqual(['acme']);
    // Bookkeeping stays inside.
    expect(views[0]).not.toHaveProperty('version');
  });

  it('accepts the records as a promise (reasons read meanwhile) and keeps the tuple shape of one record', async () => {
    const port = reasonsPort();
    const [view] = await statusViews(port, 'acme', Promise.resolve([record('a1', 'reason:lunch')] as const));
    expect(view).toMatchObject({ agent: 'a1', label: 'Lunch', pendingRequest: null });
    expect(await statusViews(port, 'acme', [])).toEqual([]);
  });

  it('statusChoices: the defaults and the reasons; retired reasons only for admins', async () => {
    const port = reasonsPort();
    const agent: Principal = { tenant: 'acme', user: 'a1', role: 'agent' };
    const forAgent = await statusChoices(port, agent);
    expect(forAgent.defaults.map((d) => d.code)).toEqual(['available', 'busy', 'away', 'offline']);
    expect(forAgent.reasons.map((r) => r.code)).toEqual(['reason:lunch']);
    const forAdmin = await statusChoices(port, { ...agent, role: 'admin' });
    expect(forAdmin.reasons.map((r) => [r.code, r.retired])).toEqual([
      ['reason:lunch', false],
      ['reason:old', true],
    ]);
  });
});
