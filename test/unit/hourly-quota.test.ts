import { describe, expect, it } from 'vitest';
import { HourlyQuota, rateLimitHeaders, windowAt } from '../../functions/core/hourly-quota';
import { FakeCounter } from './support/fakes';

const HOUR_START = Date.UTC(2026, 10, 26, 10, 0, 0); // 10:00:00Z
const HOUR_END_S = HOUR_START / 1000 + 3600;

/** A clock the test moves by hand. */
function clock(startMs: number) {
  let now = startMs;
  return { now: () => now, set: (ms: number) => (now = ms) };
}

describe('windowAt', () => {
  it('is the clock hour containing the instant', () => {
    expect(windowAt(HOUR_START)).toEqual({ start: HOUR_START / 1000, end: HOUR_END_S });
    expect(windowAt(HOUR_START + 3_599_999)).toEqual({ start: HOUR_START / 1000, end: HOUR_END_S });
    expect(windowAt(HOUR_START + 3_600_000)).toEqual({ start: HOUR_END_S, end: HOUR_END_S + 3600 });
  });
});

describe('HourlyQuota', () => {
  it('gives the exact documented headers (docs/quotas.md), counting down by one per accepted request', async () => {
    const time = clock(HOUR_START + 15 * 60 * 1000 + 250); // 10:15:00.250
    const quota = new HourlyQuota(new FakeCounter(), 1000, time.now);
    const first = await quota.consume('key_a');
    expect(first.allowed).toBe(true);
    expect(first.retryAfter).toBe(0);
    expect(first.headers).toEqual({
      'X-RateLimit-Limit': '1000',
      'X-RateLimit-Remaining': '999',
      'X-RateLimit-Reset': String(HOUR_END_S),
      'RateLimit-Policy': '"hourly";q=1000;w=3600',
      RateLimit: '"hourly";r=999;t=2700',
    });
    time.set(HOUR_START + 59 * 60 * 1000); // 10:59:00
    const second = await quota.consume('key_a');
    expect(second.headers['X-RateLimit-Remaining']).toBe('998');
    expect(second.headers.RateLimit).toBe('"hourly";r=998;t=60');
    expect(second.headers['Retry-After']).toBeUndefined();
  });

  it('refuses the request after the limit with 429 data: Retry-After = seconds to the window end', async () => {
    const time = clock(HOUR_START + 50 * 60 * 1000 + 10_000); // 10:50:10 -> 590 s left
    const counter = new FakeCounter();
    const quota = new HourlyQuota(counter, 3, time.now);
    for (const remaining of ['2', '1', '0']) {
      const decision = await quota.consume('key_a');
      expect(decision.allowed).toBe(true);
      expect(decision.headers['X-RateLimit-Remaining']).toBe(remaining);
    }
    const refused = await quota.consume('key_a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfter).toBe(590);
    expect(refused.headers).toEqual({
      'X-RateLimit-Limit': '3',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(HOUR_END_S),
      'RateLimit-Policy': '"hourly";q=3;w=3600',
      RateLimit: '"hourly";r=0;t=590',
      'Retry-After': '590',
    });
    // A refusal does not consume the window.
    expect(counter.counts.get(`key_a#${HOUR_START / 1000}`)).toBe(3);
  });

  it('Retry-After is at least 1 in the last instant of the hour', async () => {
    const quota = new HourlyQuota(new FakeCounter(), 1, () => HOUR_START + 3_599_900);
    await quota.consume('k');
    const refused = await quota.consume('k');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfter).toBe(1);
    expect(refused.headers['Retry-After']).toBe('1');
  });

  it('keeps two keys in separate windows', async () => {
    const quota = new HourlyQuota(new FakeCounter(), 2, () => HOUR_START + 1000);
    expect((await quota.consume('key_a')).allowed).toBe(true);
    expect((await quota.consume('key_a')).allowed).toBe(true);
    expect((await quota.consume('key_a')).allowed).toBe(false);
    const b = await quota.consume('key_b');
    expect(b.allowed).toBe(true);
    expect(b.headers['X-RateLimit-Remaining']).toBe('1');
  });

  it('a new clock hour starts a new window', async () => {
    const time = clock(HOUR_START + 3_599_000); // 10:59:59
    const quota = new HourlyQuota(new FakeCounter(), 1, time.now);
    expect((await quota.consume('key_a')).allowed).toBe(true);
    expect((await quota.consume('key_a')).allowed).toBe(false);
    time.set(HOUR_START + 3_600_000); // 11:00:00
    const next = await quota.consume('key_a');
    expect(next.allowed).toBe(true);
    expect(next.headers['X-RateLimit-Remaining']).toBe('0');
    expect(next.headers['X-RateLimit-Reset']).toBe(String(HOUR_END_S + 3600));
    expect(next.headers.RateLimit).toBe('"hourly";r=0;t=3600');
  });

  it('passes the limit and the window to the counter, which does the atomic work', async () => {
    const seen: unknown[] = [];
    const quota = new HourlyQuota(
      {
        async increment(keyId, window, limit) {
          seen.push({ keyId, window, limit });
          return 1;
        },
      },
      1000,
      () => HOUR_START + 5,
    );
    await quota.consume('key_z');
    expect(seen).toEqual([{ keyId: 'key_z', window: { start: HOUR_START / 1000, end: HOUR_END_S }, limit: 1000 }]);
  });

  it('rateLimitHeaders never shows a negative remaining count', () => {
    expect(rateLimitHeaders(10, 12, windowAt(HOUR_START), HOUR_START)['X-RateLimit-Remaining']).toBe('0');
  });
});
