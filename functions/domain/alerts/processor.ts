import type { Clock } from '../clock.ts';
import { epochSeconds, isoOf } from '../clock.ts';
import type { AgentStatus } from '../status.ts';
import type { SettingsReader } from '../status-service.ts';
import { activeContact } from './gating.ts';
import {
  type Alert,
  type AlertPushes,
  type AlertStore,
  alertView,
  type ConnectBinding,
  type TelemetryStateStore,
} from './model.ts';
import {
  applySample,
  emptyState,
  enterContact,
  type Finding,
  type TelemetryState,
  TRANSITION,
  type Windows,
} from './rules.ts';
import { SampleReader, toSamples } from './samples.ts';
import { type AlertSettings, DEFAULT_SELF_HELP, type TelemetryRecord } from './schemas.ts';

/**
 * What the processor remembers of an agent between batches (per execution environment): the breach state as of the
 * stored `state.version`, and the evidence windows, which are never stored.
 */
export interface AgentMemory {
  state: TelemetryState;
  windows: Windows;
}

export interface ProcessorDeps extends AlertPushes {
  readonly alerts: AlertStore;
  /** Stored breach states, read with the agents' status records (the one source of "on an active contact"). */
  readonly states: TelemetryStateStore;
  readonly connect: ConnectBinding;
  readonly settings: SettingsReader;
  readonly clock: Clock;
  /** Breach state and evidence windows by tenant + agent, kept across batches of this environment. */
  readonly memory: Map<string, AgentMemory>;
  readonly warn?: (message: string, details: Record<string, unknown>) => void;
}

/** A batch's shared reads: settings, Connect binding and status per tenant/agent, read once for all its records. */
export interface BatchContext {
  readonly settings: Map<string, AlertSettings>;
  readonly bound: Map<string, boolean>;
  readonly statuses: Map<string, AgentStatus | undefined>;
}

export type RecordOutcome = 'disabled' | 'gated' | 'evaluated' | 'raised';
/** How many of an agent's records ended in each outcome. */
export type OutcomeTally = Record<RecordOutcome, number>;

const key = (tenant: string, agent: string) => `${tenant}\u0000${agent}`;

/**
 * Reads what the batch's agents need (`agents`: the batch's agents by tenant), one request per tenant and kind — the
 * agents' status records and stored states in one — and brings each agent's memory up to its stored state.
 *
 * Why the stored state is read for every agent of every batch, not only for agents this environment does not know:
 * Lambda hands the successive batches of a shard to whichever execution environment is free, one batch at a time per
 * shard (per partition key with a ParallelizationFactor), so an environment may hold an agent's memory from batch
 * n-2 while another environment processed batch n-1 and saved the state. Acting on that stale memory raised the same
 * breach again under another alert id (ids are `<sample ms>.<rule>.<contact>`) and pushed it before its state save
 * failed on the version. Every transition is saved with `version + 1` before the batch's records succeed, and the
 * shard's next batch starts only after that, so a memory whose version is the stored one has missed no transition;
 * any other memory is replaced by the stored state. Its evidence windows (never stored) then start empty: an alert
 * raised from a reloaded breach explains itself with the samples seen since, as after a cold start. A memory at the
 * stored version may still miss the samples of a batch without a transition processed elsewhere: its windows lack
 * those points, its decisions do not (breach starts and firing are transitions).
 */
export async function prepareBatch(
  deps: ProcessorDeps,
  agents: ReadonlyMap<string, readonly string[]>,
): Promise<BatchContext> {
  const ctx: BatchContext = { settings: new Map(), bound: new Map(), statuses: new Map() };
  await Promise.all(
    [...agents].map(async ([tenant, list]) => {
      const settings = (await deps.settings.get(tenant)).alerts;
      ctx.settings.set(tenant, settings);
      // Switched off: nothing more is read for the tenant, its records are dropped.
      if (!settings.enabled) return;
      const [bound, readings] = await Promise.all([deps.connect.isBound(tenant), deps.states.readAgents(tenant, list)]);
      ctx.bound.set(tenant, bound);
      for (const a of list) {
        const k = key(tenant, a);
        const reading = readings.get(a);
        ctx.statuses.set(k, reading?.status);
        const stored = reading?.state;
        const known = deps.memory.get(k);
        if (!known || known.state.version !== (stored?.version ?? 0))
          deps.memory.set(k, { state: stored ?? emptyState(), windows: {} });
      }
    }),
  );
  return ctx;
}

/** Thrown when another processor wrote the agent's state first: the record is retried with the state re-read. */
export class StateContendedError extends Error {}

/** One agent's records of a batch, evaluated: its records' outcomes, and the writes and pushes still to do. */
export interface AgentStep {
  readonly outcomes: OutcomeTally;
  /** Publishes the findings in order and persists the state once; undefined when there is nothing to write. */
  readonly commit?: () => Promise<void>;
}

/**
 * All records of one agent in a batch, in stream order, in one step. Each record is gated on the agent's active
 * contact and evaluated against the agent's breach state — pure and in memory, so the many records that change
 * nothing cost no promise and no write. The returned `commit` then publishes the findings in order (alerts raised or
 * updated and pushed) and persists the state once, if any record made a transition. A failed commit forgets the
 * agent's in-memory state and throws: the caller fails all of the agent's records, whose retry is evaluated again from
 * the stored state (a raised alert is then found stored, never raised twice).
 */
export function evaluateAgent(deps: ProcessorDeps, ctx: BatchContext, records: readonly TelemetryRecord[]): AgentStep {
  const outcomes: OutcomeTally = { disabled: 0, gated: 0, evaluated: 0, raised: 0 };
  const first = records[0];
  if (!first) return { outcomes };
  const { tenant, agent } = first;
  const settings = ctx.settings.get(tenant);
  if (!settings?.enabled) {
    outcomes.disabled = records.length;
    return { outcomes };
  }
  const k = key(tenant, agent);
  const status = ctx.statuses.get(k);
  const bound = ctx.bound.get(tenant) ?? false;
  let memory = deps.memory.get(k);
  if (!memory) {
    memory = { state: emptyState(), windows: {} };
    deps.memory.set(k, memory);
  }
  const findings: Finding[] = [];
  const state = memory.state;
  const windows = memory.windows;
  const before = state.version;
  let dirty = false;
  // With a Connect instance the contact is the status record's, the same for every record of the batch.
  const connectContact = bound ? activeContact(status, true, undefined) : undefined;
  // Counted in locals, not by a computed key into the tally per record.
  let raised = 0;
  let gated = 0;
  try {
    for (const record of records) {
      const contactId = bound ? connectContact : activeContact(status, false, record.contactId);
      const found = findings.length;
      if (enterContact(state, windows, contactId)) dirty = true;
      if (contactId === undefined) gated++;
      else if (reader.start(record)) {
        while (reader.next())
          if (applySample(state, windows, reader.sample, contactId, settings, findings) === TRANSITION) dirty = true;
      } else
        for (const sample of toSamples(record))
          if (applySample(state, windows, sample, contactId, settings, findings) === TRANSITION) dirty = true;
      if (findings.length > found) raised++;
    }
  } catch (error) {
    deps.memory.delete(k);
    throw error;
  }
  outcomes.raised = raised;
  outcomes.gated = gated;
  outcomes.evaluated = records.length - raised - gated;
  if (!dirty && findings.length === 0) return { outcomes };
  const commit = async () => {
    try {
      for (const finding of findings) await publish(deps, settings, status, tenant, agent, before, finding);
      if (dirty && !(await deps.states.save(tenant, agent, state)))
        throw new StateContendedError(`Telemetry state of ${agent} changed concurrently`);
      if (dirty) state.version = before + 1;
    } catch (error) {
      deps.memory.delete(k);
      throw error;
    }
  };
  return { outcomes, commit };
}

const iso = isoOf;
/**
 * Reads each record's seconds into one reused sample (see SampleReader). One for the module: `evaluateAgent` is
 * synchronous, so no two records are ever read at once.
 */
const reader = new SampleReader();

async function publish(
  deps: ProcessorDeps,
  settings: AlertSettings,
  status: AgentStatus | undefined,
  tenant: string,
  agent: string,
  stateVersion: number,
  finding: Finding,
): Promise<void> {
  const evidence = finding.evidence.map((p) => ({ at: iso(p.t), ...p }));
  let alert: Alert | undefined;
  if (finding.kind === 'raise') {
    const now = deps.clock.now();
    alert = {
      tenant,
      agent,
      id: finding.alertId,
      rule: finding.rule,
      contactId: finding.contactId,
      ...(status?.team ? { team: status.team } : {}),
      state: 'active',
      raisedAt: iso(finding.at),
      breachStartedAt: iso(finding.since),
      threshold: finding.threshold,
      evidence,
      breaches: 1,
      updatedAt: iso(now),
      expiresAt: epochSeconds(now) + settings.retentionDays * 86_400,
    };
    // A retried batch finds its alert stored already: it is not raised (nor pushed) a second time. The raise holds
    // only while the stored state is the one this evaluation started from: should another environment ever have
    // moved it on meanwhile (prepareBatch makes that impossible while Lambda keeps one batch per shard at a time),
    // nothing is raised nor pushed, and the state save below fails on the same version: the records are retried
    // from the stored state.
    if (!(await deps.alerts.raise(alert, { stateVersion }))) return;
  } else {
    const breach = { startedAt: iso(finding.since), evidence };
    alert = await deps.alerts.addEvidence(tenant, agent, finding.alertId, breach, iso(deps.clock.now()));
    // Acknowledged or cleared alerts take the evidence silently: the agent said "seen" already. A breach counted
    // already (a retried batch) comes back undefined and is not pushed again.
    if (alert?.state !== 'active') return;
  }
  const selfHelp = settings.selfHelp[finding.rule] ?? DEFAULT_SELF_HELP[finding.rule];
  const frame = { type: 'alert', alert: alertView(alert, selfHelp) };
  // Pushes are best effort: the alert is stored and the agent's list shows it.
  for (const outcome of await Promise.allSettled([
    deps.notifier.toUser(tenant, agent, frame),
    deps.feed.publish(tenant, { ...frame, agent }),
  ]))
    if (outcome.status === 'rejected') deps.warn?.('alert push failed', { error: String(outcome.reason) });
}
