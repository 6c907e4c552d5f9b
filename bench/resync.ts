/**
 * resync: an agent with 500 unread messages connects and syncs. Reports the time from the `sync` frame to the reply
 * and the DynamoDB requests the sync made. Goal: ≤ 200 ms and a small constant number of queries, however many
 * messages the tenant has. The functions run in the runtime's function threads: every HTTP request the sync function
 * sends to DynamoDB is reported from there by bench/_request-probe.ts (FUNCTION_HOST_IMPORTS), with the function that
 * sent it.
 * Options: --messages N (default 500).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { BroadcastChannel } from 'node:worker_threads';
import { optionsFromEnv, RANDOM_PORTS, startLocalRuntime } from '../lib/local/runtime.ts';
import { TestClient } from '../test/support/ws-client.ts';
import { type ProbeEvent, REQUEST_PROBE_CHANNEL } from './_request-probe.ts';
import { log, ms } from './_setup.ts';

const TENANT = 'bench';
/** The function of the WebSocket `sync` action (lib/registry/messaging.ts). */
const SYNC_FUNCTION = 'WsMessagesSync';

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({ args, options: { messages: { type: 'string', default: '500' } } });
  const count = Number(values.messages);
  const env = {
    ...process.env,
    ...RANDOM_PORTS,
    DATA_DIR: ':memory:',
    LOG_LEVEL: 'error',
  };
  process.env.FUNCTION_HOST_IMPORTS = new URL('./_request-probe.ts', import.meta.url).href;
  const rt = await startLocalRuntime(optionsFromEnv(env, () => undefined));
  const probe = new BroadcastChannel(REQUEST_PROBE_CHANNEL);
  probe.unref();
  try {
    // Every DynamoDB request the sync function sends (not the receipts worker it starts, which writes in parallel).
    const calls: string[] = [];
    probe.onmessage = (message) => {
      const e = (message as { data: ProbeEvent }).data;
      if (e.event === 'start' && e.fn === SYNC_FUNCTION && e.target.startsWith('DynamoDB_'))
        calls.push(e.target.split('.')[1] ?? '?');
    };

    const post = async (token: string, path: string, body: unknown) => {
      const res = await fetch(`${rt.urls.http}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    const admin = await rt.token({ tenant: TENANT, user: 'admin', role: 'admin' });
    // Other agents' traffic in the same tenant: the sync must not depend on it.
    await post(admin, '/directory/agents/import', {
      agents: [
        { agentId: 'r1', displayName: 'Resync Agent' },
        ...Array.from({ length: 50 }, (_, i) => ({ agentId: `o${i}`, displayName: `Other ${i}`, team: 'others' })),
      ],
    });
    const supervisor = await rt.token({ tenant: TENANT, user: 'sup', role: 'supervisor' });
    const t0 = Date.now();
    for (let i = 0; i < count; i++) {
      await post(supervisor, '/messages', { text: `Unread message ${i}`, to: { agentIds: ['r1'] } });
      if (i % 10 === 0) await post(supervisor, '/messages', { text: `Team message ${i}`, to: { teams: ['others'] } });
      if (i % 100 === 99) log(`  ${i + 1}/${count} messages sent`);
    }
    log(
      `resync: ${count} unread messages for one agent (plus ${Math.ceil(count / 10)} to 50 others) sent in ${ms(Date.now() - t0)}`,
    );

    const client1 = await TestClient.connect(rt.urls.ws, await rt.token({ tenant: TENANT, user: 'r1', role: 'agent' }));
    // The scenario: the first sync after coming back. Then, once the receipts worker has marked everything
    // delivered, a few more syncs (the steady state of a reconnect with nothing new).
    const measure = async () => {
      calls.length = 0;
      const started = performance.now();
      const reply = await client1.request({ action: 'sync' }, 30_000);
      const elapsed = performance.now() - started;
      await sleep(200); // the probe's last reports from the function threads
      const queries = calls.filter((c) => /Query|Get|Scan/.test(c)).length;
      return { ms: elapsed, queries, synced: (reply.messages as unknown[]).length, unread: Number(reply.unread) };
    };
    const first = await measure();
    await new Promise((r) => setTimeout(r, 3000));
    const repeats = [];
    for (let r = 0; r < 5; r++) repeats.push(await measure());
    await client1.close();
    const median = [...repeats].sort((a, b) => a.ms - b.ms)[Math.floor(repeats.length / 2)] ?? first;
    log(
      `  first sync: ${first.synced} messages (unread ${first.unread}) in ${ms(first.ms)} with ${first.queries} DynamoDB read request(s) (goal ≤ 200 ms, a small constant)`,
    );
    log(`  later syncs (nothing new): median ${ms(median.ms)}, ${median.queries} read request(s)`);
    return {
      unread: first.unread,
      synced: first.synced,
      ms: Math.round(first.ms),
      queries: first.queries,
      repeat_ms: Math.round(median.ms),
      repeat_queries: median.queries,
    };
  } finally {
    probe.close();
    await rt.stop();
  }
}
