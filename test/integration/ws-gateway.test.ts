import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LambdaHandler } from '../../lib/local/lambda.ts';
import { startWsGateway, type WsGateway, type WsRoute } from '../../lib/local/ws-gateway.ts';

// The fake handlers below are test inputs: they record what the gateway hands them. The assertions are about the
// gateway (event shapes, refusals, routing, ordering, the management API).

type Event = {
  body?: string;
  type?: string;
  methodArn?: string;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: Record<string, unknown> & { connectionId: string; routeKey: string; eventType: string };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

function allowPolicy(principalId: string, context: Record<string, unknown>, effect = 'Allow') {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: '*' }],
    },
    context,
  };
}

function policyFor(resource: string) {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }] };
}

interface Recorder {
  authorizer: Event[];
  connect: Event[];
  disconnect: Event[];
  messages: Event[];
  /** What a PostToConnection to itself from inside $connect produced. */
  selfPost: unknown[];
}

function recordingRoutes(rec: Recorder, management: () => ApiGatewayManagementApiClient | undefined) {
  const authorizer: LambdaHandler = async (event) => {
    const e = event as Event;
    rec.authorizer.push(e);
    const token = e.queryStringParameters?.token;
    if (token === 'unauth') throw new Error('Unauthorized');
    if (token === 'boom') throw new Error('database down');
    if (token === 'garbage') return 42;
    if (token === 'deny') return allowPolicy('deny', {}, 'Deny');
    if (token === 'elsewhere')
      return { ...allowPolicy('x', {}), policyDocument: policyFor('arn:aws:execute-api:*/prod/*') };
    if (token === 'exact') return { ...allowPolicy('user-exact', {}), policyDocument: policyFor(e.methodArn ?? '') };
    return allowPolicy(`user-${token}`, { tenant: 't1', user: token, role: 'agent', level: 3 });
  };
  const connect: LambdaHandler = async (event) => {
    const e = event as Event;
    rec.connect.push(e);
    const client = management();
    if (e.queryStringParameters?.selfpost === '1' && client) {
      try {
        await client.send(
          new PostToConnectionCommand({ ConnectionId: e.requestContext.connectionId, Data: 'too early' }),
        );
        rec.selfPost.push('delivered');
      } catch (error) {
        rec.selfPost.push(error);
      }
    }
    if (e.queryStringParameters?.wait === '1') await sleep(200);
    if (e.queryStringParameters?.reject === '1') return { statusCode: 500 };
    return { statusCode: 200 };
  };
  const disconnect: LambdaHandler = async (event) => {
    rec.disconnect.push(event as Event);
    return { statusCode: 200 };
  };
  const message =
    (name: string, delay: (body: Record<string, unknown>) => number = () => 0): LambdaHandler =>
    async (event) => {
      const e = event as Event;
      rec.messages.push(e);
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(e.body ?? '') as Record<string, unknown>;
      } catch {
        // $default receives malformed JSON too
      }
      await sleep(delay(parsed));
      return { statusCode: 200, body: JSON.stringify({ route: name, seq: parsed.seq ?? null }) };
    };
  const routes = new Map<string, WsRoute>([
    ['$connect', { name: 'Connect', handler: connect }],
    ['$disconnect', { name: 'Disconnect', handler: disconnect }],
    ['$default', { name: 'Default', handler: message('$default') }],
    ['echo', { name: 'Echo', handler: message('echo') }],
    ['seq', { name: 'Seq', handler: message('seq', (b) => (Number(b.seq) % 2 === 1 ? 40 : 0)) }],
    ['slow', { name: 'Slow', handler: message('slow', () => 300) }],
    [
      'fail',
      {
        name: 'Fail',
        handler: async () => {
          throw new Error('bug');
        },
      },
    ],
    ['$nothere', { name: 'Dollar', handler: message('$nothere') }],
  ]);
  return { authorizer: { name: 'Authorizer', handler: authorizer }, routes };
}

function newRecorder(): Recorder {
  return { authorizer: [], connect: [], disconnect: [], messages: [], selfPost: [] };
}

/** A client with a queue of received text frames. */
interface Client {
  readonly ws: WebSocket;
  readonly frames: string[];
  next(timeoutMs?: number): Promise<string>;
  closed: Promise<{ code: number; reason: string }>;
}

function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { 'User-Agent': 'gateway-test/1.0' } });
    const frames: string[] = [];
    const waiters: ((frame: string) => void)[] = [];
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary>${data.toString()}` : data.toString();
      const waiter = waiters.shift();
      if (waiter) waiter(text);
      else frames.push(text);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolveClose) => {
      ws.on('close', (code, reason) => resolveClose({ code, reason: reason.toString() }));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () =>
        reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, body })),
      );
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        frames,
        closed,
        next: (timeoutMs = 3_000) => {
          const queued = frames.shift();
          if (queued !== undefined) return Promise.resolve(queued);
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error('no frame in time')), timeoutMs);
            waiters.push((frame) => {
              clearTimeout(timer);
              res(frame);
            });
          });
        },
      }),
    );
  });
}

async function refusal(url: string): Promise<{ status: number; body: string }> {
  try {
    const client = await connect(url);
    client.ws.close();
  } catch (error) {
    const { status, body } = error as { status?: number; body?: string };
    if (status === undefined) throw error;
    return { status, body: body ?? '' };
  }
  throw new Error('the connection was accepted');
}

function managementClient(gw: WsGateway): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint: gw.managementEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
}

describe('local API Gateway WebSocket emulator', () => {
  const rec = newRecorder();
  let gw: WsGateway;
  let mgmt: ApiGatewayManagementApiClient;
  const logs: { level: string; message: string }[] = [];

  beforeAll(async () => {
    const { authorizer, routes } = recordingRoutes(rec, () => mgmt);
    gw = await startWsGateway({
      port: 0,
      stage: 'local',
      authorizer,
      routes,
      log: (level, message) => logs.push({ level, message }),
    });
    mgmt = managementClient(gw);
  });

  afterAll(async () => {
    mgmt?.destroy();
    await gw?.close();
  });

  /** Connects as an allowed user and returns the client with its connection id. */
  async function open(user: string, extra = ''): Promise<Client & { id: string }> {
    const before = rec.connect.length;
    const client = await connect(`${gw.url}/?token=${user}${extra}`);
    const event = rec.connect.slice(before).find((e) => e.queryStringParameters?.token === user);
    if (!event) throw new Error('no $connect event');
    return Object.assign(client, { id: event.requestContext.connectionId });
  }

  describe('$connect and the authorizer', () => {
    it('refuses a missing or empty token with 401 without invoking the authorizer', async () => {
      const calls = rec.authorizer.length;
      expect(await refusal(gw.url)).toEqual({ status: 401, body: '{"message":"Unauthorized"}' });
      expect((await refusal(`${gw.url}/?token=`)).status).toBe(401);
      expect((await refusal(`${gw.url}/?other=1`)).status).toBe(401);
      expect(rec.authorizer.length).toBe(calls);
    });

    it('answers 401 when the authorizer throws Unauthorized, 403 on Deny or garbage, 500 on another error', async () => {
      const connects = rec.connect.length;
      expect((await refusal(`${gw.url}/?token=unauth`)).status).toBe(401);
      expect(await refusal(`${gw.url}/?token=deny`)).toEqual({ status: 403, body: '{"message":"Forbidden"}' });
      expect((await refusal(`${gw.url}/?token=garbage`)).status).toBe(403);
      // An Allow that does not cover this API's $connect ARN allows nothing.
      expect((await refusal(`${gw.url}/?token=elsewhere`)).status).toBe(403);
      expect((await refusal(`${gw.url}/?token=boom`)).status).toBe(500);
      // A refused authorization never reaches $connect.
      expect(rec.connect.length).toBe(connects);
      expect(logs.filter((l) => l.message === 'WebSocket connection refused').length).toBeGreaterThanOrEqual(4);
    });

    it('hands the authorizer a REQUEST event for $connect', async () => {
      const client = await open('ann', '&lang=fr&lang=en');
      const event = rec.authorizer.at(-1);
      expect(event?.type).toBe('REQUEST');
      expect(event?.methodArn).toMatch(/^arn:aws:execute-api:local:000000000000:[a-z0-9]{10}\/local\/\$connect$/);
      expect(event?.queryStringParameters).toEqual({ token: 'ann', lang: 'en' });
      expect(event?.requestContext).toMatchObject({ routeKey: '$connect', eventType: 'CONNECT', stage: 'local' });
      client.ws.close();
      await client.closed;
      // A policy on exactly the given methodArn (what a real authorizer returns) is accepted.
      const exact = await open('exact');
      exact.ws.close();
      await exact.closed;
    });

    it('refuses the upgrade when $connect answers 500, registers nothing, and a self-post from $connect is Gone', async () => {
      const count = gw.connectionCount();
      const disconnects = rec.disconnect.length;
      const { status } = await refusal(`${gw.url}/?token=rita&reject=1&selfpost=1`);
      expect(status).toBe(500);
      const connectEvent = rec.connect.at(-1);
      expect(connectEvent?.queryStringParameters?.token).toBe('rita');
      expect(gw.connectionCount()).toBe(count);
      // The connection never existed for the management API either.
      await expect(
        mgmt.send(new GetConnectionCommand({ ConnectionId: connectEvent?.requestContext.connectionId })),
      ).rejects.toBeInstanceOf(GoneException);
      expect(rec.selfPost.at(-1)).toBeInstanceOf(GoneException);
      // A refused connection never connected, so API Gateway sends no $disconnect for it.
      await sleep(50);
      expect(rec.disconnect.length).toBe(disconnects);
    });

    it('undoes a successful $connect with $disconnect when the client left during the handshake', async () => {
      const count = gw.connectionCount();
      const ws = new WebSocket(`${gw.url}/?token=quit&wait=1`);
      ws.on('error', () => undefined);
      const connectEvent = await waitFor(() => rec.connect.find((e) => e.queryStringParameters?.token === 'quit'));
      ws.terminate();
      const event = await waitFor(() =>
        rec.disconnect.find((e) => e.requestContext.connectionId === connectEvent.requestContext.connectionId),
      );
      expect(event.requestContext).toMatchObject({ eventType: 'DISCONNECT', authorizer: { user: 'quit' } });
      expect(gw.connectionCount()).toBe(count);
    });

    it('passes query parameters and the authorizer context to $connect, with a fresh id per connection', async () => {
      const a = await open('bob', '&tab=2');
      const b = await open('bob');
      const event = rec.connect.find((e) => e.requestContext.connectionId === a.id);
      expect(event?.queryStringParameters).toEqual({ token: 'bob', tab: '2' });
      expect(event?.multiValueQueryStringParameters).toEqual({ token: ['bob'], tab: ['2'] });
      expect(event?.requestContext).toMatchObject({
        routeKey: '$connect',
        eventType: 'CONNECT',
        stage: 'local',
        messageDirection: 'IN',
        identity: { sourceIp: '127.0.0.1', userAgent: 'gateway-test/1.0' },
        // Flat context values reach the integration as strings, as API Gateway passes them.
        authorizer: { principalId: 'user-bob', tenant: 't1', user: 'bob', role: 'agent', level: '3' },
      });
      expect(a.id).toMatch(/^[A-Za-z0-9]{15}=$/);
      expect(a.id).not.toBe(b.id);
      expect(gw.connectionCount()).toBeGreaterThanOrEqual(2);
      a.ws.close();
      b.ws.close();
      await Promise.all([a.closed, b.closed]);
    });
  });

  describe('messages', () => {
    it('routes on action, falls back to $default for unknown actions and malformed JSON, sends route responses', async () => {
      const client = await open('carl');
      const before = rec.messages.length;
      client.ws.send(JSON.stringify({ action: 'echo', seq: 1 }));
      expect(JSON.parse(await client.next())).toEqual({ route: 'echo', seq: 1 });
      client.ws.send(JSON.stringify({ action: 'unknown', seq: 2 }));
      expect(JSON.parse(await client.next())).toEqual({ route: '$default', seq: 2 });
      client.ws.send('{not json');
      expect(JSON.parse(await client.next())).toEqual({ route: '$default', seq: null });
      // Route keys starting with `$` are never selected by an action.
      client.ws.send(JSON.stringify({ action: '$nothere', seq: 3 }));
      expect(JSON.parse(await client.next())).toEqual({ route: '$default', seq: 3 });

      const events = rec.messages.slice(before);
      expect(events.map((e) => e.requestContext.routeKey)).toEqual(['echo', '$default', '$default', '$default']);
      expect(events[2]?.body).toBe('{not json');
      for (const e of events) {
        expect(e.requestContext).toMatchObject({
          eventType: 'MESSAGE',
          connectionId: client.id,
          authorizer: { principalId: 'user-carl', user: 'carl', tenant: 't1' },
        });
        expect(typeof e.requestContext.messageId).toBe('string');
      }
      client.ws.close();
      await client.closed;
    });

    it('answers a throwing integration with API Gateway’s internal error frame', async () => {
      const client = await open('dora');
      client.ws.send(JSON.stringify({ action: 'fail' }));
      const frame = JSON.parse(await client.next()) as Record<string, unknown>;
      expect(frame).toMatchObject({ message: 'Internal server error', connectionId: client.id });
      expect(typeof frame.requestId).toBe('string');
      client.ws.close();
      await client.closed;
    });

    it('processes the frames of one connection in order, different connections concurrently', async () => {
      const a = await open('eve');
      const b = await open('fay');
      // Odd frames take longer: replies out of order would show a missing per-connection queue.
      for (let seq = 1; seq <= 6; seq += 1) a.ws.send(JSON.stringify({ action: 'seq', seq }));
      const replies: unknown[] = [];
      for (let i = 0; i < 6; i += 1) replies.push((JSON.parse(await a.next()) as { seq: number }).seq);
      expect(replies).toEqual([1, 2, 3, 4, 5, 6]);

      a.ws.send(JSON.stringify({ action: 'slow', seq: 'a' }));
      await sleep(20);
      b.ws.send(JSON.stringify({ action: 'echo', seq: 'b' }));
      const order: string[] = [];
      await Promise.all([a.next().then(() => order.push('a')), b.next().then(() => order.push('b'))]);
      expect(order).toEqual(['b', 'a']);
      a.ws.close();
      b.ws.close();
      await Promise.all([a.closed, b.closed]);
    });

    it('answers a frame above 32 KB with FRAME_TOO_LARGE and invokes nothing', async () => {
      const client = await open('gus');
      const before = rec.messages.length;
      client.ws.send(JSON.stringify({ action: 'echo', pad: 'x'.repeat(33 * 1024) }));
      const frame = JSON.parse(await client.next()) as Record<string, unknown>;
      expect(frame).toMatchObject({ type: 'error', code: 'FRAME_TOO_LARGE' });
      // The connection stays usable; the next frame is handled.
      client.ws.send(JSON.stringify({ action: 'echo', seq: 9 }));
      expect(JSON.parse(await client.next())).toEqual({ route: 'echo', seq: 9 });
      expect(rec.messages.length).toBe(before + 1);
      client.ws.close();
      await client.closed;
    });
  });

  describe('management API', () => {
    it('delivers PostToConnection as a text frame and reports the connection with GetConnection', async () => {
      const client = await open('hal');
      await mgmt.send(new PostToConnectionCommand({ ConnectionId: client.id, Data: '{"type":"hello"}' }));
      expect(await client.next()).toBe('{"type":"hello"}');

      const before = Date.now();
      client.ws.send(JSON.stringify({ action: 'echo' }));
      await client.next();
      const info = await mgmt.send(new GetConnectionCommand({ ConnectionId: client.id }));
      expect(info.ConnectedAt).toBeInstanceOf(Date);
      expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'gateway-test/1.0' });
      expect(info.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(info.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt?.getTime() ?? Infinity);
      client.ws.close();
      await client.closed;
    });

    it('handles a burst of concurrent posts to many connections', async () => {
      const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => open(`burst${i}`)));
      const perClient = 50;
      await Promise.all(
        clients.flatMap((c) =>
          Array.from({ length: perClient }, (_, n) =>
            mgmt.send(new PostToConnectionCommand({ ConnectionId: c.id, Data: `m${n}` })),
          ),
        ),
      );
      await waitFor(() => (clients.every((c) => c.frames.length === perClient) ? true : undefined));
      for (const c of clients) expect(new Set(c.frames).size).toBe(perClient);
      for (const c of clients) c.ws.close();
      await Promise.all(clients.map((c) => c.closed));
    });

    it('closes the socket on DeleteConnection and runs $disconnect with the authorizer context', async () => {
      const client = await open('ida');
      await mgmt.send(new DeleteConnectionCommand({ ConnectionId: client.id }));
      const closed = await client.closed;
      expect(closed.code).toBe(1000);
      const event = await waitFor(() => rec.disconnect.find((e) => e.requestContext.connectionId === client.id));
      expect(event.requestContext).toMatchObject({
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        disconnectStatusCode: 1000,
        authorizer: { principalId: 'user-ida', user: 'ida' },
      });
      await expect(
        mgmt.send(new PostToConnectionCommand({ ConnectionId: client.id, Data: 'late' })),
      ).rejects.toBeInstanceOf(GoneException);
    });

    it('answers GoneException for an unknown id and PayloadTooLargeException above 128 KB', async () => {
      const error = await mgmt
        .send(new PostToConnectionCommand({ ConnectionId: 'Unknown0000000A=', Data: 'x' }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GoneException);
      expect((error as GoneException).$metadata.httpStatusCode).toBe(410);

      const client = await open('jan');
      const big = await mgmt
        .send(new PostToConnectionCommand({ ConnectionId: client.id, Data: 'x'.repeat(129 * 1024) }))
        .catch((e: unknown) => e);
      expect(big).toBeInstanceOf(PayloadTooLargeException);
      client.ws.close();
      await client.closed;
    });

    it('accepts the stage prefix, requires an authorization header and answers 404 elsewhere', async () => {
      const client = await open('kim');
      const staged = new ApiGatewayManagementApiClient({
        endpoint: `${gw.managementEndpoint}/local`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      });
      await staged.send(new PostToConnectionCommand({ ConnectionId: client.id, Data: 'staged' }));
      expect(await client.next()).toBe('staged');
      staged.destroy();

      const unsigned = await fetch(`${gw.managementEndpoint}/@connections/${encodeURIComponent(client.id)}`, {
        method: 'POST',
        body: 'x',
      });
      expect(unsigned.status).toBe(403);
      expect(unsigned.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
      expect(client.frames).toEqual([]);

      const other = await fetch(`${gw.managementEndpoint}/somewhere`);
      expect(other.status).toBe(404);
      expect(await other.json()).toEqual({ message: 'Not Found' });
      client.ws.close();
      await client.closed;
    });
  });

  describe('disconnects', () => {
    it('runs $disconnect exactly once when the client closes', async () => {
      const client = await open('lea');
      client.ws.close(1000, 'bye');
      await client.closed;
      await waitFor(() => rec.disconnect.find((e) => e.requestContext.connectionId === client.id));
      await sleep(100);
      const events = rec.disconnect.filter((e) => e.requestContext.connectionId === client.id);
      expect(events).toHaveLength(1);
      expect(events[0]?.requestContext).toMatchObject({ disconnectStatusCode: 1000, disconnectReason: 'bye' });
      await waitFor(() => (gw.connectionCount() === 0 ? true : undefined));
    });
  });
});

describe('timeouts and shutdown', () => {
  it('closes an idle connection and runs $disconnect; frames keep it open', async () => {
    const rec = newRecorder();
    const { authorizer, routes } = recordingRoutes(rec, () => undefined);
    const gw = await startWsGateway({ port: 0, stage: 'local', authorizer, routes, idleTimeoutMs: 300 });
    try {
      const client = await connect(`${gw.url}/local?token=mo`);
      const id = rec.connect[0]?.requestContext.connectionId;
      // Activity resets the idle timer: 4 × 150 ms is longer than the timeout.
      for (let i = 0; i < 4; i += 1) {
        await sleep(150);
        client.ws.send(JSON.stringify({ action: 'echo' }));
        await client.next();
      }
      expect(gw.connectionCount()).toBe(1);
      const started = Date.now();
      const closed = await client.closed;
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(closed.code).toBe(1001);
      const event = await waitFor(() => rec.disconnect[0]);
      expect(event.requestContext).toMatchObject({
        connectionId: id,
        disconnectStatusCode: 1001,
        authorizer: { principalId: 'user-mo' },
      });
      expect(gw.connectionCount()).toBe(0);
    } finally {
      await gw.close();
    }
  });

  it('closes a connection at its maximum lifetime even when active', async () => {
    const rec = newRecorder();
    const { routes } = recordingRoutes(rec, () => undefined);
    const gw = await startWsGateway({ port: 0, stage: 'local', routes, maxConnectionMs: 250 });
    try {
      const client = await connect(gw.url);
      const timer = setInterval(() => client.ws.send('{"action":"echo"}'), 50);
      const closed = await client.closed;
      clearInterval(timer);
      expect(closed.code).toBe(1001);
      await waitFor(() => rec.disconnect[0]);
      // Without an authorizer there is no authorizer context.
      expect(rec.connect[0]?.requestContext.authorizer).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it('close() disconnects everyone, waits for $disconnect and stops listening', async () => {
    const rec = newRecorder();
    const { authorizer, routes } = recordingRoutes(rec, () => undefined);
    const gw = await startWsGateway({ port: 0, stage: 'local', authorizer, routes });
    const clients = await Promise.all(['n1', 'n2', 'n3'].map((t) => connect(`${gw.url}/?token=${t}`)));
    expect(gw.connectionCount()).toBe(3);
    await gw.close();
    // $disconnect has run for each before close() resolved.
    expect(rec.disconnect.map((e) => e.requestContext.authorizer)).toHaveLength(3);
    expect(new Set(rec.disconnect.map((e) => e.requestContext.connectionId))).toEqual(
      new Set(rec.connect.map((e) => e.requestContext.connectionId)),
    );
    expect(gw.connectionCount()).toBe(0);
    const codes = await Promise.all(clients.map((c) => c.closed));
    expect(codes.every((c) => c.code === 1001)).toBe(true);
    await expect(connect(`${gw.url}/?token=late`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
