import type { Clock } from '../clock.ts';
import type { Principal } from '../principal.ts';
import { requireRole } from '../principal.ts';
import type { SettingsReader } from '../status-service.ts';
import { compactBatch } from './samples.ts';
import type { TelemetryBody, TelemetryRecord } from './schemas.ts';

export interface TelemetrySinkPort {
  put(record: TelemetryRecord): Promise<void>;
}

export interface IngestDeps {
  readonly sink: TelemetrySinkPort;
  /** Cached per environment: the switch is checked on every batch without a read. */
  readonly settings: SettingsReader;
  readonly clock: Clock;
}

export interface IngestOutcome {
  /** Entries (stats + errors + system samples) forwarded to the processor. */
  readonly accepted: number;
  /** True when the tenant switched alerts off: the batch went nowhere. */
  readonly dropped: boolean;
}

/**
 * An agent's telemetry batch (WebSocket `telemetry` or POST /telemetry), already validated: stamped with the verified
 * tenant and agent and put on the stream. With alerts switched off it is dropped here, before any stream write.
 */
export async function ingestTelemetry(
  deps: IngestDeps,
  principal: Principal,
  body: TelemetryBody,
): Promise<IngestOutcome> {
  requireRole(principal, ['agent'], 'send telemetry');
  const entries = body.stats.length + body.errors.length + body.system.length + (body.permission ? 1 : 0);
  const settings = await deps.settings.get(principal.tenant);
  if (!settings.alerts.enabled) return { accepted: 0, dropped: true };
  const receivedAt = deps.clock.now();
  const compact = compactBatch(body, receivedAt);
  // Nothing a rule reads (e.g. only other softphone errors): no stream write.
  if (compact.n.length + compact.s.length + compact.m.length === 0) return { accepted: entries, dropped: false };
  await deps.sink.put({
    v: 1,
    tenant: principal.tenant,
    agent: principal.user,
    receivedAt,
    ...(body.contactId ? { contactId: body.contactId } : {}),
    ...compact,
  });
  return { accepted: entries, dropped: false };
}
