import type { Clock } from '../clock.ts';
import type { Principal } from '../principal.ts';
import { requireRole } from '../principal.ts';
import type { SettingsReader } from '../status-service.ts';
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
  await deps.sink.put({
    v: 1,
    tenant: principal.tenant,
    agent: principal.user,
    receivedAt: deps.clock.now(),
    ...(body.contactId ? { contactId: body.contactId } : {}),
    ...(body.ccpVersion ? { ccpVersion: body.ccpVersion } : {}),
    stats: body.stats,
    errors: body.errors,
    system: body.system,
    ...(body.permission ? { permission: body.permission } : {}),
  });
  return { accepted: entries, dropped: false };
}
