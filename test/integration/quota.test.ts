import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHourlyCounter } from '../../functions/adapters/dynamo-hourly-counter';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { DynamoKeyStore } from '../../functions/adapters/dynamo-key-store';
import { readConfig } from '../../functions/core/config';
import { HourlyQuota } from '../../functions/core/hourly-quota';
import { LOCAL_RESOURCES } from '../../local/emulators';
import type { ProxyHandler } from '../../local/gateway';
import type { KeyAdmin } from '../../scripts/key-admin';
import { startTestApi, type TestApi } from '../support/local-api';
import { awayFromHourEnd, HOUR_MS, keyAdminOn, RATE_LIMITED, type Reply, readCounter, sendWithKey } from '../support/quota';

/**
 * docs/quotas.md through the local API: the exact hourly window per key (one conditional UpdateItem
 * in dynalite), its headers on success and error responses, and its clock-hour boundaries.
 * The usage plan's throttle and daily quota are raised so only the hourly window can refuse.
 */

const LIMIT = 1000;

let api: TestApi;
let dynamodb: DynamoDBClient;
let admin: KeyAdmin;
let countersTable: string;
// A bounded pool: all requests are issued at once and queue here, so the server sees up to
// 64 at a time without overflowing its accept backlog on a small machine.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

beforeAll(async () => {
  api = await startTestApi({
    IMAGER_HOURLY_LIMIT: String(LIMIT),
    IMAGER_THROTTLE_RATE: '1000000',
    IMAGER_THROTTLE_BURST: '1000000',
    IMAGER_DAILY_QUOTA: '1000000',
  });
  countersTable = process.env.COUNTERS_TABLE!;
  ({ dynamodb, admin } = keyAdminOn(api.emulators));
});

afterAll(async () => {
  agent.destroy();
  dynamodb?.destroy();
  await api?.stop();
});

function send(path: string, key: string, method = 'GET', baseUrl = api.url): Promise<Reply> {
  return sendWithKey(agent, `${baseUrl}${path}`, key, method);
}

function header(reply: Reply, name: string): string {
  const value = reply.headers[name.toLowerCase()];
  if (typeof value !== 'string') throw new Error(`${name} missing on a ${reply.status} response: ${JSON.stringify(reply.headers)}`);
  return value;
}

/** Unix seconds of the end of the clock hour containing `ms`. */
function hourEnd(ms: number): number {
  return (Math.floor(ms / HOUR_MS) + 1) * 3600;
}

function counterValue(keyId: string, windowStart: number): Promise<string | undefined> {
  return readCounter(dynamodb, countersTable, keyId, windowStart);
}

async function uploadSample(key: string): Promise<string> {
  const form = new FormData();
  form.append('image', new Blob([readFileSync(new URL('../fixtures/sample.png', import.meta.url))]), 'sample.png');
  const upload = await api.call('/api/images/upload', { method: 'POST', body: form, key });
  expect(upload.status).toBe(201);
  return ((await upload.json()) as { data: { id: string } }).data.id;
}

/** Checks the docs/quotas.md header set of one response against the window and the clock around it. */
function expectRateHeaders(reply: Reply, limit: number, remaining: number, before: number, after: number): void {
  const reset = Number(header(reply, 'X-RateLimit-Reset'));
  expect(reset).toBe(hourEnd(before));
  expect(header(reply, 'X-RateLimit-Limit')).toBe(String(limit));
  expect(header(reply, 'X-RateLimit-Remaining')).toBe(String(remaining));
  expect(header(reply, 'RateLimit-Policy')).toBe(`"hourly";q=${limit};w=3600`);
  const match = /^"hourly";r=(\d+);t=(\d+)$/.exec(header(reply, 'RateLimit'));
  expect(match).not.toBeNull();
  expect(Number(match![1])).toBe(remaining);
  const t = Number(match![2]);
  expect(t).toBeGreaterThanOrEqual(reset - Math.floor(after / 1000));
  expect(t).toBeLessThanOrEqual(reset - Math.floor(before / 1000));
  expect(header(reply, 'Content-Type')).toBe('application/json; charset=utf-8');
}

describe('hourly window through the local API', () => {
  it(`admits exactly ${LIMIT} of 1,100 concurrent requests for one key and refuses 100 with 429`, async () => {
    // Before the upload: the dev key's count below includes it, so both must share an hour.
    await awayFromHourEnd(20_000);
    const imageId = await uploadSample(api.devKey);
    // A second key of the same account: it can read the image and has a window of its own.
    const burst = await admin.create('dev');
    const before = Date.now();
    const replies = await Promise.all(Array.from({ length: 1100 }, () => send(`/api/images/${imageId}`, burst.key)));
    const after = Date.now();

    const accepted = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(LIMIT);
    expect(refused).toHaveLength(100);

    // Every accepted request took its own slot: remaining values are 999..0, each exactly once.
    const remaining = accepted.map((r) => Number(header(r, 'X-RateLimit-Remaining'))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => i));
    for (const reply of accepted) {
      expect((JSON.parse(reply.body) as { data: { id: string } }).data.id).toBe(imageId);
      expect(header(reply, 'X-RateLimit-Limit')).toBe(String(LIMIT));
      expect(Number(header(reply, 'X-RateLimit-Reset'))).toBe(hourEnd(before));
    }

    for (const reply of refused) {
      expect(JSON.parse(reply.body)).toEqual(RATE_LIMITED);
      expect(header(reply, 'Retry-After')).toMatch(/^[1-9]\d*$/);
      const retryAfter = Number(header(reply, 'Retry-After'));
      const reset = Number(header(reply, 'X-RateLimit-Reset'));
      expect(retryAfter).toBeGreaterThanOrEqual(reset - Math.floor(after / 1000));
      expect(retryAfter).toBeLessThanOrEqual(reset - Math.floor(before / 1000));
      expectRateHeaders(reply, LIMIT, 0, before, after);
    }

    const windowStart = hourEnd(before) - 3600;
    expect(await counterValue(burst.keyId, windowStart)).toBe(String(LIMIT));

    // Refused requests add nothing, however many arrive.
    const more = await Promise.all(Array.from({ length: 20 }, () => send('/api/images', burst.key)));
    expect(more.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 429));
    expect(await counterValue(burst.keyId, windowStart)).toBe(String(LIMIT));

    // The key of the same account that uploaded is untouched by the other key's window.
    const dev = await send(`/api/images/${imageId}`, api.devKey);
    expect(dev.status).toBe(200);
    expect(header(dev, 'X-RateLimit-Remaining')).toBe(String(LIMIT - 2));
  });

  it('counts down X-RateLimit-Remaining by exactly one per request, on success and error responses', async () => {
    await awayFromHourEnd(10_000);
    const owner = await admin.create('headers-owner');
    const imageId = await uploadSample(owner.key); // request 1 of the owner's window

    const steps: Array<{ path: string; method?: string; status: number; message?: string }> = [
      { path: `/api/images/${imageId}`, status: 200 },
      { path: '/api/images/AAAAAAAAAAAAAAAAAAAAAA', status: 404, message: 'Image not found' },
      { path: '/api/images', status: 200 },
      { path: '/api/images/not-an-id', status: 404, message: 'Image not found' },
      { path: '/api/images/AAAAAAAAAAAAAAAAAAAAAA', method: 'DELETE', status: 404, message: 'Image not found' },
      { path: `/api/images/${imageId}`, status: 200 },
    ];
    let expected = LIMIT - 1;
    for (const step of steps) {
      const before = Date.now();
      const reply = await send(step.path, owner.key, step.method);
      const after = Date.now();
      expect(reply.status).toBe(step.status);
      if (step.message) expect(JSON.parse(reply.body)).toEqual({ status: 'error', message: step.message });
      expected -= 1;
      expectRateHeaders(reply, LIMIT, expected, before, after);
      // Browsers on other origins may read them.
      expect(header(reply, 'Access-Control-Expose-Headers')).toContain('X-RateLimit-Remaining');
    }
    expect(await counterValue(owner.keyId, hourEnd(Date.now()) - 3600)).toBe(String(LIMIT - expected));
  });
});

describe('windows are per key', () => {
  const SMALL = 5;
  let smallUrl: string;

  beforeAll(async () => {
    // The real get-image handler and authorizer from their factories, with a 5-request window
    // on the same counters table, behind a second local gateway. Handler modules build their
    // clients at import, so they are imported only now that the local API has set the env.
    const { createGetImageHandler } = await import('../../functions/get-image');
    const { createAuthorizer } = await import('../../functions/authorizer');
    const config = readConfig(process.env);
    const getImage = createGetImageHandler({
      config,
      quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, countersTable), SMALL),
      records: new DynamoImageRecords(dynamodb, LOCAL_RESOURCES.imagesTable),
    }) as ProxyHandler;
    smallUrl = (
      await api.gatewayBeside({
        handlers: { GetImage: getImage },
        authorizer: createAuthorizer({ keys: new DynamoKeyStore(dynamodb, LOCAL_RESOURCES.keysTable) }),
        usagePlan: { rate: 1000, burst: 1000, dailyQuota: 1_000_000 },
        authCacheSeconds: 0,
      })
    ).url;
  });

  it('gives a second key of another account, and a rotation key of the same account, full windows of their own', async () => {
    await awayFromHourEnd(10_000);
    const alice = await admin.create('window-alice');
    const aliceSpare = await admin.create('window-alice');
    const bob = await admin.create('window-bob');
    expect(aliceSpare.accountId).toBe(alice.accountId);
    expect(bob.accountId).not.toBe(alice.accountId);
    const path = '/api/images/AAAAAAAAAAAAAAAAAAAAAA';

    // Exhaust alice's key.
    const aliceReplies = await Promise.all(Array.from({ length: SMALL + 3 }, () => send(path, alice.key, 'GET', smallUrl)));
    expect(aliceReplies.filter((r) => r.status === 404)).toHaveLength(SMALL);
    expect(aliceReplies.filter((r) => r.status === 429)).toHaveLength(3);

    // Then each other key still gets the whole window, counting down from the top.
    for (const other of [bob, aliceSpare]) {
      for (let i = 1; i <= SMALL; i += 1) {
        const reply = await send(path, other.key, 'GET', smallUrl);
        expect(reply.status).toBe(404);
        expect(header(reply, 'X-RateLimit-Remaining')).toBe(String(SMALL - i));
      }
      const over = await send(path, other.key, 'GET', smallUrl);
      expect(over.status).toBe(429);
      expect(JSON.parse(over.body)).toEqual(RATE_LIMITED);
    }
    const windowStart = hourEnd(Date.now()) - 3600;
    for (const key of [alice, aliceSpare, bob]) expect(await counterValue(key.keyId, windowStart)).toBe(String(SMALL));
  });
});

describe('clock hours (HourlyQuota + DynamoHourlyCounter on dynalite, injected clock)', () => {
  it('starts a new window at the top of the hour and keeps the old one where it was', async () => {
    const keyId = `key_hour_${Date.now()}`;
    let now = Date.parse('2031-03-04T10:59:59.250Z');
    const quota = new HourlyQuota(new DynamoHourlyCounter(dynamodb, countersTable), 3, () => now);
    const tenOClock = Date.parse('2031-03-04T10:00:00Z') / 1000;
    const elevenOClock = tenOClock + 3600;

    const first = await Promise.all([quota.consume(keyId), quota.consume(keyId), quota.consume(keyId), quota.consume(keyId)]);
    expect(first.filter((d) => d.allowed)).toHaveLength(3);
    const refused = first.find((d) => !d.allowed)!;
    expect(refused.retryAfter).toBe(1);
    expect(refused.headers).toMatchObject({ 'Retry-After': '1', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(elevenOClock) });
    expect(first.filter((d) => d.allowed).map((d) => d.headers['X-RateLimit-Remaining']).sort()).toEqual(['0', '1', '2']);

    now = Date.parse('2031-03-04T11:00:00.000Z');
    const next = await quota.consume(keyId);
    expect(next.allowed).toBe(true);
    expect(next.headers).toEqual({
      'X-RateLimit-Limit': '3',
      'X-RateLimit-Remaining': '2',
      'X-RateLimit-Reset': String(elevenOClock + 3600),
      'RateLimit-Policy': '"hourly";q=3;w=3600',
      RateLimit: '"hourly";r=2;t=3600',
    });

    // Back in the old hour (a late request on another container): still full.
    now = Date.parse('2031-03-04T10:59:59.900Z');
    expect((await quota.consume(keyId)).allowed).toBe(false);

    expect(await counterValue(keyId, tenOClock)).toBe('3');
    expect(await counterValue(keyId, elevenOClock)).toBe('1');
  });
});
