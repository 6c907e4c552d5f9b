import { type IncomingMessage, request, type ServerResponse } from 'node:http';

/**
 * kinesalite serialises PutRecord calls on a stream: locally it takes about 80 single puts per second on a loaded
 * 2-core machine, but a thousand records per second as PutRecords. Agent telemetry arrives as one PutRecord per
 * WebSocket frame (one Lambda invocation each, as in the cloud), so this front coalesces concurrent PutRecord calls on
 * a stream into one PutRecords call and answers each caller with its own entry — the same `{ShardId,
 * SequenceNumber}` or error a single put would have given. Calls are flushed in arrival order, one flush per stream at
 * a time, so the order of records with the same partition key is kept, as Kinesis keeps it.
 */

const PUT_RECORD = 'Kinesis_20131202.PutRecord';
const PUT_RECORDS = 'Kinesis_20131202.PutRecords';
/** Requests the front sends itself carry this header and go straight to kinesalite. */
const BYPASS = 'x-local-coalesced';
const MAX_BATCH = 500;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Pending {
  readonly entry: { Data: unknown; PartitionKey: unknown; ExplicitHashKey?: unknown };
  readonly res: ServerResponse;
}

function answer(res: ServerResponse, status: number, body: unknown, type?: string): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    ...(type ? { 'x-amzn-errortype': type } : {}),
  });
  res.end(JSON.stringify(body));
}

/**
 * `stored(stream, shards)` is told of every put kinesalite stored, with the shards its records went to (stream and
 * shards undefined: a put passed through as it came).
 */
export function coalescePutRecord(
  kinesalite: Handler,
  port: () => number,
  stored: (stream: string | undefined, shards?: readonly string[]) => void = () => undefined,
): Handler {
  const queues = new Map<string, { pending: Pending[]; flushing: boolean; auth: Record<string, string> }>();

  const flush = (stream: string): void => {
    const q = queues.get(stream);
    if (!q || q.flushing || q.pending.length === 0) return;
    q.flushing = true;
    const batch = q.pending.splice(0, MAX_BATCH);
    const body = JSON.stringify({ StreamName: stream, Records: batch.map((p) => p.entry) });
    const done = () => {
      q.flushing = false;
      setImmediate(() => flush(stream));
    };
    const req = request(
      {
        host: '127.0.0.1',
        port: port(),
        method: 'POST',
        path: '/',
        headers: {
          ...q.auth,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': PUT_RECORDS,
          'content-length': Buffer.byteLength(body),
          [BYPASS]: '1',
        },
      },
      (out) => {
        const chunks: Buffer[] = [];
        out.on('data', (c: Buffer) => chunks.push(c));
        out.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            const parsed = JSON.parse(text) as {
              Records?: Array<{ ShardId?: string; SequenceNumber?: string; ErrorCode?: string; ErrorMessage?: string }>;
              __type?: string;
            };
            if (out.statusCode !== 200 || !parsed.Records) {
              for (const p of batch) answer(p.res, out.statusCode ?? 500, parsed, parsed.__type);
            } else {
              const shards = new Set<string>();
              batch.forEach((p, i) => {
                const r = parsed.Records?.[i];
                if (r?.ErrorCode) answer(p.res, 400, { __type: r.ErrorCode, message: r.ErrorMessage }, r.ErrorCode);
                else {
                  if (r?.ShardId) shards.add(r.ShardId);
                  answer(p.res, 200, { ShardId: r?.ShardId, SequenceNumber: r?.SequenceNumber });
                }
              });
              if (shards.size > 0) stored(stream, [...shards]);
            }
          } catch {
            for (const p of batch) answer(p.res, 500, { __type: 'InternalFailure', message: 'coalesced put failed' });
          }
          done();
        });
      },
    );
    req.on('error', (error) => {
      for (const p of batch) answer(p.res, 500, { __type: 'InternalFailure', message: String(error) });
      done();
    });
    req.end(body);
  };

  return (req, res) => {
    if (req.headers[BYPASS] || req.headers['x-amz-target'] !== PUT_RECORD || req.method !== 'POST') {
      if (!req.headers[BYPASS] && req.headers['x-amz-target'] === PUT_RECORDS)
        res.once('finish', () => res.statusCode === 200 && stored(undefined));
      kinesalite(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        answer(res, 400, { __type: 'SerializationException', message: 'not JSON' }, 'SerializationException');
        return;
      }
      const stream = typeof input.StreamName === 'string' ? input.StreamName : undefined;
      // Anything PutRecords cannot express (ordering hints, ARNs instead of names) is refused rather than misapplied.
      if (!stream || input.SequenceNumberForOrdering !== undefined || input.StreamARN !== undefined) {
        answer(
          res,
          400,
          { __type: 'ValidationException', message: 'the local Kinesis takes PutRecord with StreamName only' },
          'ValidationException',
        );
        return;
      }
      let q = queues.get(stream);
      if (!q) {
        q = { pending: [], flushing: false, auth: {} };
        queues.set(stream, q);
      }
      // kinesalite checks that a request is signed (not the signature): reuse a caller's headers for the batch.
      q.auth = {
        authorization: String(req.headers.authorization ?? ''),
        'x-amz-date': String(req.headers['x-amz-date'] ?? ''),
      };
      q.pending.push({
        entry: {
          Data: input.Data,
          PartitionKey: input.PartitionKey,
          ...(input.ExplicitHashKey === undefined ? {} : { ExplicitHashKey: input.ExplicitHashKey }),
        },
        res,
      });
      setImmediate(() => flush(stream));
    });
  };
}
