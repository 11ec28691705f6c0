import { Agent } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CONSOLE_USAGE_ID } from '../../local/app';
import { LOCAL_RESOURCES } from '../../local/emulators';
import type { UsagePlanLimits } from '../../local/usage-plan';
import type { KeyAdmin } from '../../scripts/key-admin';
import { skippingClock } from '../support/clock';
import { startTestApi, type TestApi } from '../support/local-api';
import { awayFromHourEnd, HOUR_MS, keyAdminOn, RATE_LIMITED, type Reply, readCounter, sendWithKey } from '../support/quota';

/**
 * The usage-plan emulation of the local gateway (docs/quotas.md): a token bucket per key (rate,
 * burst) and a daily quota per key, both answering 429 in the envelope before any handler
 * runs, so they never consume the hourly window. Exact counts come from gateways with an
 * injected clock; the API started from the env shows the settings are wired and hold on the
 * real clock (which the test moves forward where it would otherwise wait for tokens).
 */

const RATE = 5;
const BURST = 10;
const DAILY = 12;
const HOURLY = 1000;
const DAY_MS = 24 * HOUR_MS;

let api: TestApi;
let dynamodb: DynamoDBClient;
let admin: KeyAdmin;
const agent = new Agent({ keepAlive: true, maxSockets: 32 });
const envClock = skippingClock();

beforeAll(async () => {
  api = await startTestApi(
    {
      IMAGER_THROTTLE_RATE: String(RATE),
      IMAGER_THROTTLE_BURST: String(BURST),
      IMAGER_DAILY_QUOTA: String(DAILY),
      IMAGER_HOURLY_LIMIT: String(HOURLY),
    },
    { now: envClock.now },
  );
  ({ dynamodb, admin } = keyAdminOn(api.emulators));
});

afterAll(async () => {
  agent.destroy();
  dynamodb?.destroy();
  await api?.stop();
});

/** A second gateway over the same handlers, with its own usage plan and a clock the test moves. */
async function gatewayWithClock(usagePlan: UsagePlanLimits, clock: { now: number }): Promise<string> {
  return (await api.gatewayBeside({ usagePlan, authCacheSeconds: 60, now: () => clock.now })).url;
}

function send(baseUrl: string, path: string, key: string): Promise<Reply> {
  return sendWithKey(agent, `${baseUrl}${path}`, key);
}

function burst(baseUrl: string, key: string, count: number): Promise<Reply[]> {
  return Promise.all(Array.from({ length: count }, () => send(baseUrl, '/api/images', key)));
}

async function counterValue(keyId: string): Promise<number> {
  const windowStart = Math.floor(Date.now() / HOUR_MS) * 3600;
  return Number((await readCounter(dynamodb, LOCAL_RESOURCES.countersTable, keyId, windowStart)) ?? 0);
}

/** A 429 made by the gateway layer: envelope, Retry-After, CORS, and none of the handler's window headers. */
function expectGateway429(reply: Reply, retryAfter?: string): void {
  expect(reply.status).toBe(429);
  expect(JSON.parse(reply.body)).toEqual(RATE_LIMITED);
  expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(reply.headers['access-control-allow-origin']).toBe('*');
  expect(reply.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  if (retryAfter !== undefined) expect(reply.headers['retry-after']).toBe(retryAfter);
  expect(reply.headers['x-ratelimit-remaining']).toBeUndefined();
}

function remainingOf(replies: Reply[]): number[] {
  return replies
    .filter((r) => r.status === 200)
    .map((r) => Number(r.headers['x-ratelimit-remaining']))
    .sort((a, b) => b - a);
}

function countDown(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from - i);
}

describe('throttle (token bucket per key), injected clock', () => {
  it('lets the burst through, answers the rest 429 at the gateway, then refills at the configured rate', async () => {
    await awayFromHourEnd(10_000);
    const clock = { now: Date.parse('2031-03-04T12:00:00Z') };
    const url = await gatewayWithClock({ rate: RATE, burst: BURST, dailyQuota: 1_000_000 }, clock);
    const key = await admin.create('throttle-a');
    const other = await admin.create('throttle-b');

    // A full bucket: exactly `burst` of 25 simultaneous requests get through.
    const first = await burst(url, key.key, 25);
    expect(first.filter((r) => r.status === 200)).toHaveLength(BURST);
    const throttled = first.filter((r) => r.status !== 200);
    expect(throttled).toHaveLength(25 - BURST);
    for (const reply of throttled) expectGateway429(reply, '1');
    // Throttled requests never reached the handler, so the hourly window counted only the 10.
    expect(remainingOf(first)).toEqual(countDown(HOURLY - 1, BURST));
    expect(await counterValue(key.keyId)).toBe(BURST);

    // The bucket is per key: another key at the same instant has its own full bucket.
    const otherReplies = await burst(url, other.key, BURST);
    expect(otherReplies.map((r) => r.status)).toEqual(Array.from({ length: BURST }, () => 200));

    // One second later: `rate` more tokens, no more.
    clock.now += 1000;
    const second = await burst(url, key.key, 12);
    expect(second.filter((r) => r.status === 200)).toHaveLength(RATE);
    for (const reply of second.filter((r) => r.status !== 200)) expectGateway429(reply, '1');
    expect(remainingOf(second)).toEqual(countDown(HOURLY - 1 - BURST, RATE));

    // 200 ms at 5 rps is one token.
    clock.now += 200;
    expect((await send(url, '/api/images', key.key)).status).toBe(200);
    expectGateway429(await send(url, '/api/images', key.key), '1');

    // A long pause refills to the burst, never beyond it.
    clock.now += 60_000;
    const third = await burst(url, key.key, 15);
    expect(third.filter((r) => r.status === 200)).toHaveLength(BURST);
    expect(third.filter((r) => r.status === 429)).toHaveLength(15 - BURST);

    expect(await counterValue(key.keyId)).toBe(BURST + RATE + 1 + BURST);
  });
});

describe('daily quota, injected clock', () => {
  it('answers 429 after the quota with Retry-After until midnight UTC, and resets at midnight', async () => {
    await awayFromHourEnd(10_000);
    const clock = { now: Date.parse('2031-03-04T23:59:58.500Z') };
    const url = await gatewayWithClock({ rate: 1000, burst: 1000, dailyQuota: 3 }, clock);
    const key = await admin.create('daily-a');

    for (let i = 0; i < 3; i += 1) expect((await send(url, '/api/images', key.key)).status).toBe(200);
    const refused = await send(url, '/api/images', key.key);
    // 1.5 s to midnight, rounded up.
    expectGateway429(refused, '2');
    expect(await counterValue(key.keyId)).toBe(3);

    clock.now = Date.parse('2031-03-05T00:00:00.100Z');
    const nextDay = await send(url, '/api/images', key.key);
    expect(nextDay.status).toBe(200);
    expect(nextDay.headers['x-ratelimit-remaining']).toBe(String(HOURLY - 4));
  });
});

describe('usage plan from the environment (real clock)', () => {
  it('reads IMAGER_THROTTLE_RATE, IMAGER_THROTTLE_BURST and IMAGER_DAILY_QUOTA (the console sessions\' meter is on a plan without them)', () => {
    expect(api.gateway.usage.limits).toEqual({ rate: RATE, burst: BURST, dailyQuota: DAILY, unlimited: [LOCAL_CONSOLE_USAGE_ID] });
  });

  it('throttles a burst over the bucket with 429s that do not consume the hourly window', async () => {
    await awayFromHourEnd(10_000);
    const key = await admin.create('env-throttle');
    const replies = await burst(api.url, key.key, 40);
    const accepted = replies.filter((r) => r.status === 200);
    // The bucket starts full (burst); the daily quota caps the key at DAILY whatever the timing.
    expect(accepted.length).toBeGreaterThanOrEqual(BURST);
    expect(accepted.length).toBeLessThanOrEqual(DAILY);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(40 - accepted.length);
    for (const reply of refused) expectGateway429(reply);
    expect(remainingOf(replies)).toEqual(countDown(HOURLY - 1, accepted.length));
    expect(await counterValue(key.keyId)).toBe(accepted.length);
  });

  it(`refuses the request after the daily quota of ${DAILY} with QUOTA_EXCEEDED (Retry-After until midnight UTC)`, async () => {
    await awayFromHourEnd(10_000);
    const key = await admin.create('env-daily');
    // The full bucket lets 10 through at once.
    const first = await burst(api.url, key.key, BURST);
    expect(first.map((r) => r.status)).toEqual(Array.from({ length: BURST }, () => 200));
    // 2 more within the quota once 2 tokens have dripped back (5 rps: 400 ms; a little more).
    envClock.skip(600);
    for (let i = 0; i < DAILY - BURST; i += 1) expect((await send(api.url, '/api/images', key.key)).status).toBe(200);
    // Tokens again, so what refuses the next one is the quota, not the throttle.
    envClock.skip(300);
    const before = envClock.now();
    const refused = await send(api.url, '/api/images', key.key);
    const after = envClock.now();
    expectGateway429(refused);
    const retryAfter = Number(refused.headers['retry-after']);
    const toMidnight = (ms: number) => Math.ceil((DAY_MS - (ms % DAY_MS)) / 1000);
    expect(retryAfter).toBeGreaterThanOrEqual(toMidnight(after));
    expect(retryAfter).toBeLessThanOrEqual(toMidnight(before));
    // The quota held the request back before the handler: the window counted only DAILY.
    expect(await counterValue(key.keyId)).toBe(DAILY);
  });
});
