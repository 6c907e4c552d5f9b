/**
 * Read/write locks per key, for the local DynamoDB's isolation (lib/local/dynamo-transactions.ts): many readers or one
 * writer per key; a waiting writer holds back new readers of its key, so that it is not starved.
 *
 * A request locks all its keys before it starts and releases them all when it ends. Keys are taken one by one in one
 * global (sorted) order, so two requests never wait for each other in a cycle: whoever waits for key k holds only keys
 * before k, and the queue of k ends at holders of k that wait only for keys after k.
 */
export type Release = () => void;

interface Waiter {
  readonly exclusive: boolean;
  readonly grant: () => void;
}

interface KeyState {
  readers: number;
  writer: boolean;
  readonly queue: Waiter[];
}

export class KeyLocks {
  private readonly keys = new Map<string, KeyState>();

  /** Locks every key once (shared or exclusive); resolves, once all are held, with the release of all. */
  async lock(keys: Iterable<string>, exclusive: boolean): Promise<Release> {
    const sorted = [...new Set(keys)].sort();
    for (const key of sorted) {
      const granted = this.acquire(key, exclusive);
      if (granted !== true) await granted;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of sorted) this.unlock(key, exclusive);
    };
  }

  /** Keys held or waited for right now: none once every request has ended (nothing leaks). */
  get size(): number {
    return this.keys.size;
  }

  /** Lock requests waiting for a key right now. */
  get waiting(): number {
    let n = 0;
    for (const state of this.keys.values()) n += state.queue.length;
    return n;
  }

  private acquire(key: string, exclusive: boolean): true | Promise<void> {
    let state = this.keys.get(key);
    if (!state) {
      state = { readers: 0, writer: false, queue: [] };
      this.keys.set(key, state);
    }
    if (state.queue.length === 0 && !state.writer && (!exclusive || state.readers === 0)) {
      if (exclusive) state.writer = true;
      else state.readers++;
      return true;
    }
    const queue = state.queue;
    return new Promise<void>((grant) => queue.push({ exclusive, grant }));
  }

  private unlock(key: string, exclusive: boolean): void {
    const state = this.keys.get(key);
    if (!state) return;
    if (exclusive) state.writer = false;
    else state.readers--;
    // Grant in arrival order: a run of readers together, or one writer once no reader is left.
    while (!state.writer) {
      const next = state.queue[0];
      if (!next || (next.exclusive && state.readers > 0)) break;
      state.queue.shift();
      if (next.exclusive) state.writer = true;
      else state.readers++;
      next.grant();
    }
    if (!state.writer && state.readers === 0 && state.queue.length === 0) this.keys.delete(key);
  }
}
