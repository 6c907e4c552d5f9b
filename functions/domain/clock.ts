/** Time as a port, so use cases and tests can run time faster than the wall clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
