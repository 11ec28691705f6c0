/**
 * The real clock plus an offset that only grows: time passes as it does, and a test that needs
 * a moment to pass (a token bucket to refill) moves the clock on instead of sleeping.
 */
export interface SkippingClock {
  readonly now: () => number;
  /** Moves the clock `ms` forward at once. */
  skip(ms: number): void;
}

export function skippingClock(): SkippingClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    skip(ms) {
      offset += ms;
    },
  };
}
