/**
 * fanout: the local runtime with 10,000 connected agent sockets (clients in separate processes), one coaching message
 * to a team of 1,000, then one to all 10,000. For each: accept latency (POST → response), and per socket the time from
 * the POST until the message arrived. Goals: 1,000 recipients p99 ≤ 1 s; 10,000 all delivered ≤ 10 s.
 * Options: --agents N (default 10000), --team N (default 1000).
 */
import { parseArgs } from 'node:util';
import { agentTokens, api, importAgents, log, ms, startBenchRuntime } from './_setup.ts';
import { percentile, Swarm } from './_swarm.ts';

const TENANT = 'bench';

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: { agents: { type: 'string', default: '10000' }, team: { type: 'string', default: '1000' } },
  });
  const total = Number(values.agents);
  const teamSize = Number(values.team);
  const users = Array.from({ length: total }, (_, i) => `a${String(i).padStart(5, '0')}`);
  const teamOf = (i: number) => `t${Math.floor(i / teamSize)}`;
  const teams = [...new Set(users.map((_, i) => teamOf(i)))];

  const started = Date.now();
  const rt = await startBenchRuntime();
  // arrivals[messageId] = arrival times, one per recipient socket
  const arrivals = new Map<string, Map<string, number>>();
  const swarm = await Swarm.start(2, (frame) => {
    if (!frame.text.startsWith('{"type":"message"')) return;
    const message = (JSON.parse(frame.text) as { message: { id: string } }).message;
    let byUser = arrivals.get(message.id);
    if (!byUser) {
      byUser = new Map();
      arrivals.set(message.id, byUser);
    }
    if (!byUser.has(frame.user)) byUser.set(frame.user, frame.at);
  });
  try {
    log(`fanout: ${total} agents in ${teams.length} teams of ${teamSize}`);
    await importAgents(
      rt,
      TENANT,
      users.map((u, i) => ({ agentId: u, displayName: `Agent ${u}`, team: teamOf(i) })),
    );
    log(`  directory imported (${ms(Date.now() - started)})`);
    const tokens = await agentTokens(rt, TENANT, users);
    const t0 = Date.now();
    const { connected, failed } = await swarm.connect(rt.ws, tokens, 50);
    log(`  ${connected} sockets connected (${failed} failed) in ${ms(Date.now() - t0)}`);
    const supervisor = await rt.token({ tenant: TENANT, user: 'bench-supervisor', role: 'supervisor' });

    const cases: Array<Record<string, unknown>> = [];
    for (const target of [
      { label: `team of ${teamSize}`, to: { teams: [teams[0]] }, recipients: Math.min(teamSize, total) },
      { label: `all ${total}`, to: { teams }, recipients: total },
    ]) {
      const sentAt = Date.now();
      const res = await api(rt, supervisor, 'POST', '/messages', {
        text: `Benchmark message to ${target.label}`,
        to: target.to,
      });
      const acceptMs = Date.now() - sentAt;
      if (res.status >= 300) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
      const id = String(res.body.id);
      const deadline = Date.now() + 120_000;
      while ((arrivals.get(id)?.size ?? 0) < target.recipients && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const latencies = [...(arrivals.get(id)?.values() ?? [])].map((at) => at - sentAt).sort((a, b) => a - b);
      const figures = {
        case: target.label,
        recipients: target.recipients,
        delivered: latencies.length,
        accept_ms: acceptMs,
        p50_ms: percentile(latencies, 50),
        p99_ms: percentile(latencies, 99),
        max_ms: latencies.at(-1) ?? null,
      };
      cases.push(figures);
      log(
        `  ${target.label}: accepted in ${ms(acceptMs)}; delivered ${figures.delivered}/${figures.recipients}; p50 ${ms(figures.p50_ms)}, p99 ${ms(figures.p99_ms)}, max ${ms(figures.max_ms ?? Number.NaN)}`,
      );
    }
    return { cases };
  } finally {
    await swarm.close();
    await rt.stop();
  }
}
