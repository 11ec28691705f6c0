import { describe, expect, it } from 'vitest';
import { LocalUsagePlan } from '../../local/usage-plan';

const DAY_START = Date.UTC(2026, 10, 26); // midnight UTC

function plan(limits = { rate: 2, burst: 4, dailyQuota: 1000 }, start = DAY_START + 12 * 3600 * 1000) {
  let now = start;
  const usage = new LocalUsagePlan(limits, () => now);
  return { usage, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

describe('LocalUsagePlan', () => {
  it('allows a burst, then throttles with Retry-After', () => {
    const { usage } = plan();
    for (let i = 0; i < 4; i += 1) expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toEqual({ allowed: false, reason: 'THROTTLED', retryAfter: 1 });
  });

  it('recovers at the configured rate', () => {
    const { usage, advance } = plan();
    for (let i = 0; i < 4; i += 1) usage.take('k');
    advance(499); // 2 rps: not yet one token
    expect(usage.take('k')).toMatchObject({ allowed: false, reason: 'THROTTLED' });
    advance(1); // exactly one token after 500 ms
    expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toMatchObject({ allowed: false });
    advance(1000); // two more tokens
    expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toMatchObject({ allowed: false });
    advance(60_000); // refills to the burst, not beyond
    for (let i = 0; i < 4; i += 1) expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toMatchObject({ allowed: false });
  });

  it('Retry-After reflects a slow rate', () => {
    const { usage } = plan({ rate: 1, burst: 1, dailyQuota: 100 });
    usage.take('k');
    expect(usage.take('k')).toEqual({ allowed: false, reason: 'THROTTLED', retryAfter: 1 });
    const slow = plan({ rate: 0.1, burst: 1, dailyQuota: 100 }).usage;
    slow.take('k');
    expect(slow.take('k')).toEqual({ allowed: false, reason: 'THROTTLED', retryAfter: 10 });
  });

  it('keeps separate buckets per key', () => {
    const { usage } = plan({ rate: 1, burst: 1, dailyQuota: 100 });
    expect(usage.take('a')).toEqual({ allowed: true });
    expect(usage.take('a')).toMatchObject({ allowed: false });
    expect(usage.take('b')).toEqual({ allowed: true });
  });

  it('stops at the daily quota with QUOTA_EXCEEDED until the next UTC day', () => {
    const start = DAY_START + 23 * 3600 * 1000; // 23:00 UTC
    const { usage, advance, set } = plan({ rate: 1000, burst: 1000, dailyQuota: 3 }, start);
    for (let i = 0; i < 3; i += 1) expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toEqual({ allowed: false, reason: 'QUOTA_EXCEEDED', retryAfter: 3600 });
    advance(30 * 60 * 1000);
    expect(usage.take('k')).toEqual({ allowed: false, reason: 'QUOTA_EXCEEDED', retryAfter: 1800 });
    set(DAY_START + 24 * 3600 * 1000); // midnight UTC: a new day
    expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toMatchObject({ allowed: false, reason: 'QUOTA_EXCEEDED' });
  });

  it('a throttled request does not count against the daily quota', () => {
    const { usage, advance } = plan({ rate: 1, burst: 1, dailyQuota: 2 });
    expect(usage.take('k')).toEqual({ allowed: true });
    expect(usage.take('k')).toMatchObject({ reason: 'THROTTLED' });
    expect(usage.take('k')).toMatchObject({ reason: 'THROTTLED' });
    advance(1000);
    expect(usage.take('k')).toEqual({ allowed: true });
    advance(1000);
    expect(usage.take('k')).toMatchObject({ reason: 'QUOTA_EXCEEDED' });
  });
});
