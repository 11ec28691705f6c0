import { RateLimitError } from './errors';

/** Response headers as the quota names them (the transport adds them to the response). */
export type Headers = Record<string, string>;

const HOUR = 3600;

export interface Window {
  /** Unix seconds of the start of the clock hour. */
  readonly start: number;
  /** Unix seconds of the end of the clock hour (exclusive). */
  readonly end: number;
}

export function windowAt(nowMs: number): Window {
  const start = Math.floor(nowMs / 1000 / HOUR) * HOUR;
  return { start, end: start + HOUR };
}

/** The storage behind the fixed window: one atomic conditional increment per request. */
export interface HourlyCounter {
  /**
   * Adds one to the key's count for the window if it is below `limit`.
   * Returns the new count, or undefined when the window is full (nothing was added).
   */
  increment(keyId: string, window: Window, limit: number): Promise<number | undefined>;
}

export interface QuotaDecision {
  readonly allowed: boolean;
  readonly headers: Headers;
  readonly retryAfter: number;
}

/** The headers of docs/quotas.md for a window with `used` requests counted. */
export function rateLimitHeaders(limit: number, used: number, window: Window, nowMs: number): Headers {
  const remaining = Math.max(0, limit - used);
  const reset = Math.max(0, window.end - Math.floor(nowMs / 1000));
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(window.end),
    'RateLimit-Policy': `"hourly";q=${limit};w=${HOUR}`,
    RateLimit: `"hourly";r=${remaining};t=${reset}`,
  };
}

/** The promise of docs/quotas.md: at most `limit` accepted requests per key and clock hour. */
export class HourlyQuota {
  constructor(
    private readonly counter: HourlyCounter,
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  async consume(keyId: string): Promise<QuotaDecision> {
    const nowMs = this.now();
    const window = windowAt(nowMs);
    const count = await this.counter.increment(keyId, window, this.limit);
    if (count === undefined) {
      const retryAfter = Math.max(1, window.end - Math.floor(nowMs / 1000));
      return {
        allowed: false,
        retryAfter,
        headers: { ...rateLimitHeaders(this.limit, this.limit, window, nowMs), 'Retry-After': String(retryAfter) },
      };
    }
    return { allowed: true, retryAfter: 0, headers: rateLimitHeaders(this.limit, count, window, nowMs) };
  }
}

export function rateLimitError(decision: QuotaDecision): RateLimitError {
  return new RateLimitError(decision.retryAfter);
}
