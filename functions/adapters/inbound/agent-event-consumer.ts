import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type AgentEventDeps, applyAgentEvent, type TenantLookups, tenantOf } from '#domain/agent-event-processor.ts';
import { type AgentEvent, agentEventSchema } from '#domain/agent-events.ts';
import type { AgentStatus } from '#domain/status.ts';
import { logger } from '#shared/powertools.ts';
import { decodeBatch, decodeKinesisRecord, partialBatchResponse } from './kinesis-record.ts';

const parse = (record: KinesisStreamRecord) => decodeKinesisRecord(record, agentEventSchema);

/** Counts per outcome of one batch (logged; the benchmark reads them). */
export type BatchStats = Record<string, number>;

/**
 * The agent-event consumer, built from its ports so tests drive the real record handling. Per batch: records are
 * parsed once, the agents' status records are read with one BatchGet per tenant (so duplicates and heartbeats cost
 * no write and no extra read), then applied in order.
 *
 * Failure policy: a malformed record is logged and skipped — reporting it would make Lambda retry a record that can
 * never succeed and block the shard. A transient error fails that record *and every later one* of the batch: Lambda
 * resumes from the lowest failed sequence number anyway, and failing the rest keeps an agent's events in order.
 */
export function agentEventConsumer(deps: AgentEventDeps, onBatch?: (stats: BatchStats) => void) {
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    // Malformed records are logged and skipped here: they are never reported, so never retried.
    const parsed = new Map<string, AgentEvent>();
    const malformed = decodeBatch(event.Records, parse, 'agent event', (value, r) =>
      parsed.set(r.kinesis.sequenceNumber, value),
    );
    const cache = new Map<string, AgentStatus | undefined>();
    const tenants: TenantLookups = new Map();
    await prefetch(deps, [...parsed.values()], cache, tenants);
    const stats: BatchStats = malformed > 0 ? { malformed } : {};
    const count = (key: string) => {
      stats[key] = (stats[key] ?? 0) + 1;
    };
    let failedEarlier = false;
    const handleRecord = async (record: KinesisStreamRecord): Promise<void> => {
      if (failedEarlier) {
        count('deferred');
        throw new Error('An earlier record of the batch failed; retried in order');
      }
      const value = parsed.get(record.kinesis.sequenceNumber);
      if (!value) return;
      try {
        const outcome = await applyAgentEvent(deps, value, cache, undefined, tenants);
        count(outcome);
        if (outcome === 'unknown-instance')
          logger.warn('Agent event of a Connect instance bound to no tenant skipped (an operator binds it)', {
            instanceArn: value.InstanceARN,
          });
      } catch (error) {
        failedEarlier = true;
        count('failed');
        logger.error('Agent event failed; will be retried', {
          sequenceNumber: record.kinesis.sequenceNumber,
          eventId: value.EventId,
          error: error as Error,
        });
        throw error;
      }
    };
    const failed = new Set<KinesisStreamRecord>();
    for (const record of event.Records) await handleRecord(record).catch(() => failed.add(record));
    const response = await partialBatchResponse(event.Records, failed, context);
    logger.info('Agent events batch', { records: event.Records.length, ...stats });
    onBatch?.(stats);
    return response;
  };
}

/** One BatchGet per tenant for the agents of the batch; a failure only means per-record reads later. */
async function prefetch(
  deps: AgentEventDeps,
  parsed: readonly AgentEvent[],
  cache: Map<string, AgentStatus | undefined>,
  tenants: TenantLookups,
): Promise<void> {
  try {
    const byTenant = new Map<string, Set<string>>();
    for (const p of parsed) {
      const tenant = await tenantOf(deps, tenants, p.InstanceARN);
      if (!tenant) continue;
      const agents = byTenant.get(tenant) ?? new Set<string>();
      agents.add(p.CurrentAgentSnapshot.Configuration.Username);
      byTenant.set(tenant, agents);
    }
    for (const [tenant, agents] of byTenant) {
      const found = await deps.store.getMany(tenant, [...agents]);
      for (const agent of agents) cache.set(`${tenant}\u0000${agent}`, found.get(agent));
    }
  } catch (error) {
    cache.clear();
    logger.warn('Prefetch of agent statuses failed; reading per record', { error: error as Error });
  }
}
