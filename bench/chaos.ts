/**
 * chaos: 1,000 agents; a burst of 100 messages to all of them while 30% of the clients drop at random moments,
 * reconnect after a random pause and resume with "sync since cursor". Every client shows a message once (it
 * de-duplicates pushes and syncs by message id), as the protocol asks. Reports what the agents were expected to see,
 * what they saw, what was lost, and duplicates shown (one text shown under two ids: a send the server duplicated).
 * Goal: lost 0, duplicates_shown 0. Options: --agents N (1000), --messages N (100), --churn 0.3.
 */
import { parseArgs } from 'node:util';
import { agentTokens, api, importAgents, log, ms, startBenchRuntime } from './_setup.ts';
import { Swarm } from './_swarm.ts';

const TENANT = 'bench';

interface ClientState {
  cursor: string | undefined;
  readonly shown: Set<string>;
  readonly idsByText: Map<string, Set<string>>;
  pushes: number;
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      agents: { type: 'string', default: '1000' },
      messages: { type: 'string', default: '100' },
      churn: { type: 'string', default: '0.3' },
    },
  });
  const agents = Number(values.agents);
  const messages = Number(values.messages);
  const churn = Number(values.churn);
  const users = Array.from({ length: agents }, (_, i) => `c${String(i).padStart(4, '0')}`);
  const state = new Map<string, ClientState>(
    users.map((u) => [u, { cursor: undefined, shown: new Set(), idsByText: new Map(), pushes: 0 }]),
  );
  const show = (user: string, m: { id: string; text: string }) => {
    const s = state.get(user);
    if (!s) return;
    s.shown.add(m.id);
    let ids = s.idsByText.get(m.text);
    if (!ids) {
      ids = new Set();
      s.idsByText.set(m.text, ids);
    }
    ids.add(m.id);
  };
  const syncsPending = new Map<string, () => void>();
  let errors = 0;
  let resend: (user: string) => Promise<void> = async () => undefined;

  const rt = await startBenchRuntime();
  const swarm = await Swarm.start(2, (frame) => {
    const parsed = JSON.parse(frame.text) as {
      type?: string;
      id?: string;
      message?: { id: string; text: string };
      messages?: Array<{ id: string; text: string }>;
      cursor?: string | null;
    };
    if (parsed.type === 'message' && parsed.message) {
      const s = state.get(frame.user);
      if (s) s.pushes++;
      show(frame.user, parsed.message);
    } else if (parsed.type === 'error') {
      errors++;
      if (errors <= 3) log(`  error frame for ${frame.user}: ${frame.text}`);
      // A failed sync is retried, as a client would.
      if (syncsPending.has(frame.user)) setTimeout(() => void resend(frame.user), 200);
    } else if (parsed.type === 'sync') {
      for (const m of parsed.messages ?? []) show(frame.user, m);
      const s = state.get(frame.user);
      if (s && parsed.cursor) s.cursor = parsed.cursor;
      syncsPending.get(frame.user)?.();
      syncsPending.delete(frame.user);
    }
  });
  resend = async (user: string) => {
    const cursor = state.get(user)?.cursor;
    await swarm.send([user], cursor ? { action: 'sync', since: cursor } : { action: 'sync' });
  };
  const sync = (user: string) =>
    new Promise<void>((resolve) => {
      syncsPending.set(user, resolve);
      void resend(user);
    });

  try {
    await importAgents(
      rt,
      TENANT,
      users.map((u) => ({ agentId: u, displayName: `Agent ${u}`, team: 'floor' })),
    );
    const tokens = await agentTokens(rt, TENANT, users);
    const tokenOf = new Map(tokens.map((t) => [t.user, t.token]));
    const { connected, failed } = await swarm.connect(rt.ws, tokens, 50);
    log(`  ${connected} connected, ${failed} failed`);
    await Promise.all(users.map(sync));
    log(
      `chaos: ${connected} agents connected and synced; sending ${messages} messages to all while ${Math.round(churn * 100)}% reconnect`,
    );

    const supervisor = await rt.token({ tenant: TENANT, user: 'chaos-supervisor', role: 'supervisor' });
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const started = Date.now();
    const ids: string[] = [];
    const sending = (async () => {
      for (let n = 0; n < messages; n++) {
        const res = await api(rt, supervisor, 'POST', '/messages', {
          text: `Chaos message ${n}`,
          to: { teams: ['floor'] },
        });
        if (res.status >= 300) throw new Error(`send failed: ${res.status}`);
        ids.push(String(res.body.id));
      }
    })();
    // The victims drop at random moments during the burst, stay away a random while, then resume from their cursor.
    const victims = users.filter(() => random() < churn);
    const chaos = Promise.all(
      victims.map(async (user) => {
        await new Promise((r) => setTimeout(r, random() * 4000));
        await swarm.drop([user]);
        await new Promise((r) => setTimeout(r, random() * 1500));
        await swarm.reconnect(rt.ws, [{ user, token: tokenOf.get(user) ?? '' }]);
        await sync(user);
      }),
    );
    await Promise.all([sending, chaos]);
    log(
      `  ${ids.length} messages accepted and ${victims.length} agents reconnected in ${ms(Date.now() - started)}; waiting for the fan-out to finish`,
    );
    // Wait until every message reports complete (the workers have pushed everything they will push).
    const deadline = Date.now() + 300_000;
    for (const id of ids) {
      while (Date.now() < deadline) {
        const res = await api(rt, supervisor, 'GET', `/messages/${id}?limit=1`);
        if (res.body.status === 'complete') break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    const expected = users.length * ids.length;
    let receivedUnique = 0;
    let duplicatesShown = 0;
    let pushes = 0;
    for (const s of state.values()) {
      receivedUnique += ids.filter((id) => s.shown.has(id)).length;
      for (const set of s.idsByText.values()) duplicatesShown += set.size - 1;
      pushes += s.pushes;
    }
    const lost = expected - receivedUnique;
    log(
      `  expected ${expected}, received ${receivedUnique} unique (${pushes} live pushes), lost ${lost}, duplicates shown ${duplicatesShown} in ${ms(Date.now() - started)}`,
    );
    return {
      agents: users.length,
      messages: ids.length,
      reconnected: victims.length,
      expected,
      received_unique: receivedUnique,
      lost,
      duplicates_shown: duplicatesShown,
      live_pushes: pushes,
      total_ms: Date.now() - started,
    };
  } finally {
    await swarm.close();
    await rt.stop();
  }
}
