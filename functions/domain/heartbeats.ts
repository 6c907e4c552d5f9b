import { ConflictError, ForbiddenError } from './errors.ts';
import {
  type FlowReply,
  HEARTBEAT_TIMEOUT_MS,
  type Heartbeat,
  type HeartbeatConfig,
  type HeartbeatOutcome,
  type HeartbeatState,
  heartbeatScheduleName,
  isLive,
  newHeartbeatId,
  START_INTERVAL_MS,
  type StoredHeartbeatConfig,
  selectFreeAgents,
  toFlowReply,
  verdict,
  withinWindow,
} from './heartbeat-model.ts';
import type {
  FinishFields,
  HeartbeatDeps,
  HeartbeatSchedules,
  HeartbeatStore,
  StartResult,
} from './heartbeat-ports.ts';
import {
  contactFlowEventSchema,
  flowStepSchema,
  HEARTBEAT_ATTRIBUTES,
  outcomeParametersSchema,
} from './heartbeat-schemas.ts';
import { type Principal, requireRole } from './principal.ts';

export type * from './heartbeat-ports.ts';

// ---------------------------------------------------------------------------------------------------------------
// Views and events
// ---------------------------------------------------------------------------------------------------------------

export interface HeartbeatView {
  readonly id: string;
  readonly agent: string;
  readonly state: HeartbeatState;
  readonly startedAt: string;
  readonly routedAt: string | null;
  readonly finishedAt: string | null;
  readonly contactId: string | null;
  readonly outcome: HeartbeatOutcome | null;
  readonly reason: string | null;
}

export const toHeartbeatView = (h: Heartbeat): HeartbeatView => ({
  id: h.id,
  agent: h.agent,
  state: h.state,
  startedAt: h.startedAt,
  routedAt: h.routedAt ?? null,
  finishedAt: h.finishedAt ?? null,
  contactId: h.contactId ?? null,
  outcome: h.outcome ?? null,
  reason: h.reason ?? null,
});

/** `heartbeat.started` turns the agent's widget blue; `heartbeat.finished` turns it back. */
const startedEvent = (h: Heartbeat) => ({ type: 'heartbeat.started', heartbeat: toHeartbeatView(h) });
const finishedEvent = (h: Heartbeat, fields: FinishFields) => ({
  type: 'heartbeat.finished',
  heartbeat: toHeartbeatView({ ...h, ...fields }),
});

async function notifyFinished(deps: Pick<HeartbeatDeps, 'notifier' | 'warn'>, h: Heartbeat, fields: FinishFields) {
  try {
    await deps.notifier.toUser(h.tenant, h.agent, finishedEvent(h, fields));
  } catch (error) {
    // The result is stored; a widget that missed the push reads it on reconnect.
    deps.warn('heartbeat.finished push failed', { heartbeat: h.id, error: (error as Error).message });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Admin config
// ---------------------------------------------------------------------------------------------------------------

export type HeartbeatConfigDeps = Pick<HeartbeatDeps, 'configs' | 'instances' | 'clock' | 'notifier' | 'warn'> & {
  /** Saving asks only whether the instance has a line; it starts no call. */
  readonly caller: Pick<HeartbeatDeps['caller'], 'canCall'>;
  readonly store: Pick<HeartbeatStore, 'live' | 'finish'>;
  readonly schedules: HeartbeatSchedules;
};

export async function getHeartbeatConfig(
  deps: Pick<HeartbeatDeps, 'configs'>,
  principal: Principal,
): Promise<{ config: StoredHeartbeatConfig | null }> {
  requireRole(principal, ['supervisor', 'admin'], 'read the heartbeat configuration');
  return { config: (await deps.configs.get(principal.tenant)) ?? null };
}

/**
 * Saves the tenant's heartbeat configuration and makes its schedule match: enabled → the schedule exists (created or
 * updated), disabled → it is deleted. The config is written first: a run that finds the config disabled does
 * nothing, so a schedule left behind by a failure in between is harmless, and saving again repairs it.
 */
export async function saveHeartbeatConfig(
  deps: HeartbeatConfigDeps,
  principal: Principal,
  config: HeartbeatConfig,
): Promise<{ config: StoredHeartbeatConfig }> {
  requireRole(principal, ['admin'], 'configure heartbeats');
  const { tenant } = principal;
  const name = heartbeatScheduleName(tenant);
  if (config.enabled) {
    const instance = await deps.instances.get(tenant);
    if (!instance) {
      throw new ConflictError('Link a Connect instance to the tenant before enabling heartbeats', 'CONNECT_NOT_BOUND');
    }
    if (!deps.caller.canCall(instance.instanceId)) {
      throw new ConflictError(
        'The operator has not configured a heartbeat line (phone numbers) for this Connect instance',
        'HEARTBEAT_LINE_NOT_CONFIGURED',
      );
    }
  }
  const stored: StoredHeartbeatConfig = {
    ...config,
    updatedAt: new Date(deps.clock.now()).toISOString(),
    updatedBy: principal.user,
    ...(config.enabled ? { scheduleName: name } : {}),
  };
  await deps.configs.put(tenant, stored);
  if (config.enabled) {
    await deps.schedules.upsert(tenant, name);
  } else {
    await deps.schedules.remove(name);
    // No run will come to time them out: tests in flight end now, and their agents are released.
    for (const h of await deps.store.live(tenant)) {
      const fields: FinishFields = { state: 'cancelled', finishedAt: stored.updatedAt, reason: 'heartbeats-disabled' };
      if ((await deps.store.finish(h, fields)).won) await notifyFinished(deps, h, fields);
    }
  }
  return { config: stored };
}

// ---------------------------------------------------------------------------------------------------------------
// The run (the schedule fires)
// ---------------------------------------------------------------------------------------------------------------

export interface RunReport {
  readonly skipped?: 'disabled' | 'busy' | 'outside-window' | 'no-instance';
  readonly timedOut: number;
  readonly started: number;
  readonly failed: number;
  readonly throttled: boolean;
}

/**
 * One run for one tenant: times out tests past their deadline (their agents are released), then — within the local
 * hours — starts test calls to free agents, one every START_INTERVAL_MS (under Connect's ~2 requests/s) and never
 * more in flight than the cap.
 */
export async function runHeartbeats(deps: HeartbeatDeps, tenant: string, owner: string): Promise<RunReport> {
  const report = { timedOut: 0, started: 0, failed: 0, throttled: false };
  const config = await deps.configs.get(tenant);
  if (!config?.enabled) return { ...report, skipped: 'disabled' };
  if (!(await deps.store.acquireLease(tenant, owner, deps.clock.now(), 60_000))) return { ...report, skipped: 'busy' };
  try {
    const live: Heartbeat[] = [];
    for (const h of await deps.store.live(tenant)) {
      if (h.deadline > deps.clock.now()) {
        live.push(h);
        continue;
      }
      const fields: FinishFields = {
        state: 'timed-out',
        finishedAt: new Date(deps.clock.now()).toISOString(),
        reason: 'no-outcome',
      };
      if ((await deps.store.finish(h, fields)).won) {
        report.timedOut++;
        await notifyFinished(deps, h, fields);
      }
    }

    if (!withinWindow(config, await deps.timeZone(tenant), deps.clock.now())) {
      return { ...report, skipped: 'outside-window' };
    }
    const instance = await deps.instances.get(tenant);
    if (!instance || !deps.caller.canCall(instance.instanceId)) return { ...report, skipped: 'no-instance' };

    const cadenceMs = config.cadenceMinutes * 60_000;
    const chosen = selectFreeAgents(await deps.store.candidates(tenant), {
      nowMs: deps.clock.now(),
      cadenceMs,
      limit: config.maxConcurrent - live.length,
    });
    let lastStart: number | undefined;
    for (const candidate of chosen) {
      if (lastStart !== undefined) {
        const wait = lastStart + START_INTERVAL_MS - deps.clock.now();
        if (wait > 0) await deps.sleep(wait);
      }
      const now = deps.clock.now();
      const heartbeat: Heartbeat = {
        tenant,
        id: newHeartbeatId(now, deps.newId()),
        agent: candidate.agent,
        state: 'started',
        startedAt: new Date(now).toISOString(),
        deadline: now + HEARTBEAT_TIMEOUT_MS,
      };
      if (!(await deps.store.claim(heartbeat, now - cadenceMs))) continue;
      await deps.notifier
        .toUser(tenant, heartbeat.agent, startedEvent(heartbeat))
        .catch((error: unknown) => deps.warn('heartbeat.started push failed', { error: (error as Error).message }));
      lastStart = deps.clock.now();
      const outcome = await startCall(deps, config, instance, heartbeat);
      if (outcome === 'started') report.started++;
      else if (outcome === 'failed') report.failed++;
      else {
        report.throttled = true;
        break;
      }
    }
    return report;
  } finally {
    await deps.store.releaseLease(tenant, owner);
  }
}

async function startCall(
  deps: HeartbeatDeps,
  config: HeartbeatConfig,
  instance: { readonly instanceId: string; readonly instanceArn: string },
  heartbeat: Heartbeat,
): Promise<'started' | 'failed' | 'throttled'> {
  let result: StartResult;
  try {
    result = await deps.caller.start({
      instanceId: instance.instanceId,
      instanceArn: instance.instanceArn,
      contactFlowId: config.contactFlowId,
      ...(config.queueId ? { queueId: config.queueId } : {}),
      attributes: {
        [HEARTBEAT_ATTRIBUTES.tenant]: heartbeat.tenant,
        [HEARTBEAT_ATTRIBUTES.agent]: heartbeat.agent,
        [HEARTBEAT_ATTRIBUTES.id]: heartbeat.id,
      },
      // A retried request with the same token starts no second call.
      clientToken: heartbeat.id,
    });
  } catch (error) {
    deps.warn('StartOutboundVoiceContact failed', { heartbeat: heartbeat.id, error: (error as Error).message });
    const fields: FinishFields = {
      state: 'failed',
      finishedAt: new Date(deps.clock.now()).toISOString(),
      reason: 'start-failed',
    };
    if ((await deps.store.finish(heartbeat, fields)).won) await notifyFinished(deps, heartbeat, fields);
    return 'failed';
  }
  if ('throttled' in result) {
    // Connect's limit, not the agent's fault: cancelled, and the agent is due again at the next run.
    const fields: FinishFields = {
      state: 'cancelled',
      finishedAt: new Date(deps.clock.now()).toISOString(),
      reason: 'connect-throttled',
    };
    if ((await deps.store.finish(heartbeat, fields, true)).won) await notifyFinished(deps, heartbeat, fields);
    return 'throttled';
  }
  await deps.store.attachContact(heartbeat, result.contactId);
  return 'started';
}

// ---------------------------------------------------------------------------------------------------------------
// The contact flow calls back
// ---------------------------------------------------------------------------------------------------------------

export type ContactFlowDeps = Pick<HeartbeatDeps, 'store' | 'instances' | 'notifier' | 'clock' | 'warn'> & {
  /** The agent's Connect user id (directory), for the flow's "Set working queue → By agent". */
  readonly connectUserId: (tenant: string, agent: string) => Promise<string | undefined>;
};

const refuse = (error: string): FlowReply => toFlowReply({ ok: 'false', error });

/**
 * Answers a Lambda block of the heartbeat contact flow. Always a valid STRING_MAP — malformed events and internal
 * errors become `{ok: "false", error}` so the flow takes its error branch — and idempotent: Connect's retries of a step
 * get the same answer and change nothing twice.
 */
export async function handleContactFlowEvent(deps: ContactFlowDeps, raw: unknown): Promise<FlowReply> {
  try {
    const parsed = contactFlowEventSchema.safeParse(raw);
    if (!parsed.success) return refuse('BAD_EVENT');
    const { ContactData: contact, Parameters: parameters } = parsed.data.Details;
    const step = flowStepSchema.safeParse(parameters.step);
    if (!step.success) return refuse('BAD_STEP');
    const tenant = contact.Attributes[HEARTBEAT_ATTRIBUTES.tenant];
    const agent = contact.Attributes[HEARTBEAT_ATTRIBUTES.agent];
    const id = contact.Attributes[HEARTBEAT_ATTRIBUTES.id];

    // A flow of one tenant's instance cannot report on another tenant's heartbeats by copying its attributes.
    const instance = await deps.instances.get(tenant);
    if (!instance || instance.instanceArn !== contact.InstanceARN) return refuse('WRONG_INSTANCE');
    const heartbeat = await deps.store.get(tenant, agent, id);
    if (!heartbeat) return refuse('UNKNOWN_HEARTBEAT');

    if (step.data === 'route') {
      if (!isLive(heartbeat.state)) return refuse('HEARTBEAT_FINISHED');
      const now = new Date(deps.clock.now()).toISOString();
      const routed = await deps.store.markRouted(heartbeat, contact.ContactId, now);
      if (!routed || !isLive(routed.state)) return refuse('HEARTBEAT_FINISHED');
      return toFlowReply({
        ok: 'true',
        action: 'transfer',
        heartbeatId: id,
        agent,
        agentUserId: await deps.connectUserId(tenant, agent),
      });
    }

    const outcome = outcomeParametersSchema.safeParse(parameters);
    const fields: FinishFields = outcome.success
      ? { state: verdict(outcome.data), finishedAt: new Date(deps.clock.now()).toISOString(), outcome: outcome.data }
      : { state: 'failed', finishedAt: new Date(deps.clock.now()).toISOString(), reason: 'invalid-outcome' };
    if (!isLive(heartbeat.state)) {
      // A retry of a step that was recorded: the same answer, nothing written or pushed again.
      return toFlowReply({ ok: 'true', heartbeatId: id, state: heartbeat.state });
    }
    const { won } = await deps.store.finish(heartbeat, fields);
    if (won) await notifyFinished(deps, heartbeat, fields);
    const final = won ? fields.state : ((await deps.store.get(tenant, agent, id))?.state ?? fields.state);
    return toFlowReply({ ok: 'true', heartbeatId: id, state: final });
  } catch (error) {
    deps.warn('Contact flow event failed', { error: (error as Error).message });
    return refuse('INTERNAL');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

export async function listHeartbeats(
  deps: Pick<HeartbeatDeps, 'store'>,
  principal: Principal,
  query: { agent: string; from: string; to: string; cursor?: string | undefined; limit: number },
): Promise<{ items: HeartbeatView[]; cursor: string | null }> {
  requireRole(principal, ['agent', 'supervisor', 'admin'], 'read heartbeat results');
  if (principal.role === 'agent' && query.agent !== principal.user) {
    throw new ForbiddenError('Agents read their own heartbeat results only', 'OWN_HEARTBEATS_ONLY');
  }
  const page = await deps.store.list(principal.tenant, query.agent, query.from, query.to, {
    ...(query.cursor ? { cursor: query.cursor } : {}),
    limit: query.limit,
  });
  return { items: page.items.map(toHeartbeatView), cursor: page.cursor ?? null };
}
