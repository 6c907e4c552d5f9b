import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type AgentEventDeps, applyAgentEvent, type TenantLookups, tenantOf } from '#domain/agent-event-processor.ts';
import { type AgentEvent, agentEventSchema } from '#domain/agent-events.ts';
import type { AgentStatus } from '#domain/status.ts';
import { logger } from '#shared/powertools.ts';
import { type Decoded, decodeKinesisRecord } from './kinesis-record.ts';

type Parsed = Decoded<AgentEvent>;
const parse = (record: KinesisStreamRecord): Parsed => decodeKinesisRecord(record, agentEventSchema);

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
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const parsed = new Map(event.Records.map((r) => [r.kinesis.sequenceNumber, parse(r)]));
    const cache = new Map<string, AgentStatus | undefined>();
    const tenants: TenantLookups = new Map();
    await prefetch(deps, [...parsed.values()], cache, tenants);
    const stats: BatchStats = {};
    const count = (key: string) => {
      stats[key] = (stats[key] ?? 0) + 1;
    };
    let failedEarlier = false;
    const handleRecord = async (record: KinesisStreamRecord): Promise<void> => {
      if (failedEarlier) {
        count('deferred');
        throw new Error('An earlier record of the batch failed; retried in order');
      }
      const item = parsed.get(record.kinesis.sequenceNumber) ?? parse(record);
      if (!item.ok) {
        count('malformed');
        logger.warn('Malformed agent event skipped', {
          sequenceNumber: record.kinesis.sequenceNumber,
          reason: item.reason,
        });
        return;
      }
      try {
        const outcome = await applyAgentEvent(deps, item.value, cache, undefined, tenants);
        count(outcome);
        if (outcome === 'unknown-instance')
          logger.warn('Agent event of a Connect instance bound to no tenant skipped (an operator binds it)', {
            instanceArn: item.value.InstanceARN,
          });
      } catch (error) {
        failedEarlier = true;
        count('failed');
        logger.error('Agent event failed; will be retried', {
          sequenceNumber: record.kinesis.sequenceNumber,
          eventId: item.value.EventId,
          error: error as Error,
        });
        throw error;
      }
    };
    const response = await processPartialResponse(event, handleRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
    logger.info('Agent events batch', { records: event.Records.length, ...stats });
    onBatch?.(stats);
    return response as KinesisStreamBatchResponse;
  };
}

/** One BatchGet per tenant for the agents of the batch; a failure only means per-record reads later. */
async function prefetch(
  deps: AgentEventDeps,
  parsed: readonly Parsed[],
  cache: Map<string, AgentStatus | undefined>,
  tenants: TenantLookups,
): Promise<void> {
  try {
    const byTenant = new Map<string, Set<string>>();
    for (const p of parsed) {
      if (!p.ok) continue;
      const tenant = await tenantOf(deps, tenants, p.value.InstanceARN);
      if (!tenant) continue;
      const agents = byTenant.get(tenant) ?? new Set<string>();
      agents.add(p.value.CurrentAgentSnapshot.Configuration.Username);
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
