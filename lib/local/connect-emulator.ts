import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { guardEmulator } from './emulator-guard.ts';
import {
  BadJsonBody,
  closeServer,
  listen,
  RestJsonError,
  readJsonObject,
  sendJson,
  sendRestJsonError,
} from './http-util.ts';
import { consoleLog, LOCAL_ACCOUNT, type LocalLog } from './local-aws.ts';

/**
 * A local stand-in for the Amazon Connect API operations the backend calls, as `@aws-sdk/client-connect` sends them
 * (restJson1). Every call is recorded so tests can assert what was sent and how it was paced, and Connect's default
 * per-operation rate limit is enforced, so a caller that does not pace itself is throttled locally as it would be in AWS.
 * The operations live in a table: a capability that needs another Connect API adds a row (or passes `operations`).
 */

export interface ConnectCall {
  operation: string;
  /** clock ms at which the request arrived */
  at: number;
  /** path parameters, query parameters and body members merged, under their SDK member names */
  input: Record<string, unknown>;
  /** HTTP status answered: 200, 429 when throttled, 4xx for a rejected call */
  status: number;
}

export interface ConnectOperation {
  /** The SDK's operation name, e.g. `PutUserStatus`. */
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The restJson1 URI template from the SDK model, e.g. `/users/{InstanceId}/{UserId}/status`. */
  readonly path: string;
  /** Members the model marks as required; a missing one is answered with InvalidParameterException. */
  readonly required: readonly string[];
  /** Builds the answer to an admitted call; may throw RestJsonError. */
  readonly respond: (
    input: Record<string, unknown>,
    ctx: { now: number; instanceId: string; region: string },
  ) => Record<string, unknown>;
}

const contactArn = (region: string, instanceId: string, contactId: string) =>
  `arn:aws:connect:${region}:${LOCAL_ACCOUNT}:instance/${instanceId}/contact/${contactId}`;

/** The operations emulated out of the box (paths checked against the client's protocol code). */
export const defaultConnectOperations: readonly ConnectOperation[] = [
  {
    // If the agent is on a contact, Connect applies the status as the *next* status; the response is empty either way.
    name: 'PutUserStatus',
    method: 'PUT',
    path: '/users/{InstanceId}/{UserId}/status',
    required: ['InstanceId', 'UserId', 'AgentStatusId'],
    respond: () => ({}),
  },
  {
    name: 'StartOutboundVoiceContact',
    method: 'PUT',
    path: '/contact/outbound-voice',
    required: ['InstanceId', 'ContactFlowId', 'DestinationPhoneNumber'],
    respond: () => ({ ContactId: randomUUID() }),
  },
  {
    // Monitoring creates a new (monitoring) contact of its own.
    name: 'MonitorContact',
    method: 'POST',
    path: '/contact/monitor',
    required: ['InstanceId', 'ContactId', 'UserId'],
    respond: (_input, { instanceId, region }) => {
      const id = randomUUID();
      return { ContactId: id, ContactArn: contactArn(region, instanceId, id) };
    },
  },
];

export interface ConnectEmulatorOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** When given, calls for any other instance get ResourceNotFoundException (404). */
  instanceIds?: string[];
  /** ms epoch, drives the rate limiter and the call timestamps. @default Date.now */
  clock?: { now(): number };
  /** Sustained rate per operation per instance. @default 2 (Connect's default for these APIs) */
  ratePerSecond?: number;
  /** Bucket size per operation per instance. @default 5 */
  burst?: number;
  /** Extra operations, or replacements for default ones with the same name. */
  operations?: readonly ConnectOperation[];
  /** Region used in returned ARNs. @default 'us-east-1' */
  region?: string;
  /**
   * Local control of a call simulator at `/_local/simulate`: POST injects a failure, GET shows the simulated calls.
   * Not a Connect API (unsigned; loopback only).
   */
  simulator?: { control(body: Record<string, unknown>): unknown; calls(): unknown };
  log?: LocalLog;
}

export interface ConnectEmulator {
  readonly endpoint: string;
  /** Every call received (throttled and rejected ones too: check `status`), optionally of one operation. */
  calls(operation?: string): ConnectCall[];
  /** Forgets the recorded calls and refills every rate-limit bucket. */
  reset(): void;
  close(): Promise<void>;
}

interface CompiledOperation {
  op: ConnectOperation;
  pattern: RegExp;
  params: string[];
}

function compile(op: ConnectOperation): CompiledOperation {
  const params: string[] = [];
  const source = op.path.replace(/\{(\w+)(\+?)\}/g, (_m, name: string, greedy: string) => {
    params.push(name);
    return greedy ? '(.+)' : '([^/]+)';
  });
  return { op, pattern: new RegExp(`^${source}$`), params };
}

/** Token bucket: `burst` tokens, refilled continuously at `rate` per second on the injected clock. */
class Bucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.rate) / 1000);
    this.last = Math.max(this.last, now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export async function startConnectEmulator(opts: ConnectEmulatorOptions): Promise<ConnectEmulator> {
  const clock = opts.clock ?? { now: () => Date.now() };
  const rate = opts.ratePerSecond ?? 2;
  const burst = opts.burst ?? 5;
  const region = opts.region ?? 'us-east-1';
  const instances = opts.instanceIds ? new Set(opts.instanceIds) : undefined;
  const log = opts.log ?? consoleLog('connect');

  const byName = new Map<string, ConnectOperation>();
  for (const op of [...defaultConnectOperations, ...(opts.operations ?? [])]) byName.set(op.name, op);
  const operations = [...byName.values()].map(compile);

  let recorded: ConnectCall[] = [];
  const buckets = new Map<string, Bucket>();

  function handle(method: string, url: URL, body: Record<string, unknown>): { status: number; payload: unknown } {
    const now = clock.now();
    let match: { compiled: CompiledOperation; values: string[] } | undefined;
    for (const compiled of operations) {
      if (compiled.op.method !== method) continue;
      const m = compiled.pattern.exec(url.pathname);
      if (m) {
        match = { compiled, values: m.slice(1) };
        break;
      }
    }
    if (!match) {
      log('warn', 'Connect operation not emulated', { method, path: url.pathname });
      throw new RestJsonError(404, 'UnknownOperationException', `${method} ${url.pathname} is not emulated`);
    }
    const { compiled, values } = match;
    const { op } = compiled;
    const input: Record<string, unknown> = { ...Object.fromEntries(url.searchParams), ...body };
    compiled.params.forEach((name, i) => {
      input[name] = decodeURIComponent(values[i] ?? '');
    });
    const call: ConnectCall = { operation: op.name, at: now, input, status: 200 };
    recorded.push(call);
    try {
      const missing = op.required.filter((k) => input[k] === undefined || input[k] === '');
      if (missing.length > 0) {
        throw new RestJsonError(400, 'InvalidParameterException', `${op.name}: missing ${missing.join(', ')}`);
      }
      const instanceId = String(input.InstanceId);
      if (instances && !instances.has(instanceId)) {
        throw new RestJsonError(404, 'ResourceNotFoundException', `Instance ${instanceId} not found`);
      }
      const key = `${op.name}/${instanceId}`;
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = new Bucket(rate, burst, now);
        buckets.set(key, bucket);
      }
      if (!bucket.take(now)) {
        throw new RestJsonError(429, 'TooManyRequestsException', 'Rate exceeded');
      }
      return { status: 200, payload: op.respond(input, { now, instanceId, region }) };
    } catch (err) {
      call.status = err instanceof RestJsonError ? err.status : 500;
      throw err;
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      // Not a Connect API: the emulator's own log of the calls it received, for tests and for people trying the
      // runtime ("did my status reach Connect?"). Unsigned on purpose — it only ever listens on loopback.
      if (req.method === 'GET' && url.pathname === '/_local/calls') {
        const operation = url.searchParams.get('operation') ?? undefined;
        sendJson(res, 200, { calls: recorded.filter((c) => !operation || c.operation === operation) });
        return;
      }
      if (url.pathname === '/_local/simulate' && opts.simulator) {
        if (req.method === 'GET') {
          sendJson(res, 200, { calls: opts.simulator.calls() });
          return;
        }
        if (req.method === 'POST') {
          const controlBody = await readJsonObject(req).catch((error: unknown) => {
            throw error instanceof BadJsonBody
              ? new RestJsonError(400, 'InvalidRequestException', error.message)
              : error;
          });
          sendJson(res, 200, opts.simulator.control(controlBody));
          return;
        }
      }
      const body = await readJsonObject(req).catch((error: unknown) => {
        throw error instanceof BadJsonBody ? new RestJsonError(400, 'InvalidRequestException', error.message) : error;
      });
      const { status, payload } = handle(req.method ?? 'GET', new URL(req.url ?? '/', 'http://localhost'), body);
      sendJson(res, status, payload);
    } catch (err) {
      sendRestJsonError(res, err, log, 'InternalServiceException');
    }
  }

  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => void onRequest(req, res));
  guardEmulator(server);
  const port = await listen(server, opts.port, host);

  return {
    endpoint: `http://${host}:${port}`,
    calls(operation) {
      return recorded.filter((c) => operation === undefined || c.operation === operation);
    },
    reset() {
      recorded = [];
      buckets.clear();
    },
    close() {
      return closeServer(server);
    },
  };
}
