/**
 * The local stand-in for an API Gateway usage plan: a token bucket per usage identifier (rate,
 * burst; one per account, its meter) and a daily quota per identifier that resets at midnight UTC. State is in memory (a restart resets it);
 * the exact hourly limit lives in DynamoDB like on AWS and survives restarts.
 */
export interface UsagePlanLimits {
  readonly rate: number;
  readonly burst: number;
  readonly dailyQuota: number;
  /**
   * Usage identifiers on a plan of their own without throttle or quota: the console sessions'
   * (lib/api.ts), shared by every signed-in person and held to their accounts' hourly windows.
   */
  readonly unlimited?: readonly string[];
}

export type UsageDecision = { allowed: true } | { allowed: false; reason: 'THROTTLED' | 'QUOTA_EXCEEDED'; retryAfter: number };

interface Bucket {
  tokens: number;
  updated: number;
  day: number;
  used: number;
}

const DAY_MS = 24 * 3600 * 1000;

export class LocalUsagePlan {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limits: UsagePlanLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request for `key`: throttle first (like API Gateway), then the daily quota. */
  take(key: string): UsageDecision {
    if (this.limits.unlimited?.includes(key)) return { allowed: true };
    const now = this.now();
    const day = Math.floor(now / DAY_MS);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.limits.burst, updated: now, day, used: 0 };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.limits.rate);
    bucket.updated = now;
    if (bucket.day !== day) {
      bucket.day = day;
      bucket.used = 0;
    }
    if (bucket.tokens < 1) {
      return { allowed: false, reason: 'THROTTLED', retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / this.limits.rate)) };
    }
    if (bucket.used >= this.limits.dailyQuota) {
      return { allowed: false, reason: 'QUOTA_EXCEEDED', retryAfter: Math.max(1, Math.ceil(((day + 1) * DAY_MS - now) / 1000)) };
    }
    bucket.tokens -= 1;
    bucket.used += 1;
    return { allowed: true };
  }
}
