import fc from 'fast-check';
import * as z from 'zod';
import {
  alertParamsSchema,
  alertQuerySchema,
  EMPTY,
  hasSomething,
  alertIdSchema as storedAlertIdSchema,
  telemetryBodySchema,
  telemetryFields,
} from '../../functions/domain/alerts/schemas.ts';
import { dashboardQuerySchema } from '../../functions/domain/dashboard-schemas.ts';
import { heartbeatConfigBodySchema, listHeartbeatsQuerySchema } from '../../functions/domain/heartbeat-schemas.ts';
import {
  agentBodySchema,
  agentParamsSchema as directoryParamsSchema,
  idempotencyKeySchema,
  importBodySchema,
  inboxQuerySchema,
  messageParamsSchema,
  messageTextSchema,
  pageQuerySchema,
  previewBodySchema,
  readBodySchema,
  readSelectionShape,
  selectorsSchema,
  sendBodySchema,
} from '../../functions/domain/message-schemas.ts';
import {
  exportReportsQuerySchema,
  listReportsQuerySchema,
  reportBodySchema,
  reportFrameSchema,
} from '../../functions/domain/report-schemas.ts';
import { settingsPatchSchema } from '../../functions/domain/settings.ts';
import {
  agentIdSchema,
  agentParamsSchema,
  bindInstanceBodySchema,
  connectStatusMapBodySchema,
  createReasonBodySchema,
  decisionBodySchema,
  listAgentsQuerySchema,
  logQuerySchema,
  reasonParamsSchema,
  requestParamsSchema,
  setStatusBodySchema,
  statusCodeSchema,
  updateReasonBodySchema,
  workloadQuerySchema,
} from '../../functions/domain/status-schemas.ts';
import { tenantIdSchema } from '../../functions/shared/schemas.ts';
import { frameSchema } from '../../functions/shared/ws.ts';
import { HANDLERS } from '../../lib/registry/index.ts';
import { fromSchema, HOSTILE_STRINGS, wrongValue } from './fuzz-arbitraries.ts';

/**
 * What the fuzz sends to each HTTP route and WebSocket action: the very schemas the handlers validate with. A route
 * or action added to the registry without an entry here makes `fuzzTargets()` throw, so the fuzz never silently
 * skips one.
 */
interface HttpSchemas {
  readonly params?: z.ZodObject;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Extra request headers the route reads. */
  readonly headers?: Readonly<Record<string, z.ZodType>>;
}
const EMPTY_QUERY = z.object({});
const tenantParamsSchema = z.object({ tenant: tenantIdSchema });

export const HTTP_SCHEMAS: Readonly<Record<string, HttpSchemas>> = {
  HttpHealth: {},
  HttpMe: {},
  HttpSettingsGet: {},
  HttpSettingsUpdate: { body: settingsPatchSchema },
  HttpMessagesSend: { body: sendBodySchema, headers: { 'idempotency-key': idempotencyKeySchema } },
  HttpMessagesPreview: { body: previewBodySchema },
  HttpMessagesList: { query: pageQuerySchema },
  HttpMessagesGet: { params: messageParamsSchema, query: pageQuerySchema },
  HttpInboxGet: { query: inboxQuerySchema },
  HttpInboxRead: { body: readBodySchema },
  HttpDirectoryAgentsList: { query: pageQuerySchema },
  HttpDirectoryAgentGet: { params: directoryParamsSchema },
  HttpDirectoryAgentPut: { params: directoryParamsSchema, body: agentBodySchema },
  HttpDirectoryAgentDelete: { params: directoryParamsSchema },
  HttpDirectoryAgentsImport: { body: importBodySchema },
  HttpStatusMeGet: {},
  HttpStatusMeSet: { body: setStatusBodySchema },
  HttpStatusAgentsList: { query: listAgentsQuerySchema },
  HttpStatusAgentSet: { params: agentParamsSchema, body: setStatusBodySchema },
  HttpApprovalList: {},
  HttpApprovalDecide: { params: requestParamsSchema, body: decisionBodySchema },
  HttpStatusReasonsList: {},
  HttpStatusReasonsCreate: { body: createReasonBodySchema },
  HttpStatusReasonsUpdate: { params: reasonParamsSchema, body: updateReasonBodySchema },
  HttpStatusLog: { params: agentParamsSchema, query: logQuerySchema },
  HttpStatusWorkload: { params: agentParamsSchema, query: workloadQuerySchema },
  HttpConnectStatusMap: { body: connectStatusMapBodySchema },
  HttpOperatorConnectBind: { params: tenantParamsSchema, body: bindInstanceBodySchema },
  HttpOperatorConnectUnbind: { params: tenantParamsSchema },
  HttpReportsCreate: { body: reportBodySchema, headers: { 'idempotency-key': idempotencyKeySchema } },
  HttpReportsList: { query: listReportsQuerySchema },
  HttpReportsExport: { query: exportReportsQuerySchema },
  HttpHeartbeatConfigGet: {},
  HttpHeartbeatConfigPut: { body: heartbeatConfigBodySchema },
  HttpHeartbeatsList: { query: listHeartbeatsQuerySchema },
  HttpTelemetryPost: { body: telemetryBodySchema },
  HttpAlertsMine: {},
  HttpAlertAck: { params: alertParamsSchema },
  HttpAlertsQuery: { query: alertQuerySchema },
  HttpDashboardAgents: { query: dashboardQuerySchema },
};

/** Frames of each action, built like the handlers build them (`frameSchema`). */
export const WS_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  ping: frameSchema('ping', {}),
  sync: frameSchema('sync', { since: z.string().min(1).max(100).optional() }),
  markRead: frameSchema('markRead', readSelectionShape),
  sendMessage: frameSchema('sendMessage', {
    text: messageTextSchema,
    to: selectorsSchema,
    idempotencyKey: idempotencyKeySchema.optional(),
  }),
  setStatus: frameSchema('setStatus', { status: statusCodeSchema }),
  subscribeStatus: frameSchema('subscribeStatus', {}),
  unsubscribeStatus: frameSchema('unsubscribeStatus', {}),
  monitor: frameSchema('monitor', { agent: agentIdSchema }),
  unmonitor: frameSchema('unmonitor', { agent: agentIdSchema }),
  reportIssue: reportFrameSchema,
  telemetry: frameSchema('telemetry', telemetryFields).refine(hasSomething, EMPTY),
  ackAlert: frameSchema('ackAlert', { alertId: storedAlertIdSchema }),
};

export interface HttpTarget {
  readonly kind: 'http';
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly schemas: HttpSchemas;
}
export interface WsTarget {
  readonly kind: 'ws';
  readonly action: string;
  readonly frame: z.ZodType;
}

/** Every HTTP route and WebSocket action of the registry, with its schemas. */
export function fuzzTargets(): { http: HttpTarget[]; ws: WsTarget[] } {
  const http: HttpTarget[] = [];
  const ws: WsTarget[] = [];
  const missing: string[] = [];
  for (const h of HANDLERS) {
    const t = h.trigger;
    if (t.kind === 'http') {
      const schemas = HTTP_SCHEMAS[h.name];
      if (schemas) http.push({ kind: 'http', name: h.name, method: t.method, path: t.path, schemas });
      else missing.push(h.name);
    } else if (t.kind === 'ws' && !t.route.startsWith('$')) {
      const frame = WS_SCHEMAS[t.route];
      if (frame) ws.push({ kind: 'ws', action: t.route, frame });
      else missing.push(h.name);
    }
  }
  if (missing.length > 0) throw new Error(`No fuzz schemas for ${missing.join(', ')}`);
  return { http, ws };
}

/** Who calls: every role of the home tenant, a foreign tenant, odd claims, and tokens that must not pass. */
export const CALLERS = [
  'agent',
  'supervisor',
  'admin',
  'operator',
  'foreign-agent',
  'foreign-admin',
  'odd-claims',
  'none',
  'forged',
  'expired',
  'garbage',
] as const;
export type Caller = (typeof CALLERS)[number];

/** Ids that exist in the seeded demo tenant, so that inputs also reach existing items. */
const KNOWN_IDS = ['alice', 'bob', 'carol', 'sam', 'ada'];

/** Forged LastEvaluatedKeys: missing, empty, extra, wrong-typed, other tenants' key attributes. */
const cursorArb: fc.Arbitrary<string> = fc
  .dictionary(
    fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'a', '__proto__', 'extra'),
    fc.oneof(
      fc.constantFrom('T#demo#AGENTS', 'A#alice', 'T#acme#AGENTS', '', 'T#demo#MSGBY#sam', 'T#demo#STATUS'),
      wrongValue,
    ),
    { maxKeys: 5 },
  )
  .map((o) => Buffer.from(JSON.stringify(o)).toString('base64url'));

/** A raw path segment: encoded generated values, or broken percent-encodings sent as they are. */
function segmentArb(schema: z.ZodType | undefined): fc.Arbitrary<string> {
  const generated = schema ? fromSchema(schema, 1) : fc.string();
  return fc.oneof(
    { weight: 5, arbitrary: generated.map((v) => encode(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))) },
    { weight: 2, arbitrary: fc.constantFrom(...KNOWN_IDS) },
    { weight: 2, arbitrary: fc.constantFrom('%', '%zz', '%C0%AF', '%FF', '%E0%80', '%2F', '..', '%00', '%25') },
  );
}

const queryValue = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

function queryArb(schema: z.ZodType | undefined): fc.Arbitrary<string> {
  const shape = (schema ?? EMPTY_QUERY) as z.ZodObject;
  const pairs = fc.record(
    Object.fromEntries(
      Object.entries(shape.shape ?? {}).map(([k, v]) => [
        k,
        k === 'cursor' ? fc.oneof(fromSchema(v, 1), cursorArb) : fromSchema(v, 1),
      ]),
    ),
    { requiredKeys: [] },
  );
  const hostileKeys = fc.array(
    fc.tuple(fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'toString', 'limit', 'cursor'), fc.string()),
    { maxLength: 2 },
  );
  return fc.tuple(pairs, hostileKeys, fc.boolean()).map(([record, extra, raw]) => {
    const entries: Array<[string, string]> = [
      ...Object.entries(record).map(([k, v]): [string, string] => [k, queryValue(v)]),
      ...extra,
    ];
    // Raw: broken percent-encodings as they are (URLSearchParams must cope); otherwise properly encoded.
    return entries
      .map(([k, v]) => (raw ? `${k}=${v.replace(/[^\x21-\x7e]|[#&]/g, encode)}` : `${encode(k)}=${encode(v)}`))
      .join('&');
  });
}

function bodyArb(schema: z.ZodType | undefined): fc.Arbitrary<string | undefined> {
  const garbage = fc.constantFrom(
    '{"to": {"teams": ["blue"]',
    '[1,2,3]',
    'null',
    '"text"',
    '',
    '{}',
    '\u0000',
    '{"__proto__":{"admin":true}}',
  );
  if (!schema) return fc.oneof(fc.constant(undefined), garbage);
  return fc.oneof(
    { weight: 8, arbitrary: fromSchema(schema, 1).map((v) => JSON.stringify(v) ?? 'undefined') },
    { weight: 2, arbitrary: garbage },
  );
}

export interface HttpCase {
  readonly target: HttpTarget;
  readonly caller: Caller;
  readonly path: string;
  readonly body: string | undefined;
  /** Name/value pairs (a list, so that `__proto__` is a header name like any other). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** Percent-encodes everything but unreserved characters, byte by byte (lone surrogates too, as U+FFFD). */
export function encode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const HOST_HEADERS = ['a b', '[::1', '@', 'h:99999', '', 'localhost:3000', 'x'.repeat(300)];

export function httpCaseArb(target: HttpTarget): fc.Arbitrary<HttpCase> {
  const names = [...target.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  const shape = target.schemas.params?.shape ?? {};
  const segments = fc.tuple(...names.map((n) => segmentArb(shape[n] as z.ZodType | undefined)));
  const keySchema = target.schemas.headers?.['idempotency-key'];
  const header = fc.oneof(
    fc.constantFrom(...HOST_HEADERS).map((v): [string, string] => ['host', v]),
    fc
      .oneof(
        keySchema ? fromSchema(keySchema).map(queryValue) : fc.constant('k'),
        // Past Node's 16 KB header limit the HTTP parser itself refuses the request (431), before any code of ours.
        fc.constantFrom(...HOSTILE_STRINGS.filter((v) => v.length < 8000)),
      )
      .map((v): [string, string] => ['idempotency-key', v]),
    fc
      .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1')
      .map((v): [string, string] => ['content-type', v]),
    fc.constantFrom('__proto__', 'constructor', 'toString').map((k): [string, string] => [k, '1']),
  );
  const extraHeaders = fc.array(header, { maxLength: 3 });
  return fc
    .record({
      caller: fc.constantFrom(...CALLERS),
      segments,
      query: queryArb(target.schemas.query),
      body: bodyArb(target.schemas.body),
      headers: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: extraHeaders }),
    })
    .map(({ caller, segments: values, query, body, headers }) => {
      let i = 0;
      const path = target.path.replace(/\{(\w+)\}/g, () => values[i++] ?? 'x');
      return {
        target,
        caller,
        path: query ? `${path}?${query}` : path,
        body: target.method === 'GET' || target.method === 'DELETE' ? undefined : body,
        headers,
      };
    });
}

export interface WsCase {
  readonly caller: Caller;
  /** Extra query string on the upgrade (prototype-named keys, a second token). */
  readonly query: string;
  readonly frames: readonly string[];
}

/** One connection's worth: a caller, a hostile upgrade query, then frames for the given actions (and junk). */
export function wsCaseArb(targets: readonly WsTarget[]): fc.Arbitrary<WsCase> {
  const frame = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .constantFrom(...targets)
        .chain((t) => fromSchema(t.frame, 1))
        .map((v) => JSON.stringify(v) ?? 'null'),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'not json',
        '[]',
        'null',
        '{"action":"__proto__"}',
        '{"action":"constructor"}',
        '{"action":"$connect"}',
        `{"action":"sync","since":"${'z'.repeat(33_000)}"}`,
        '{"action":"ping","id":{"__proto__":1}}',
      ),
    },
  );
  return fc.record({
    caller: fc.constantFrom(...CALLERS),
    query: fc.constantFrom(
      '',
      '&__proto__=1',
      '&constructor=1',
      '&hasOwnProperty=1&toString=2',
      '&token=second',
      '&%zz=%',
    ),
    frames: fc.array(frame, { minLength: 1, maxLength: 4 }),
  });
}
