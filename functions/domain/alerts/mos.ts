/**
 * Mean Opinion Score estimate from network figures: the simplified ITU-T G.107 E-model that WebRTC SDKs use.
 *
 *   effective latency L = rtt + 2·jitter + 10 (ms)
 *   R = 94.768 − L/40               when L < 160
 *   R = 94.768 − (L − 120)/10       otherwise
 *   with loss p in percent: R = max(R − 2.5·p, 6.52) when p ≤ R/2.5, else R = 0
 *   MOS = 1 + 0.035·R + 0.000007·R·(R − 60)·(100 − R)
 *
 * A perfect network scores ≈ 4.43; 3.5 takes ≈ 10 % loss at 50 ms RTT and 5 ms jitter, or ≈ 370 ms RTT without loss.
 */
export function estimateMos(rttMs: number, jitterMs: number, lossPercent: number): number {
  const latency = rttMs + 2 * jitterMs + 10;
  let r = latency < 160 ? 94.768 - latency / 40 : 94.768 - (latency - 120) / 10;
  r = lossPercent <= r / 2.5 ? Math.max(r - 2.5 * lossPercent, 6.52) : 0;
  return 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
}

/** Loss in percent of one second's packets: lost / (lost + counted). No packets at all is no figure. */
export function lossPercent(lost: number, counted: number): number | undefined {
  const total = lost + counted;
  return total > 0 ? (lost / total) * 100 : undefined;
}
