import { estimateMos, lossPercent } from './mos.ts';
import { type MicCode, NET_STRIDE, SYS_STRIDE, type TelemetryBody, type TelemetryRecord } from './schemas.ts';

/**
 * One second of an agent's telemetry: network figures with the estimated MOS, CPU, available memory, microphone. A
 * field is absent when nothing reported it.
 */
export interface Sample {
  /** Epoch ms of the start of the second. */
  t: number;
  mos?: number | undefined;
  lossPercent?: number | undefined;
  rttMs?: number | undefined;
  jitterMs?: number | undefined;
  cpuPercent?: number | undefined;
  memoryAvailablePercent?: number | undefined;
  /** Why the microphone is unusable (`microphone_not_shared`, `permission-denied`), or `granted`. */
  microphone?: MicCode | undefined;
}

/**
 * A sample with every field in place (undefined: not reported), so that every sample has one shape: a `{ t }` filled
 * field by field walks through a hidden class per field into an out-of-object property store that is allocated and
 * grown on the way — for every second of every agent — and leaves the rules reading fields of several shapes.
 */
const newSample = (t: number): Sample => ({
  t,
  mos: undefined,
  lossPercent: undefined,
  rttMs: undefined,
  jitterMs: undefined,
  cpuPercent: undefined,
  memoryAvailablePercent: undefined,
  microphone: undefined,
});

const MIC_ERRORS = new Set(['microphone_not_shared']);
const toMs = (ts: string | number): number => (typeof ts === 'number' ? ts : Date.parse(ts));
const second = (ms: number): number => ms - (ms % 1000);
const orMissing = (v: number | null | undefined) => (v == null ? -1 : v);

/**
 * The ingest's half: a client batch (softphone stats per stream per second, errors, permission, CPU/memory) merged
 * into the stream record's per-second arrays. Lost and counted packets add up over both streams; jitter is the worse
 * stream's; RTT comes from `audio_output`, the only stream that has it.
 */
export function compactBatch(body: TelemetryBody, receivedAt: number): Pick<TelemetryRecord, 'n' | 's' | 'm'> {
  const net = new Map<number, [number, number, number, number]>();
  for (const stat of body.stats) {
    const t = second(toMs(stat.timestamp));
    let acc = net.get(t);
    if (!acc) {
      acc = [0, 0, -1, -1];
      net.set(t, acc);
    }
    acc[0] += stat.packetsLost ?? 0;
    acc[1] += stat.packetsCount ?? 0;
    if (stat.jitterBufferMillis != null) acc[2] = Math.max(acc[2], stat.jitterBufferMillis);
    if (stat.roundTripTimeMillis != null) acc[3] = Math.max(acc[3], stat.roundTripTimeMillis);
  }
  const n: number[] = [];
  for (const [t, acc] of [...net].sort((a, b) => a[0] - b[0])) n.push(t, ...acc);
  const s: number[] = [];
  for (const sys of body.system)
    s.push(
      second(toMs(sys.timestamp)),
      orMissing(sys.cpuUsedPercent),
      orMissing(sys.memoryTotal),
      orMissing(sys.memoryAvailable),
    );
  const m: Array<[number, MicCode]> = [];
  for (const error of body.errors)
    if (MIC_ERRORS.has(error.errorType))
      m.push([second(error.timestamp === undefined ? receivedAt : toMs(error.timestamp)), 'microphone_not_shared']);
  // `prompt` says nothing yet: the browser will ask when the softphone starts.
  const permission = body.permission;
  if (permission && permission.microphone !== 'prompt')
    m.push([second(toMs(permission.timestamp)), permission.microphone === 'denied' ? 'permission-denied' : 'granted']);
  return { n, s, m };
}

/**
 * A record's samples by second, oldest first. The ingest writes each array in order of seconds and the network and
 * system arrays usually cover the same seconds, so a cursor finds each second's sample; anything else (a gap, a mic
 * event, an unordered array) falls back to a map by second. The processor runs this for every record, hence no map in
 * the common case — and a class rather than a closure per record (a closure is an allocation per call).
 */
class Seconds {
  readonly out: Sample[] = [];
  cursor = 0;
  bySecond: Map<number, Sample> | undefined;

  at(t: number): Sample {
    const out = this.out;
    if (!this.bySecond) {
      const next = out[this.cursor];
      if (next !== undefined && next.t === t) {
        this.cursor++;
        return next;
      }
      const last = out[out.length - 1];
      if (last === undefined || last.t < t) {
        const sample = newSample(t);
        out.push(sample);
        this.cursor = out.length;
        return sample;
      }
      this.bySecond = new Map(out.map((x) => [x.t, x]));
    }
    let sample = this.bySecond.get(t);
    if (!sample) {
      sample = newSample(t);
      this.bySecond.set(t, sample);
      out.push(sample);
    }
    return sample;
  }
}

/** The network figures of the row at `n[i]` on `sample`: loss, jitter and RTT (a missing one counts as 0), and the MOS. */
function setNetwork(sample: Sample, n: readonly number[], i: number, loss: number): void {
  const jitter = Math.max(0, n[i + 3] as number);
  const rtt = Math.max(0, n[i + 4] as number);
  sample.lossPercent = loss;
  sample.jitterMs = jitter;
  sample.rttMs = rtt;
  sample.mos = estimateMos(rtt, jitter, loss);
}

/** Whether the system row at `s[j]` has a figure: a CPU % or a usable memory reading (negative: not reported). */
function hasSystem(s: readonly number[], j: number): boolean {
  return (s[j + 1] as number) >= 0 || ((s[j + 2] as number) > 0 && (s[j + 3] as number) >= 0);
}

/** The system figures of the row at `s[j]` on `sample`: CPU %, and memory available as % of the total. */
function setSystem(sample: Sample, s: readonly number[], j: number): void {
  const cpu = s[j + 1] as number;
  const total = s[j + 2] as number;
  const available = s[j + 3] as number;
  if (cpu >= 0) sample.cpuPercent = cpu;
  if (total > 0 && available >= 0) sample.memoryAvailablePercent = (available / total) * 100;
}

/**
 * The processor's half: the record's seconds as samples, oldest first, with loss % and the E-model MOS computed per
 * second. A second without packets has no network figure; a missing RTT or jitter counts as 0, so a figure the client
 * did not report never invents an alert.
 */
export function toSamples(record: TelemetryRecord): Sample[] {
  const { n, s: sys, m } = record;
  const seconds = new Seconds();
  for (let i = 0; i + NET_STRIDE <= n.length; i += NET_STRIDE) {
    const loss = lossPercent(Math.max(0, n[i + 1] as number), Math.max(0, n[i + 2] as number));
    if (loss === undefined) continue;
    setNetwork(seconds.at(n[i] as number), n, i, loss);
  }
  seconds.cursor = 0;
  for (let i = 0; i + SYS_STRIDE <= sys.length; i += SYS_STRIDE)
    if (hasSystem(sys, i)) setSystem(seconds.at(sys[i] as number), sys, i);
  seconds.cursor = 0;
  for (const [t, code] of m) seconds.at(t).microphone = code;
  const out = seconds.out;
  // Usually already in order (one record = consecutive seconds); sort only when it is not.
  for (let i = 1; i < out.length; i++)
    if ((out[i] as Sample).t < (out[i - 1] as Sample).t) return out.sort((a, b) => a.t - b.t);
  return out;
}

/**
 * The processor's half as a reader, for a record in the ingest's usual layout (no microphone event; each array's
 * seconds strictly increasing): the same samples as `toSamples`, in the same order, filled one at a time into ONE
 * reused object instead of an array of new ones — every second of every agent went through `toSamples`, and those
 * short-lived samples were most of what the processor allocated beyond the decode. `start` says false for anything
 * else: read that record with `toSamples`.
 */
export class SampleReader {
  /** The current second (valid until the next `next`). */
  readonly sample: Sample = newSample(0);
  private n: readonly number[] = [];
  private s: readonly number[] = [];
  private i = 0;
  private j = 0;

  start(record: TelemetryRecord): boolean {
    const { n, s: sys, m } = record;
    if (m.length > 0) return false;
    for (let i = NET_STRIDE; i + NET_STRIDE <= n.length; i += NET_STRIDE)
      if ((n[i] as number) <= (n[i - NET_STRIDE] as number)) return false;
    for (let i = SYS_STRIDE; i + SYS_STRIDE <= sys.length; i += SYS_STRIDE)
      if ((sys[i] as number) <= (sys[i - SYS_STRIDE] as number)) return false;
    this.n = n;
    this.s = sys;
    this.i = 0;
    this.j = 0;
    return true;
  }

  /** Fills `sample` with the next second that has a figure (oldest first); false when there is none left. */
  next(): boolean {
    const n = this.n;
    const sys = this.s;
    const x = this.sample;
    for (;;) {
      const hasNet = this.i + NET_STRIDE <= n.length;
      const hasSys = this.j + SYS_STRIDE <= sys.length;
      if (!hasNet && !hasSys) return false;
      const tn = hasNet ? (n[this.i] as number) : Number.POSITIVE_INFINITY;
      const ts = hasSys ? (sys[this.j] as number) : Number.POSITIVE_INFINITY;
      const t = tn < ts ? tn : ts;
      x.t = t;
      x.mos = undefined;
      x.lossPercent = undefined;
      x.rttMs = undefined;
      x.jitterMs = undefined;
      x.cpuPercent = undefined;
      x.memoryAvailablePercent = undefined;
      let any = false;
      if (tn === t) {
        const i = this.i;
        this.i += NET_STRIDE;
        const loss = lossPercent(Math.max(0, n[i + 1] as number), Math.max(0, n[i + 2] as number));
        if (loss !== undefined) {
          setNetwork(x, n, i, loss);
          any = true;
        }
      }
      if (ts === t) {
        const j = this.j;
        this.j += SYS_STRIDE;
        if (hasSystem(sys, j)) {
          setSystem(x, sys, j);
          any = true;
        }
      }
      if (any) return true;
    }
  }
}
