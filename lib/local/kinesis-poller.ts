import {
  type _Record,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { DEFAULT_REGION, localKinesisClient } from './kinesis.ts';
import { invoke, type LambdaHandler } from './lambda.ts';
import { consoleLog, LOCAL_ACCOUNT, type LocalLog } from './local-aws.ts';

/**
 * The local event source mapping of a Kinesis stream: a poller that plays Lambda's (batches, partial batch responses,
 * bisect on error, retry limit with an on-failure discard) against local handlers.
 */

const defaultLog = consoleLog('kinesis');

export interface KinesisPollerOptions {
  endpoint: string;
  streamName: string;
  /** @default 'us-east-1' */
  region?: string;
  consumer: { name: string; handler: LambdaHandler };
  /** Max records per invocation. */
  batchSize: number;
  /** Pause between reads of a shard that had nothing new. @default 250 */
  pollIntervalMs?: number;
  /**
   * Records pushed rather than polled (enhanced fan-out): `wakeOn(wake)` subscribes to the stream's puts
   * (stream-signals.ts) and returns the unsubscribe; `wake(shards)` names the shards the put went to (undefined: any).
   * An idle shard then waits for a put to it (or 1 s) instead of `pollIntervalMs`, which becomes the least time
   * between two reads.
   */
  wakeOn?: (wake: (shards?: readonly string[]) => void) => () => void;
  /** Retries of a failing record before it is set aside (on-failure destination). @default 5 */
  maxRetries?: number;
  /** Pause before retrying a failed batch. @default 200 */
  retryDelayMs?: number;
  /**
   * Where a shard is first read from. @default 'TRIM_HORIZON' — locally the stream and the poller start together
   * and producers may write before the poller has its iterators; reading from the oldest record loses nothing.
   * With a persisted `dataDir` this replays retained records at every start (handlers are idempotent anyway); pass
   * 'LATEST' to skip them.
   */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  log?: LocalLog;
  /** Called for a record given up on after `maxRetries` retries (what AWS would send to the on-failure destination). */
  onDiscard?: (record: KinesisStreamRecord, reason: string) => void;
}

export interface KinesisPoller {
  /** Stops polling: aborts reads and pauses at once, waits for an invocation in progress to finish. */
  close(): Promise<void>;
  /** Resolves once every record in the stream when drain() was called has been processed (or discarded). */
  drain(): Promise<void>;
}

/** An idle shard of a pushed consumer (`wakeOn`) is read at least this often anyway. */
const PUSHED_IDLE_MS = 1000;
/** kinesalite (like Kinesis) expires an iterator after 5 minutes; refresh an idle one well before that. */
const ITERATOR_MAX_AGE_MS = 240_000;

interface Pending {
  record: KinesisStreamRecord;
  /** failed invocations in which this record was the first failure */
  failures: number;
}

type Outcome = { kind: 'success' } | { kind: 'partial'; index: number } | { kind: 'error'; reason: string };

/** Reads the handler's answer the way Lambda does with ReportBatchItemFailures. */
function interpret(result: unknown, batch: Pending[]): Outcome {
  if (typeof result !== 'object' || result === null) return { kind: 'success' };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'error', reason: 'batchItemFailures is not an array' };
  if (failures.length === 0) return { kind: 'success' };
  let index = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const i = batch.findIndex((p) => p.record.kinesis.sequenceNumber === id);
    // Lambda treats a missing or unknown itemIdentifier as a failure of the whole batch.
    if (i < 0) return { kind: 'error', reason: `invalid itemIdentifier ${JSON.stringify(id)}` };
    index = Math.min(index, i);
  }
  return { kind: 'partial', index };
}

export async function startKinesisPoller(opts: KinesisPollerOptions): Promise<KinesisPoller> {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error('batchSize must be a positive integer');
  const region = opts.region ?? DEFAULT_REGION;
  const pollIntervalMs = opts.pollIntervalMs ?? 250;
  const maxRetries = opts.maxRetries ?? 5;
  const retryDelayMs = opts.retryDelayMs ?? 200;
  const startingPosition = opts.startingPosition ?? 'TRIM_HORIZON';
  const log = opts.log ?? defaultLog;
  const eventSourceARN = `arn:aws:kinesis:${region}:${LOCAL_ACCOUNT}:stream/${opts.streamName}`;
  const invokeIdentityArn = `arn:aws:iam::${LOCAL_ACCOUNT}:role/${opts.consumer.name}`;
  const client = localKinesisClient(opts.endpoint, region);
  const abort = new AbortController();
  let stopped = false;

  const waiters: Array<{ targets: number[]; resolve: () => void; reject: (err: Error) => void }> = [];
  const checkWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w && shards.every((s, j) => s.lastIdleRead >= (w.targets[j] ?? 0))) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };

  class ShardReader {
    iterator: string | undefined;
    iteratorAt = 0;
    lastReadSeq: string | undefined;
    ended = false;
    pending: Pending[] = [];
    /** current batch size: below batchSize while bisecting a failing batch */
    limit = opts.batchSize;
    /** counters for drain(): reads started, and the last read that found the shard fully processed */
    readsStarted = 0;
    lastIdleRead = 0;

    /** ends the current pause early (drain() wants a fresh read now, not after pollIntervalMs) */
    private wake: (() => void) | undefined;
    /** a wake-up came while not pausing: the next idle pause is skipped (the read may have missed the put) */
    private woken = false;
    private readAt = 0;

    constructor(
      readonly shardId: string,
      readonly index: number,
    ) {}

    /** A drain() is waiting for a read of this shard that started after it was called. */
    drainPending(): boolean {
      return waiters.some((w) => (w.targets[this.index] ?? 0) > this.lastIdleRead);
    }

    /** Sleeps unless the poller is closing (returns false then); an idle pause may be cut short by drain(). */
    pause(ms: number, idle = false): Promise<boolean> {
      if (stopped) return Promise.resolve(false);
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          abort.signal.removeEventListener('abort', done);
          this.wake = undefined;
          resolve(!stopped);
        };
        const timer = setTimeout(done, ms);
        abort.signal.addEventListener('abort', done, { once: true });
        if (idle) this.wake = done;
      });
    }

    wakeUp(): void {
      if (this.wake) this.wake();
      else this.woken = true;
    }

    /** Idle: until the next read is due — pushed (a put, at most 1 s) or polled (`pollIntervalMs`). */
    async idle(): Promise<boolean> {
      if (!opts.wakeOn) return this.pause(pollIntervalMs, true);
      if (!this.woken && !(await this.pause(PUSHED_IDLE_MS, true))) return false;
      this.woken = false;
      const gap = this.readAt + pollIntervalMs - Date.now();
      return gap > 0 ? this.pause(gap) : !stopped;
    }

    async refreshIterator(): Promise<void> {
      const out = await client.send(
        new GetShardIteratorCommand(
          this.lastReadSeq
            ? {
                StreamName: opts.streamName,
                ShardId: this.shardId,
                ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
                StartingSequenceNumber: this.lastReadSeq,
              }
            : { StreamName: opts.streamName, ShardId: this.shardId, ShardIteratorType: startingPosition },
        ),
        { abortSignal: abort.signal },
      );
      this.iterator = out.ShardIterator;
      this.iteratorAt = Date.now();
    }

    /** One GetRecords; returns how many records it added to `pending`. */
    async read(): Promise<number> {
      if (!this.iterator || Date.now() - this.iteratorAt > ITERATOR_MAX_AGE_MS) await this.refreshIterator();
      let out: GetRecordsCommandOutput;
      try {
        out = await client.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: opts.batchSize }), {
          abortSignal: abort.signal,
        });
      } catch (err) {
        if (err instanceof ExpiredIteratorException) this.iterator = undefined;
        throw err;
      }
      const records = out.Records ?? [];
      if (records.length === 0) {
        if (out.NextShardIterator === undefined || out.NextShardIterator === null) this.ended = true;
        // Keep the iterator that found nothing rather than taking NextShardIterator: kinesalite stamps an empty
        // read's next iterator with the current time, which can step over a record whose write was still landing.
        return 0;
      }
      this.iterator = out.NextShardIterator ?? undefined;
      this.iteratorAt = Date.now();
      if (this.iterator === undefined) this.ended = true;
      for (const r of records) {
        this.lastReadSeq = r.SequenceNumber;
        this.pending.push({ record: this.toLambdaRecord(r), failures: 0 });
      }
      return records.length;
    }

    /** The record exactly as the Lambda Kinesis event source delivers it (see KinesisStreamRecord). */
    toLambdaRecord(r: _Record): KinesisStreamRecord {
      const sequenceNumber = r.SequenceNumber ?? '';
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: r.PartitionKey ?? '',
          sequenceNumber,
          data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
          approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${this.shardId}:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn,
        awsRegion: region,
        eventSourceARN,
      };
    }

    discard(p: Pending, reason: string): void {
      log('error', 'record discarded after retries', {
        consumer: opts.consumer.name,
        shardId: this.shardId,
        sequenceNumber: p.record.kinesis.sequenceNumber,
        attempts: p.failures,
        reason,
      });
      try {
        opts.onDiscard?.(p.record, reason);
      } catch (err) {
        log('error', 'onDiscard threw', { error: String(err) });
      }
    }

    /** A failure charged to the record at the head of `pending`; sets it aside once retries are used up. */
    async failHead(reason: string): Promise<void> {
      const head = this.pending[0];
      if (!head) return;
      head.failures += 1;
      if (head.failures > maxRetries) {
        this.pending.shift();
        this.limit = opts.batchSize;
        this.discard(head, reason);
        return;
      }
      await this.pause(retryDelayMs);
    }

    async processBatch(): Promise<void> {
      const batch = this.pending.slice(0, this.limit);
      const event: KinesisStreamEvent = { Records: batch.map((p) => p.record) };
      let outcome: Outcome;
      try {
        outcome = interpret(await invoke(opts.consumer.name, opts.consumer.handler, event), batch);
      } catch (err) {
        outcome = { kind: 'error', reason: err instanceof Error ? err.message : String(err) };
      }
      switch (outcome.kind) {
        case 'success':
          this.pending.splice(0, batch.length);
          this.limit = opts.batchSize;
          return;
        case 'partial':
          // Lambda checkpoints up to the first reported failure and retries from there, later records included.
          this.pending.splice(0, outcome.index);
          this.limit = opts.batchSize;
          log('warn', 'batch item failure; retrying from it', {
            consumer: opts.consumer.name,
            shardId: this.shardId,
            sequenceNumber: this.pending[0]?.record.kinesis.sequenceNumber,
          });
          await this.failHead('reported in batchItemFailures');
          return;
        case 'error':
          if (batch.length > 1) {
            // BisectBatchOnFunctionError: retry each half separately; splitting does not use up retries.
            this.limit = Math.ceil(batch.length / 2);
            log('warn', 'handler failed; bisecting batch', {
              consumer: opts.consumer.name,
              shardId: this.shardId,
              size: batch.length,
              error: outcome.reason,
            });
            return;
          }
          await this.failHead(outcome.reason);
          return;
      }
    }

    async run(): Promise<void> {
      let errorBackoff = pollIntervalMs;
      while (!stopped) {
        try {
          if (!this.ended && this.pending.length < opts.batchSize) {
            const readNo = ++this.readsStarted;
            this.readAt = Date.now();
            const got = await this.read();
            if (stopped) return;
            if (got === 0 && this.pending.length === 0) {
              this.lastIdleRead = this.ended ? Number.POSITIVE_INFINITY : readNo;
              checkWaiters();
              if (this.ended) return;
              if (this.drainPending()) continue;
              if (!(await this.idle())) return;
              continue;
            }
          }
          if (this.pending.length === 0) {
            // A closed shard (resharding) with everything processed: nothing more will ever come.
            this.lastIdleRead = Number.POSITIVE_INFINITY;
            checkWaiters();
            return;
          }
          await this.processBatch();
          errorBackoff = pollIntervalMs;
        } catch (err) {
          if (stopped) return;
          log('warn', 'shard read failed; backing off', {
            stream: opts.streamName,
            shardId: this.shardId,
            error: err instanceof Error ? err.message : String(err),
          });
          if (!(await this.pause(errorBackoff))) return;
          errorBackoff = Math.min(errorBackoff * 2, 5_000);
        }
      }
    }
  }

  const shardIds: string[] = [];
  const shards: ShardReader[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const out = await client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: opts.streamName }),
      );
      for (const s of out.Shards ?? []) if (s.ShardId) shardIds.push(s.ShardId);
      nextToken = out.NextToken;
    } while (nextToken);
    shards.push(...shardIds.map((id, i) => new ShardReader(id, i)));
    // Take the first iterators before returning, so that with LATEST every record put after start is seen.
    await Promise.all(shards.map((s) => s.refreshIterator()));
  } catch (err) {
    client.destroy();
    throw err;
  }
  const loops = shards.map((s) => s.run());
  const unsubscribe = opts.wakeOn?.((put) => {
    for (const s of shards) if (!put || put.includes(s.shardId)) s.wakeUp();
  });

  return {
    drain() {
      if (stopped) return Promise.reject(new Error('poller is closed'));
      // A read that started before this call may have missed records written just before it: wait for a fresh one.
      const targets = shards.map((s) => s.readsStarted + 1);
      return new Promise<void>((resolve, reject) => {
        waiters.push({ targets, resolve, reject });
        checkWaiters();
        for (const s of shards) s.wakeUp();
      });
    },
    async close() {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      abort.abort();
      await Promise.allSettled(loops);
      for (const w of waiters.splice(0)) w.reject(new Error('poller closed before the stream was drained'));
      client.destroy();
    },
  };
}
