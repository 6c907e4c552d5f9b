import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type BatchContext, evaluateAgent, type ProcessorDeps, prepareBatch } from '#domain/alerts/processor.ts';
import { type TelemetryRecord, telemetryRecordSchema } from '#domain/alerts/schemas.ts';
import { mapLimit } from '#domain/concurrency.ts';
import { logger } from '#shared/powertools.ts';
import { type Decoded, decodeBatch, decodeKinesisRecord, partialBatchResponse } from './kinesis-record.ts';

/** base64 → JSON → zod: the whole decode of one Kinesis record (the benchmark measures it alone too). */
export const decodeTelemetry = (record: KinesisStreamRecord): Decoded<TelemetryRecord> =>
  decodeKinesisRecord(record, telemetryRecordSchema);

export type TelemetryBatchStats = Record<string, number>;

/**
 * Agents whose records are processed at once. Each agent's records stay in order (one step per agent); different
 * agents are independent, so their store writes and pushes overlap instead of queueing behind each other.
 */
const AGENT_CONCURRENCY = 16;

interface AgentGroup {
  readonly records: TelemetryRecord[];
  readonly kinesis: KinesisStreamRecord[];
}

/**
 * The telemetry stream's consumer (Powertools batch, partial failures). Every record is decoded once, the batch's
 * settings, Connect bindings, agent statuses and breach states are read once, then the records of each agent are
 * evaluated in one step (`evaluateAgent`, in memory), and only agents with something to write commit (publish the
 * findings, persist the state once), side by side. Powertools' BatchProcessor then turns each record's verdict into the
 * partial batch response (`partialBatchResponse`).
 *
 * Why the work is not done inside Powertools' per-record handler: that ran every record through its own async step,
 * with three `process.env` reads per record inside Powertools (its per-invocation store), and persisted an agent's state
 * once per record with a transition. Grouped, the handler went from 36 % to ≥ 60 % of the bare decode rate (see
 * `npm run bench -- alerts`) and an agent's state is written at most once per batch.
 *
 * Failure policy: a malformed record is reported (logged with its sequence number and reason, counted) and skipped —
 * retrying cannot fix it and would hold up every agent on the shard. A transient failure (a store or a state
 * contention) fails every record of that agent in the batch; other agents' records succeed. Lambda (and the local
 * poller) checkpoint at the lowest failed sequence number and deliver everything after it again: the other agents'
 * records then come back as samples already applied and are skipped, and the failed agent's samples are replayed in
 * order from its stored state.
 */
export function telemetryConsumer(deps: ProcessorDeps, onBatch?: (stats: TelemetryBatchStats) => void) {
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const stats: TelemetryBatchStats = {};
    const count = (k: string, n = 1) => {
      if (n > 0) stats[k] = (stats[k] ?? 0) + n;
    };
    // Records by tenant, then agent: two lookups of strings the decode made, no key built per record.
    const byTenant = new Map<string, Map<string, AgentGroup>>();
    const groups: AgentGroup[] = [];
    count(
      'malformed',
      decodeBatch(event.Records, decodeTelemetry, 'telemetry record', (value, r) => {
        let agents = byTenant.get(value.tenant);
        if (!agents) {
          agents = new Map();
          byTenant.set(value.tenant, agents);
        }
        let group = agents.get(value.agent);
        if (!group) {
          group = { records: [], kinesis: [] };
          agents.set(value.agent, group);
          groups.push(group);
        }
        group.records.push(value);
        group.kinesis.push(r);
      }),
    );

    const failed = new Set<KinesisStreamRecord>();
    const fail = (group: AgentGroup) => {
      for (const r of group.kinesis) failed.add(r);
      count('failed', group.kinesis.length);
    };
    let ctx: BatchContext | undefined;
    try {
      ctx = await prepareBatch(deps, new Map([...byTenant].map(([tenant, agents]) => [tenant, [...agents.keys()]])));
    } catch (error) {
      logger.error('Telemetry batch reads failed; the batch is retried', { error: error as Error });
      for (const group of groups) fail(group);
    }
    const failure = (group: AgentGroup, error: unknown) => {
      fail(group);
      const first = group.records[0];
      logger.error("Telemetry of an agent failed; the agent's records will be retried", {
        sequenceNumber: group.kinesis[0]?.kinesis.sequenceNumber,
        records: group.kinesis.length,
        tenant: first?.tenant,
        agent: first?.agent,
        error: error as Error,
      });
    };
    const commits: Array<{ group: AgentGroup; commit: () => Promise<void> }> = [];
    if (ctx)
      for (const group of groups) {
        try {
          const step = evaluateAgent(deps, ctx, group.records);
          const o = step.outcomes;
          count('disabled', o.disabled);
          count('gated', o.gated);
          count('evaluated', o.evaluated);
          count('raised', o.raised);
          if (step.commit) commits.push({ group, commit: step.commit });
        } catch (error) {
          failure(group, error);
        }
      }
    await mapLimit(commits, AGENT_CONCURRENCY, async ({ group, commit }) => {
      try {
        await commit();
      } catch (error) {
        failure(group, error);
      }
    });

    logger.info('Telemetry batch', { records: event.Records.length, agents: groups.length, ...stats });
    onBatch?.(stats);
    return partialBatchResponse(event.Records, failed, context);
  };
}
