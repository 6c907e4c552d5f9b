import { mkdir } from 'node:fs/promises';
import { createServer as createHttp2Server } from 'node:http2';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ResourceInUseException,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
// Typed in types/local-emulators.d.ts. Its server's close() takes a required callback (it closes LevelDB).
import kinesalite from 'kinesalite';
import { guardEmulator, isLoopbackAddress } from './emulator-guard.ts';
import { closeServer, listen } from './http-util.ts';
import { coalescePutRecord } from './kinesis-coalescer.ts';
import { consoleLog, type LocalLog } from './local-aws.ts';
import { releaseStreamSignals, streamSignals } from './stream-signals.ts';

/**
 * Local Kinesis: kinesalite as the stream store (the poller that plays the Lambda event source mapping is in
 * kinesis-poller.ts).
 */

export const DEFAULT_REGION = 'us-east-1';

/**
 * A Kinesis client for a local endpoint, with dummy credentials and the HTTP/1.1 handler: kinesalite's own protocol,
 * so the poller's many GetRecords calls skip the HTTP/2 bridge in front of it (see startKinesis).
 */
export function localKinesisClient(endpoint: string, region = DEFAULT_REGION): KinesisClient {
  return new KinesisClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
}

export interface LocalKinesis {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Every HTTP/2 connection opens with this preface; an HTTP/1.1 request line never starts with it. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0', 'latin1');

/**
 * Starts kinesalite and creates the streams (ACTIVE on return). With a `dataDir` the records survive restarts and
 * creating an already existing stream is a no-op.
 *
 * kinesalite speaks only HTTP/1.1, but the Kinesis client's default request handler speaks HTTP/2 (cleartext, with
 * prior knowledge, for an http:// endpoint). So that handlers can use an unmodified client through
 * `AWS_ENDPOINT_URL_KINESIS`, the endpoint is a small front that looks at the first bytes of each connection and
 * passes it to kinesalite itself (HTTP/1.1) or to an HTTP/2 server that serves kinesalite's request handler through
 * Node's compatibility API.
 */
export async function startKinesis(opts: {
  port: number;
  host?: string;
  /** LevelDB directory; undefined keeps everything in memory. */
  dataDir?: string;
  streams: Array<{ name: string; shards: number }>;
  log?: LocalLog;
}): Promise<LocalKinesis> {
  const log = opts.log ?? defaultLog;
  const host = opts.host ?? '127.0.0.1';
  if (opts.dataDir) await mkdir(opts.dataDir, { recursive: true });
  // Stream state changes are instant locally: nobody should wait half a second per stream at start-up.
  const h1 = kinesalite({
    path: opts.dataDir,
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
  });
  guardEmulator(h1);
  const h2 = createHttp2Server();
  // PutRecord calls are coalesced into PutRecords (see kinesis-coalescer.ts); everything else goes to kinesalite as is.
  // Requests kinesalite is still working on: its actions go on after their client has gone (a poller stopped
  // mid-GetRecords) and would read a LevelDB that close() already shut — an uncaught throw inside kinesalite. close()
  // waits for them (kinesalite ends every response it starts).
  const inFlight = trackResponses(h1.listeners('request')[0] as Parameters<typeof coalescePutRecord>[0]);
  const kinesaliteHandler = coalescePutRecord(
    inFlight.handler,
    () => h1Port,
    (stream, shards) => streamSignals(endpoint).notify(stream, shards),
  );
  h1.removeAllListeners('request');
  h1.on('request', kinesaliteHandler);
  h2.on('request', (req, res) => kinesaliteHandler(req as never, res as never));
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const h1Port = await listen(h1, 0, '127.0.0.1');
  const h2Port = await listen(h2, 0, '127.0.0.1');
  const front = createNetServer((socket) => {
    track(socket);
    // The upstream servers see the front as their peer: the peer check happens here.
    if (!isLoopbackAddress(socket.remoteAddress)) {
      socket.destroy();
      return;
    }
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, H2_PREFACE.length);
      const isH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && head.length < H2_PREFACE.length) return; // not enough bytes to tell yet
      socket.off('data', onData);
      if (!isH2) {
        // HTTP/1.1 (the handlers' and the poller's clients): the connection itself goes to kinesalite's server, bytes
        // already read put back first. Piping it through a second loopback connection instead would double the
        // socket reads and writes of every request and response, in the process that also runs the functions.
        socket.pause();
        socket.unshift(head);
        h1.emit('connection', socket);
        socket.resume();
        return;
      }
      const upstream = connect(h2Port, '127.0.0.1');
      track(upstream);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
  const port = await listen(front, opts.port, host);
  const endpoint = `http://${host}:${port}`;

  const close = async () => {
    const frontClosed = closeServer(front);
    const h2Closed = closeServer(h2);
    // Shutdown should not wait for a client (a poller, a handler's SDK client) that holds a keep-alive connection.
    for (const socket of sockets) socket.destroy();
    h1.closeAllConnections();
    await Promise.all([frontClosed, h2Closed]);
    await inFlight.drained(5000);
    // kinesalite's close() also closes its LevelDB, which must happen for the data directory to be reusable.
    await closeServer(h1);
    releaseStreamSignals(endpoint);
  };

  const client = localKinesisClient(endpoint);
  try {
    for (const stream of opts.streams) {
      try {
        await client.send(new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shards }));
      } catch (err) {
        if (!(err instanceof ResourceInUseException)) throw err;
      }
      const summary = await waitActive(client, stream.name);
      if (summary.openShards !== stream.shards) {
        log('warn', 'existing stream has a different shard count; keeping it', {
          stream: stream.name,
          shards: summary.openShards,
          wanted: stream.shards,
        });
      }
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, close };
}

async function waitActive(client: KinesisClient, streamName: string): Promise<{ openShards: number | undefined }> {
  for (let i = 0; i < 250; i++) {
    const { StreamDescriptionSummary: s } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    if (s?.StreamStatus === 'ACTIVE') return { openShards: s.OpenShardCount };
    await sleep(20);
  }
  throw new Error(`stream ${streamName} did not become ACTIVE`);
}

const defaultLog = consoleLog('kinesis');

type RequestHandler = Parameters<typeof coalescePutRecord>[0];

/** Counts the responses a handler has started and not yet ended; `drained` resolves when none is left (or at `ms`). */
function trackResponses(inner: RequestHandler) {
  let open = 0;
  let wake: (() => void) | undefined;
  const handler: RequestHandler = (req, res) => {
    open++;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    let ended = false;
    res.end = ((...args: unknown[]) => {
      if (!ended) {
        ended = true;
        open--;
        if (open === 0) wake?.();
      }
      return end(...args);
    }) as typeof res.end;
    inner(req, res);
  };
  const drained = async (ms: number) => {
    if (open === 0) return;
    await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(ms)]);
    wake = undefined;
  };
  return { handler, drained };
}
