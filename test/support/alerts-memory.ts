import type {
  AgentReading,
  Alert,
  AlertPage,
  AlertStore,
  ClearedBy,
  TelemetryStateStore,
} from '../../functions/domain/alerts/model.ts';
import type { AgentMemory, ProcessorDeps } from '../../functions/domain/alerts/processor.ts';
import type { TelemetryState } from '../../functions/domain/alerts/rules.ts';
import type { AlertQuery, AlertState } from '../../functions/domain/alerts/schemas.ts';
import type { Clock } from '../../functions/domain/clock.ts';
import type { DeliveryReport, Notifier, ServerEvent } from '../../functions/domain/notifier.ts';
import type { TenantSettings } from '../../functions/domain/settings.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import type { AgentStatus } from '../../functions/domain/status.ts';

/**
 * In-memory ports of the alerts capability, with the semantics of the DynamoDB adapters (conditional raise, versioned
 * state, first close wins), for use-case tests and the handler benchmark.
 */

const k = (tenant: string, agent: string) => `${tenant}\u0000${agent}`;
const clone = <T>(v: T): T => structuredClone(v);
/**
 * A state copy as a store round trip makes it. Cheap, field by field: the handler benchmark reads every agent's state
 * once per batch and saves on every transition.
 */
function copyState(s: TelemetryState): TelemetryState {
  const breaches: TelemetryState['breaches'] = {};
  for (const rule in s.breaches) {
    const b = s.breaches[rule as keyof TelemetryState['breaches']];
    if (b) breaches[rule as keyof TelemetryState['breaches']] = { ...b };
  }
  return { ...s, breaches, raised: { ...s.raised } };
}

export class MemoryStateStore implements TelemetryStateStore {
  readonly items = new Map<string, TelemetryState>();
  saves = 0;
  /** Reads of agents (`readAgents`), one per call. */
  reads = 0;
  /** Set to make the next save fail as if another processor wrote first. */
  conflictNext = false;

  constructor(private readonly statuses: MemoryStatuses) {}

  async readAgents(tenant: string, agents: readonly string[]) {
    this.reads++;
    const out = new Map<string, AgentReading>();
    for (const a of agents) {
      const s = this.items.get(k(tenant, a));
      const status = this.statuses.items.get(k(tenant, a));
      if (s || status) out.set(a, { status, state: s && copyState(s) });
    }
    return out;
  }

  /** The stored version of an agent's state (0: none). */
  version(tenant: string, agent: string): number {
    return this.items.get(k(tenant, agent))?.version ?? 0;
  }

  async save(tenant: string, agent: string, state: TelemetryState) {
    const stored = this.items.get(k(tenant, agent));
    if (this.conflictNext || (stored?.version ?? 0) !== state.version) {
      this.conflictNext = false;
      return false;
    }
    this.saves++;
    this.items.set(k(tenant, agent), { ...copyState(state), version: state.version + 1 });
    return true;
  }
}

export class MemoryAlertStore implements AlertStore {
  readonly items = new Map<string, Alert>();
  /** Set to make the next raise throw (a transient DynamoDB error). */
  failNext = false;

  /** `states`: the state store a raise's guard is checked against (none: guards always hold). */
  constructor(private readonly states?: MemoryStateStore) {}

  private key = (tenant: string, agent: string, id: string) => `${k(tenant, agent)}\u0000${id}`;

  async raise(alert: Alert, guard?: { readonly stateVersion: number }) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('ProvisionedThroughputExceeded (simulated)');
    }
    const key = this.key(alert.tenant, alert.agent, alert.id);
    if (this.items.has(key)) return false;
    if (guard && this.states && this.states.version(alert.tenant, alert.agent) !== guard.stateVersion) return false;
    // Alerts are immutable values (every change below builds a new object): no copy needed, as in a store round trip.
    this.items.set(key, alert);
    return true;
  }

  async addEvidence(
    tenant: string,
    agent: string,
    id: string,
    breach: { readonly startedAt: string; readonly evidence: Alert['evidence'] },
    atIso: string,
  ) {
    const key = this.key(tenant, agent, id);
    const a = this.items.get(key);
    if (!a || breach.startedAt <= (a.latestBreachStartedAt ?? a.breachStartedAt)) return undefined;
    const next = {
      ...a,
      evidence: [...a.evidence, ...breach.evidence].slice(-60),
      breaches: a.breaches + 1,
      latestBreachStartedAt: breach.startedAt,
      updatedAt: atIso,
    };
    this.items.set(key, next);
    return next;
  }

  async get(tenant: string, agent: string, id: string) {
    return this.items.get(this.key(tenant, agent, id));
  }

  async close(
    tenant: string,
    agent: string,
    id: string,
    change: { to: Exclude<AlertState, 'active'>; by: ClearedBy; atIso: string; user?: string },
  ) {
    const key = this.key(tenant, agent, id);
    const a = this.items.get(key);
    if (a?.state !== 'active') return { won: false, alert: a };
    const next: Alert = {
      ...a,
      state: change.to,
      clearedAt: change.atIso,
      clearedBy: change.by,
      updatedAt: change.atIso,
      ...(change.to === 'acknowledged' ? { acknowledgedBy: change.user ?? agent, acknowledgedAt: change.atIso } : {}),
    };
    this.items.set(key, next);
    return { won: true, alert: next };
  }

  async listForAgent(tenant: string, agent: string, fromIso: string) {
    return this.all()
      .filter((a) => a.tenant === tenant && a.agent === agent && a.raisedAt >= fromIso)
      .sort((x, y) => x.raisedAt.localeCompare(y.raisedAt));
  }

  async query(tenant: string, q: AlertQuery & { from: string; to: string }): Promise<AlertPage> {
    const items = this.all()
      .filter(
        (a) =>
          a.tenant === tenant &&
          (!q.agent || a.agent === q.agent) &&
          (!q.team || a.team === q.team) &&
          (!q.state || a.state === q.state) &&
          a.raisedAt >= q.from &&
          a.raisedAt <= q.to,
      )
      .sort((x, y) => y.raisedAt.localeCompare(x.raisedAt));
    return { items: items.slice(0, q.limit) };
  }

  all(): Alert[] {
    return [...this.items.values()].map(clone);
  }
}

/** Records every push; `toUser` also counts as what silent monitors would see (the real notifier mirrors it). */
export class RecordingNotifier implements Notifier {
  readonly pushes: Array<{ tenant: string; user: string; event: ServerEvent }> = [];
  private report(n: number): DeliveryReport {
    return { delivered: n, gone: 0, failed: 0, usersReached: new Set() };
  }
  async toUser(tenant: string, user: string, event: ServerEvent) {
    this.pushes.push({ tenant, user, event });
    return this.report(1);
  }
  async toUsers(tenant: string, users: readonly string[], event: ServerEvent) {
    for (const user of users) this.pushes.push({ tenant, user, event });
    return this.report(users.length);
  }
  async toEach(tenant: string, deliveries: readonly { user: string; event: ServerEvent }[]) {
    for (const d of deliveries) this.pushes.push({ tenant, user: d.user, event: d.event });
    return this.report(deliveries.length);
  }
}

export class RecordingFeed {
  readonly events: Array<{ tenant: string; event: ServerEvent }> = [];
  async publish(tenant: string, event: ServerEvent) {
    this.events.push({ tenant, event });
  }
}

export class ManualClock implements Clock {
  constructor(public ms: number) {}
  now() {
    return this.ms;
  }
}

/** Agent statuses keyed by tenant + agent; `onContact` puts an agent in a call with a connected contact. */
export class MemoryStatuses {
  readonly items = new Map<string, AgentStatus>();
  set(tenant: string, agent: string, status: AgentStatus['status'], contact?: { id: string; state: string }) {
    this.items.set(k(tenant, agent), {
      tenant,
      agent,
      status,
      since: '2026-01-01T00:00:00.000Z',
      source: 'connect',
      contacts: contact ? 1 : 0,
      ...(contact ? { currentContact: { contactId: contact.id, channel: 'VOICE', state: contact.state } } : {}),
      queues: [],
      version: 1,
      ...(status === 'offline' ? {} : { sessionStart: '2026-01-01T00:00:00.000Z' }),
      team: 'blue',
    });
  }
  async get(tenant: string, agent: string) {
    return this.items.get(k(tenant, agent));
  }
  async getMany(tenant: string, agents: readonly string[]) {
    const out = new Map<string, AgentStatus>();
    for (const a of agents) {
      const s = this.items.get(k(tenant, a));
      if (s) out.set(a, s);
    }
    return out;
  }
}

export interface AlertHarness {
  readonly deps: ProcessorDeps;
  readonly alerts: MemoryAlertStore;
  readonly states: MemoryStateStore;
  readonly statuses: MemoryStatuses;
  readonly notifier: RecordingNotifier;
  readonly feed: RecordingFeed;
  readonly clock: ManualClock;
  /** Tenants with a Connect instance bound. */
  readonly bound: Set<string>;
  /** Settings per tenant (defaults otherwise). */
  readonly settings: Map<string, TenantSettings>;
}

export function alertHarness(now = Date.parse('2026-03-02T10:00:00Z')): AlertHarness {
  const statuses = new MemoryStatuses();
  const states = new MemoryStateStore(statuses);
  const alerts = new MemoryAlertStore(states);
  const notifier = new RecordingNotifier();
  const feed = new RecordingFeed();
  const clock = new ManualClock(now);
  const bound = new Set<string>();
  const settings = new Map<string, TenantSettings>();
  const deps: ProcessorDeps = {
    alerts,
    states,
    connect: { isBound: async (t) => bound.has(t) },
    settings: { get: async (t) => settings.get(t) ?? DEFAULT_SETTINGS },
    clock,
    memory: new Map<string, AgentMemory>(),
    notifier,
    feed,
  };
  return { deps, alerts, states, statuses, notifier, feed, clock, bound, settings };
}
