import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ReceivedFrame {
  readonly user: string;
  readonly at: number;
  readonly text: string;
}

/**
 * Benchmark clients spread over child processes. `onFrame` sees every frame any client receives, with the time it
 * arrived (Date.now() in the client process: one machine, one clock).
 */
export class Swarm {
  private nextRid = 1;

  private constructor(
    private readonly workers: Array<{ child: ChildProcess; users: Set<string> }>,
    /** Pending commands by id: a long `connect` and a quick `send` to the same process answer out of order. */
    private readonly pending: Map<number, (m: { event: string; [k: string]: unknown }) => void>,
  ) {}

  /** `forward: false` keeps frames in the client processes (see `arrivals`): no IPC per frame into this process. */
  static async start(
    processes: number,
    onFrame: (frame: ReceivedFrame) => void,
    options: { readonly forward?: boolean } = {},
  ): Promise<Swarm> {
    const script = fileURLToPath(new URL('./_swarm-worker.ts', import.meta.url));
    const args = options.forward === false ? ['--no-forward'] : [];
    const pending = new Map<number, (m: { event: string; [k: string]: unknown }) => void>();
    const workers = await Promise.all(
      Array.from({ length: processes }, async () => {
        const child = fork(script, args, {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        let ready: () => void = () => undefined;
        const isReady = new Promise<void>((resolve) => {
          ready = resolve;
        });
        child.on('message', (m: { event: string; rid?: number; [k: string]: unknown }) => {
          if (m.event === 'frame') return onFrame(m as unknown as ReceivedFrame);
          if (m.event === 'ready') return ready();
          const resolve = m.rid === undefined ? undefined : pending.get(m.rid);
          if (m.rid !== undefined) pending.delete(m.rid);
          resolve?.(m);
        });
        await isReady;
        return { child, users: new Set<string>() };
      }),
    );
    return new Swarm(workers, pending);
  }

  private ask(child: ChildProcess, command: Record<string, unknown>): Promise<{ event: string; [k: string]: unknown }> {
    const rid = this.nextRid++;
    return new Promise((resolve) => {
      this.pending.set(rid, resolve);
      child.send({ ...command, rid });
    });
  }

  /** Connects every client (spread round-robin over the processes); resolves with how many are open. */
  async connect(
    url: string,
    clients: ReadonlyArray<{ user: string; token: string }>,
    concurrency = 100,
  ): Promise<{ connected: number; failed: number }> {
    const slices = this.workers.map(() => [] as Array<{ user: string; token: string }>);
    for (const [i, c] of clients.entries()) slices[i % this.workers.length]?.push(c);
    const answers = await Promise.all(
      this.workers.map((w, i) => {
        for (const c of slices[i] ?? []) w.users.add(c.user);
        return this.ask(w.child, { cmd: 'connect', url, clients: slices[i] ?? [], concurrency });
      }),
    );
    return {
      connected: answers.reduce((n, a) => n + Number(a.count ?? 0), 0),
      failed: answers.reduce((n, a) => n + Number(a.failed ?? 0), 0),
    };
  }

  /** Sends a frame from each named user's socket. */
  async send(users: readonly string[], frame: unknown): Promise<void> {
    await Promise.all(
      this.workers.map((w) => this.ask(w.child, { cmd: 'send', users: users.filter((u) => w.users.has(u)), frame })),
    );
  }

  /** Drops the named users' sockets abruptly (no close handshake), as a network failure would. */
  async drop(users: readonly string[]): Promise<void> {
    await Promise.all(
      this.workers.map((w) => this.ask(w.child, { cmd: 'drop', users: users.filter((u) => w.users.has(u)) })),
    );
  }

  /** Reconnects the named users with fresh tokens. */
  async reconnect(url: string, clients: ReadonlyArray<{ user: string; token: string }>): Promise<void> {
    await Promise.all(
      this.workers.map((w) => {
        const mine = clients.filter((c) => w.users.has(c.user));
        return mine.length > 0
          ? this.ask(w.child, { cmd: 'connect', url, clients: mine, concurrency: 50 })
          : Promise.resolve();
      }),
    );
  }

  /** When each client received the `message` frame of this message id (the first per user), from every process. */
  async arrivals(messageId: string): Promise<Map<string, number>> {
    const answers = await Promise.all(this.workers.map((w) => this.ask(w.child, { cmd: 'arrivals', messageId })));
    return new Map(answers.flatMap((a) => (a.arrivals ?? []) as Array<[string, number]>));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.ask(w.child, { cmd: 'close' }).catch(() => undefined)));
  }
}

/** Percentile of a sorted list (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
