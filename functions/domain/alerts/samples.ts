import { estimateMos, lossPercent } from './mos.ts';
import type { TelemetryRecord } from './schemas.ts';

/**
 * One second of an agent's telemetry, merged from whatever the batch had for that second: both softphone streams,
 * softphone errors, the microphone permission, CPU and memory. A field is absent when nothing reported it.
 */
export interface Sample {
  /** Epoch ms of the start of the second. */
  t: number;
  mos?: number;
  lossPercent?: number;
  rttMs?: number;
  jitterMs?: number;
  cpuPercent?: number;
  memoryAvailablePercent?: number;
  /** Why the microphone is unusable (`microphone_not_shared`, `permission-denied`); `granted` when it is fine. */
  microphone?: string;
}

const MIC_ERRORS = new Set(['microphone_not_shared']);

const toMs = (ts: string | number): number => (typeof ts === 'number' ? ts : Date.parse(ts));
const second = (ms: number): number => ms - (ms % 1000);

interface NetworkAccumulator {
  lost: number;
  counted: number;
  jitter?: number;
  rtt?: number;
}

/**
 * The per-second samples of one telemetry record, oldest first. Loss is lost/(lost+counted) over both streams of the
 * second; jitter is the worse stream's; RTT comes from `audio_output` (the only stream that has it) and counts as 0
 * when the second has none, so a missing figure never invents an alert.
 */
export function toSamples(record: TelemetryRecord): Sample[] {
  const bySecond = new Map<number, Sample>();
  const at = (ms: number): Sample => {
    const t = second(ms);
    let s = bySecond.get(t);
    if (!s) {
      s = { t };
      bySecond.set(t, s);
    }
    return s;
  };

  if (record.stats.length > 0) {
    const network = new Map<number, NetworkAccumulator>();
    for (const stat of record.stats) {
      const t = second(toMs(stat.timestamp));
      let acc = network.get(t);
      if (!acc) {
        acc = { lost: 0, counted: 0 };
        network.set(t, acc);
      }
      acc.lost += stat.packetsLost ?? 0;
      acc.counted += stat.packetsCount ?? 0;
      if (stat.jitterBufferMillis != null) acc.jitter = Math.max(acc.jitter ?? 0, stat.jitterBufferMillis);
      if (stat.roundTripTimeMillis != null) acc.rtt = Math.max(acc.rtt ?? 0, stat.roundTripTimeMillis);
    }
    for (const [t, acc] of network) {
      const loss = lossPercent(acc.lost, acc.counted);
      if (loss === undefined) continue;
      const s = at(t);
      s.lossPercent = loss;
      s.jitterMs = acc.jitter ?? 0;
      s.rttMs = acc.rtt ?? 0;
      s.mos = estimateMos(s.rttMs, s.jitterMs, loss);
    }
  }
  for (const error of record.errors) {
    if (MIC_ERRORS.has(error.errorType))
      at(error.timestamp === undefined ? record.receivedAt : toMs(error.timestamp)).microphone = error.errorType;
  }
  // `prompt` says nothing yet: the browser will ask when the softphone starts.
  const permission = record.permission;
  if (permission && permission.microphone !== 'prompt')
    at(toMs(permission.timestamp)).microphone = permission.microphone === 'denied' ? 'permission-denied' : 'granted';
  for (const sys of record.system) {
    const s = at(toMs(sys.timestamp));
    if (sys.cpuUsedPercent != null) s.cpuPercent = sys.cpuUsedPercent;
    if (sys.memoryAvailable != null && sys.memoryTotal != null && sys.memoryTotal > 0)
      s.memoryAvailablePercent = (sys.memoryAvailable / sys.memoryTotal) * 100;
  }
  const samples = [...bySecond.values()];
  samples.sort((a, b) => a.t - b.t);
  return samples;
}
