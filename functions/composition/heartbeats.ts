import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { BoundConnectInstance } from '#adapters/connect-instance-of-tenant.ts';
import { SdkOutboundCaller } from '#adapters/connect-outbound.ts';
import { DynamoHeartbeatConfigStore, DynamoHeartbeatStore } from '#adapters/heartbeat-repository.ts';
import { createSchedulerClient, SdkHeartbeatSchedules } from '#adapters/heartbeat-scheduler.ts';
import { DynamoStatusStore } from '#adapters/status-repository.ts';
import { heartbeatLinesSchema } from '#domain/heartbeat-schemas.ts';
import {
  type ContactFlowDeps,
  getHeartbeatConfig as getHeartbeatConfigUseCase,
  type HeartbeatConfigDeps,
  type HeartbeatDeps,
  handleContactFlowEvent as handleContactFlowEventUseCase,
  listHeartbeats as listHeartbeatsUseCase,
  runHeartbeats as runHeartbeatsUseCase,
  saveHeartbeatConfig as saveHeartbeatConfigUseCase,
} from '#domain/heartbeats.ts';
import { loadEnv } from '#shared/env.ts';
import { logger } from '#shared/powertools.ts';
import { agentStatsCounters } from './agent-stats.ts';
import { notifier } from './connections.ts';
import { clock, directoryRepository, documentClient, mainTable, settingsRepository } from './core.ts';
import { once, wire } from './once.ts';
import { bindingStore, connectInstances } from './status.ts';

export {
  heartbeatConfigBodySchema,
  heartbeatTickSchema,
  listHeartbeatsQuerySchema,
} from '#domain/heartbeat-schemas.ts';

/**
 * Composition of the heartbeat capability, per use case: reading the config and the results needs the table only;
 * saving the config also manages the tenant's schedule; the run calls Connect and pushes to agents; the contact-flow
 * Lambda reads and finishes heartbeats and pushes `heartbeat.finished`.
 */
const configStore = /*@__PURE__*/ once(() => new DynamoHeartbeatConfigStore(documentClient(), mainTable()));
const heartbeatStore = /*@__PURE__*/ once(
  () =>
    new DynamoHeartbeatStore(
      documentClient(),
      mainTable(),
      new DynamoStatusStore(documentClient(), mainTable(), clock),
      clock,
      agentStatsCounters(),
    ),
);

/** The instance an operator bound to the tenant, if the deployment serves it (none: heartbeats cannot be enabled). */
const instances = /*@__PURE__*/ once(() => new BoundConnectInstance(bindingStore(), connectInstances()));

const lines = /*@__PURE__*/ once(() => {
  const { HEARTBEAT_LINES } = loadEnv({
    // Required (set by the `heartbeatLines` access, `{}` when the operator configured none): a function lacking the
    // access fails at init rather than silently calling nobody.
    HEARTBEAT_LINES: z
      .string()
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'HEARTBEAT_LINES is not JSON' });
          return z.NEVER;
        }
      })
      .pipe(heartbeatLinesSchema),
  });
  return HEARTBEAT_LINES;
});
const caller = /*@__PURE__*/ once(() => new SdkOutboundCaller(lines()));
/** Saving the config only asks whether an instance has a line: no Connect client (nor its 200 KB) in that function. */
const lineCheck = /*@__PURE__*/ once(() => ({ canCall: (instanceId: string) => lines()[instanceId] !== undefined }));

const warn = (message: string, details?: Record<string, unknown>) =>
  details ? logger.warn(message, details) : logger.warn(message);

export const heartbeatReadDeps = /*@__PURE__*/ once(() => ({ configs: configStore(), store: heartbeatStore() }));

export const heartbeatConfigDeps = /*@__PURE__*/ once<HeartbeatConfigDeps>(() => {
  const env = loadEnv({
    SCHEDULE_GROUP: z.string().min(1),
    SCHEDULER_ROLE_ARN: z.string().min(1),
    FN_HEARTBEAT_RUN_ARN: z.string().min(1),
  });
  return {
    configs: configStore(),
    instances: instances(),
    caller: lineCheck(),
    clock,
    store: heartbeatStore(),
    notifier: notifier(),
    warn,
    schedules: new SdkHeartbeatSchedules(createSchedulerClient(), {
      group: env.SCHEDULE_GROUP,
      roleArn: env.SCHEDULER_ROLE_ARN,
      functionArn: env.FN_HEARTBEAT_RUN_ARN,
    }),
  };
});

export const heartbeatRunDeps = /*@__PURE__*/ once<HeartbeatDeps>(() => ({
  store: heartbeatStore(),
  configs: configStore(),
  instances: instances(),
  caller: caller(),
  notifier: notifier(),
  timeZone: async (tenant) => (await settingsRepository().get(tenant)).general.timeZone,
  clock,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  newId: () => randomUUID(),
  warn,
}));

export const contactFlowDeps = /*@__PURE__*/ once<ContactFlowDeps>(() => {
  const directory = directoryRepository();
  return {
    store: heartbeatStore(),
    instances: instances(),
    notifier: notifier(),
    clock,
    warn,
    connectUserId: async (tenant, agent) => (await directory.get(tenant, agent))?.connectUserId,
  };
});

/** The heartbeat use cases, wired: read routes, saving the config, the scheduled run and the contact flow. */
export const getHeartbeatConfig = /*@__PURE__*/ wire(heartbeatReadDeps, getHeartbeatConfigUseCase);
export const listHeartbeats = /*@__PURE__*/ wire(heartbeatReadDeps, listHeartbeatsUseCase);
export const saveHeartbeatConfig = /*@__PURE__*/ wire(heartbeatConfigDeps, saveHeartbeatConfigUseCase);
export const runHeartbeats = /*@__PURE__*/ wire(heartbeatRunDeps, runHeartbeatsUseCase);
export const handleContactFlowEvent = /*@__PURE__*/ wire(contactFlowDeps, handleContactFlowEventUseCase);
