import type { Clock } from './clock.ts';
import type {
  AgentCandidate,
  Heartbeat,
  HeartbeatOutcome,
  HeartbeatState,
  StoredHeartbeatConfig,
} from './heartbeat-model.ts';
import type { Notifier } from './notifier.ts';

/** Ports of the heartbeat capability. Adapters implement them on DynamoDB, Scheduler and Connect; tests pass fakes. */

// ---------------------------------------------------------------------------------------------------------------

/** The Connect instance bound to a tenant (and configured by the operator); undefined when there is none. */
export interface ConnectInstanceOfTenant {
  get(tenant: string): Promise<{ readonly instanceId: string; readonly instanceArn: string } | undefined>;
}

export interface HeartbeatConfigStore {
  get(tenant: string): Promise<StoredHeartbeatConfig | undefined>;
  put(tenant: string, config: StoredHeartbeatConfig): Promise<void>;
}

/** The tenant's recurring schedule in the stage's schedule group. */
export interface HeartbeatSchedules {
  /** Creates the schedule or replaces its definition (idempotent). */
  upsert(tenant: string, name: string): Promise<void>;
  /** Deletes the schedule; a schedule that does not exist is fine. */
  remove(name: string): Promise<void>;
}

export interface FinishFields {
  readonly state: Exclude<HeartbeatState, 'started' | 'routed'>;
  readonly finishedAt: string;
  readonly outcome?: HeartbeatOutcome;
  readonly reason?: string;
}

export interface HeartbeatStore {
  /** Available agents of the tenant with their presence and heartbeat markers. */
  candidates(tenant: string): Promise<AgentCandidate[]>;
  /** The tenant's heartbeats in flight. */
  live(tenant: string): Promise<Heartbeat[]>;
  /**
   * Records a new heartbeat and marks its agent as under test, atomically and only if the agent has no test in flight
   * and none started after `cutoffMs`: two overlapping runs never test one agent twice.
   */
  claim(heartbeat: Heartbeat, cutoffMs: number): Promise<boolean>;
  get(tenant: string, agent: string, id: string): Promise<Heartbeat | undefined>;
  attachContact(heartbeat: Heartbeat, contactId: string): Promise<void>;
  /** started → routed (a retry of routed stays routed); returns the heartbeat as stored afterwards. */
  markRouted(heartbeat: Heartbeat, contactId: string, atIso: string): Promise<Heartbeat | undefined>;
  /**
   * A live heartbeat → a final state, and the agent's marker released, once: `won` is false when it was already final
   * (a retry, or the timeout and the outcome racing). `retest` clears the agent's last-test time (a cancelled start).
   */
  finish(heartbeat: Heartbeat, fields: FinishFields, retest?: boolean): Promise<{ won: boolean }>;
  list(
    tenant: string,
    agent: string,
    fromIso: string,
    toIso: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: Heartbeat[]; cursor?: string | undefined }>;
  /** One run per tenant at a time, so concurrent runs cannot exceed the cap. */
  acquireLease(tenant: string, owner: string, nowMs: number, durationMs: number): Promise<boolean>;
  releaseLease(tenant: string, owner: string): Promise<void>;
}

export type StartResult = { readonly contactId: string } | { readonly throttled: true };

/** StartOutboundVoiceContact on the tenant's bound instance, with the operator's numbers for that instance. */
export interface OutboundCaller {
  /** Whether the operator configured the test line (numbers) of this instance. */
  canCall(instanceId: string): boolean;
  start(request: {
    readonly instanceId: string;
    /** The bound instance's ARN: its region is where the call is started. */
    readonly instanceArn: string;
    readonly contactFlowId: string;
    readonly queueId?: string;
    readonly attributes: Readonly<Record<string, string>>;
    readonly clientToken: string;
  }): Promise<StartResult>;
}

export interface HeartbeatDeps {
  readonly store: HeartbeatStore;
  readonly configs: HeartbeatConfigStore;
  readonly instances: ConnectInstanceOfTenant;
  readonly caller: OutboundCaller;
  readonly notifier: Notifier;
  readonly timeZone: (tenant: string) => Promise<string>;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly newId: () => string;
  readonly warn: (message: string, details?: Record<string, unknown>) => void;
}
