/**
 * crash: an accepted message is delivered, crash or not. A burst of sends to a team (10 at once, each with its own
 * Idempotency-Key), `kill -9` of the runtime's whole process group (runtime and dynalite) mid-burst, a restart on the
 * same data directory — and no client replays anything. Then every accepted message is watched until it is complete
 * with an inbox entry for every member of the team.
 * Reports: accepted (201/202 answers before the kill), present_after_restart, fully_delivered, stuck (accepted and not
 * fully delivered at the end), failed, duplicates (a message listed twice in an agent's inbox, or more entries than
 * recipients), resume_s (from the restart until every accepted message is fully delivered).
 * Goal: fully_delivered = accepted, stuck 0, duplicates 0, resume_s ≤ 60.
 * Options: --sends N (300), --team N (200), --concurrency N (10), --kill-after N accepted (sends / 2), --timeout s (150).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mapLimit } from '../functions/domain/concurrency.ts';
import { startRuntimeProcess } from '../test/support/runtime.ts';
import { agentTokens, api, importAgents, log } from './_setup.ts';

const TENANT = 'crash';
const TEAM = 'floor';

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      sends: { type: 'string', default: '300' },
      team: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '10' },
      'kill-after': { type: 'string' },
      timeout: { type: 'string', default: '150' },
    },
  });
  const sends = Number(values.sends);
  const teamSize = Number(values.team);
  const killAfter = Number(values['kill-after'] ?? Math.floor(sends / 2));
  const dataDir = await mkdtemp(join(tmpdir(), 'agent-messenger-crash-'));
  const env = { SEED: 'none', LOG_LEVEL: 'error' };
  try {
    // Phase 1: a runtime that leads its own process group, a team, a burst of sends, kill -9 mid-burst.
    const first = await startRuntimeProcess(env, { dataDir, detached: true });
    const agents = Array.from({ length: teamSize }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
    await importAgents(
      first,
      TENANT,
      agents.map((agentId) => ({ agentId, displayName: agentId, team: TEAM })),
    );
    const supervisor = await first.token({ tenant: TENANT, user: 'sup', role: 'supervisor', name: 'Sup' });
    const accepted: string[] = [];
    let killedAt = 0;
    await mapLimit(
      Array.from({ length: sends }, (_, i) => i),
      Number(values.concurrency),
      async (i) => {
        if (killedAt) return;
        try {
          const res = await fetch(`${first.http}/messages`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${supervisor}`,
              'content-type': 'application/json',
              'idempotency-key': `crash-${i}`,
            },
            body: JSON.stringify({ text: `Message ${i}`, to: { teams: [TEAM] } }),
          });
          const body = (await res.json()) as { id?: string };
          if ((res.status === 201 || res.status === 202) && body.id) accepted.push(body.id);
        } catch {
          return; // the runtime is gone: this send was never accepted
        }
        if (accepted.length >= killAfter && !killedAt) {
          killedAt = Date.now();
          process.kill(-first.pid, 'SIGKILL');
        }
      },
    );
    if (!killedAt) {
      killedAt = Date.now();
      process.kill(-first.pid, 'SIGKILL');
    }
    while (first.alive()) await new Promise((resolve) => setTimeout(resolve, 50));
    log(`burst: ${accepted.length} of ${sends} sends accepted, then kill -9 of process group ${first.pid}`);

    // Phase 2: restart on the same data directory; nobody replays anything. Watch every accepted message.
    const restartedAt = Date.now();
    const second = await startRuntimeProcess(env, { dataDir, detached: true });
    log(`restarted in ${((Date.now() - restartedAt) / 1000).toFixed(1)} s`);
    try {
      const sup = await second.token({ tenant: TENANT, user: 'sup', role: 'supervisor' });
      const deadline = restartedAt + Number(values.timeout) * 1000;
      // Cheap polling (the sender's list, 200 a page) so that watching does not slow the recovery down; the entry
      // counts are checked once everything reports complete.
      const statuses = async () => {
        const out = new Map<string, string>();
        let cursor: string | undefined;
        do {
          const page = await api(second, sup, 'GET', `/messages?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
          for (const m of (page.body.messages as { id: string; status: string }[] | undefined) ?? [])
            out.set(m.id, m.status);
          cursor = typeof page.body.cursor === 'string' ? page.body.cursor : undefined;
        } while (cursor);
        return out;
      };
      // Present: the message record survived the kill (read one by one, right after the restart).
      let presentAfterRestart = 0;
      await mapLimit(accepted, 8, async (id) => {
        const res = await api(second, sup, 'GET', `/messages/${id}?limit=1`);
        if (res.status === 200) presentAfterRestart++;
        else if (res.status !== 404) log(`  GET /messages/${id} answered ${res.status} ${JSON.stringify(res.body)}`);
      });
      let resumeS: number | null = null;
      let latest = new Map<string, string>();
      for (;;) {
        latest = await statuses();
        if (latest.size === 0) log("  the sender's list is empty");
        const open = accepted.filter((id) => latest.get(id) !== 'complete' && latest.get(id) !== 'failed');
        if (open.length === 0) {
          if (accepted.every((id) => latest.get(id) === 'complete')) resumeS = (Date.now() - restartedAt) / 1000;
          break;
        }
        if (Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const recipients = new Map<string, number>();
      await mapLimit(accepted, 8, async (id) => {
        const res = await api(second, sup, 'GET', `/messages/${id}?limit=1`);
        recipients.set(id, (res.body.counts as { recipients?: number } | undefined)?.recipients ?? 0);
      });
      const fullyDelivered = accepted.filter(
        (id) => latest.get(id) === 'complete' && recipients.get(id) === teamSize,
      ).length;
      if (resumeS !== null && fullyDelivered < accepted.length) resumeS = null;

      // Duplicates: a message listed twice in an agent's inbox, or more entries than the team has members.
      const tokens = await agentTokens(second, TENANT, agents);
      const acceptedSet = new Set(accepted);
      let duplicates = [...recipients.values()].filter((n) => n > teamSize).length;
      await mapLimit(tokens, 8, async ({ token }) => {
        const inbox = await api(second, token, 'GET', '/inbox');
        const ids = ((inbox.body.messages as { id: string }[] | undefined) ?? []).map((m) => m.id);
        const counted = new Map<string, number>();
        for (const id of ids) if (acceptedSet.has(id)) counted.set(id, (counted.get(id) ?? 0) + 1);
        for (const n of counted.values()) duplicates += n - 1;
      });

      const figures = {
        sends,
        team: teamSize,
        accepted: accepted.length,
        present_after_restart: presentAfterRestart,
        fully_delivered: fullyDelivered,
        stuck: accepted.length - fullyDelivered,
        failed: accepted.filter((id) => latest.get(id) === 'failed').length,
        duplicates,
        resume_s: resumeS === null ? null : Math.round(resumeS * 10) / 10,
      };
      log(
        `after restart: ${figures.present_after_restart}/${figures.accepted} accepted messages present, ` +
          `${figures.fully_delivered} fully delivered to all ${teamSize}, ${figures.stuck} stuck, ` +
          `${figures.failed} failed, ${figures.duplicates} duplicates; resume ${figures.resume_s ?? '—'} s`,
      );
      return figures;
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
