/**
 * "Records were stored on this stream" signals of a local Kinesis, so that the poller of an enhanced fan-out consumer
 * reads when there is something to read instead of every few milliseconds: AWS pushes records to such a consumer
 * (SubscribeToShard) within ≈70 ms, and an idle stream costs it nothing. The Kinesis front (kinesis-coalescer.ts)
 * signals each stored put with the shards it went to; a poller subscribed to the stream wakes those of its idle shards
 * (kinesis.ts). Keyed by the local
 * Kinesis endpoint, so that several runtimes in one process do not wake each other.
 */
/** Told of a put: the shards that got records (undefined: not known which — every shard reads). */
export type StreamListener = (shards?: readonly string[]) => void;

export class StreamSignals {
  private readonly listeners = new Map<string, Set<StreamListener>>();

  /**
   * Records were stored on `stream` (undefined: on some stream, not known which — everyone reads), in `shards` when
   * known: as SubscribeToShard pushes each shard's records to that shard's subscription, an idle shard is not woken.
   */
  notify(stream: string | undefined, shards?: readonly string[]): void {
    const targets = stream === undefined ? [...this.listeners.values()] : [this.listeners.get(stream)];
    for (const set of targets) for (const listener of set ?? []) listener(stream === undefined ? undefined : shards);
  }

  /** Calls `listener` after each put on `stream`; returns the unsubscribe. */
  subscribe(stream: string, listener: StreamListener): () => void {
    let set = this.listeners.get(stream);
    if (!set) {
      set = new Set();
      this.listeners.set(stream, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}

const byEndpoint = new Map<string, StreamSignals>();

/** The signals of the local Kinesis at `endpoint` (created on first use). */
export function streamSignals(endpoint: string): StreamSignals {
  let signals = byEndpoint.get(endpoint);
  if (!signals) {
    signals = new StreamSignals();
    byEndpoint.set(endpoint, signals);
  }
  return signals;
}

/** Forgets the signals of a closed local Kinesis. */
export function releaseStreamSignals(endpoint: string): void {
  byEndpoint.delete(endpoint);
}
