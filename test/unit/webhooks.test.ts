import type { IncomingHttpHeaders } from 'node:http';
import type { SQSEvent } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { publicHostCheck } from '../../functions/adapters/public-host-check';
import { PublicHttpClient } from '../../functions/adapters/public-http-client';
import { toApiImage } from '../../functions/core/images';
import { signedHeaders } from '../../functions/core/webhook-delivery';
import type { EventImage } from '../../functions/core/webhook-fan-out';
import { createEndpoint, rotateSecret } from '../../functions/core/webhook-endpoints';
import { RETRY_SCHEDULE_SECONDS, type WebhookEndpoint, type WebhookMessage } from '../../functions/core/webhooks';
import { createDeliverWebhooksHandler } from '../../functions/deliver-webhooks';
import { startHttpsTargets, type HttpsTargets } from '../support/https-targets';
import { ACCOUNT, MemoryLog, readyRecord } from './support/fakes';
import { MemoryWebhookQueue, MemoryWebhookStore, sqsRecord } from './support/webhook-fakes';

/**
 * Webhook delivery against a real HTTPS receiver on loopback (docs/webhooks.md), through the
 * outbound adapter with the upload-by-URL tests' seam: the test resolver names the receiver, the
 * test policy lets 127.0.0.1 count as public, 127.0.0.2 stays private. Every request the receiver
 * gets is checked with the standardwebhooks library's own `verify`.
 */

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let targets: HttpsTargets;
const received: Received[] = [];
let answers: number[] = [];

beforeAll(async () => {
  targets = await startHttpsTargets((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 200, { 'content-type': 'text/plain' });
      res.end('thanks');
    });
  });
});
afterAll(async () => {
  await targets.close();
});
beforeEach(() => {
  received.length = 0;
  answers = [];
  targets.privateTarget.connections = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

const IMAGE = readyRecord({ id: 'Zk3xQ1v7Rb2Nw9Lp4Ys6Tg', metadata: { user: '42' } });

function setup(schedule?: readonly number[]) {
  const resolver = targets.resolver({ 'images.test': ['127.0.0.1'], 'other.test': ['127.0.0.2'], 'metadata.test': ['169.254.169.254'], 'rebind.test': [['127.0.0.1'], ['127.0.0.2']] });
  const store = new MemoryWebhookStore();
  const queue = new MemoryWebhookQueue();
  const images = new Map<string, EventImage>([[IMAGE.id, { accountId: ACCOUNT, state: 'ready', data: toApiImage(IMAGE, 'https://img.example') as never }]]);
  const deliver = createDeliverWebhooksHandler({
    store,
    queue,
    http: new PublicHttpClient({ resolver, isAllowed: targets.policy, ca: targets.ca, dial: targets.dial }),
    image: async (id) => images.get(id),
    log: new MemoryLog(),
    ...(schedule ? { schedule } : {}),
  });
  const checkHost = publicHostCheck({ resolver, isAllowed: targets.policy });
  const register = (url: string, events: string[] = ['image.ready', 'image.deleted', 'image.expired']) =>
    createEndpoint(store, checkHost, ACCOUNT, { url, events }, new Date());
  return { store, queue, deliver, register, checkHost, images };
}

const hook = (name = 'images.test') => `${targets.publicTarget.originAs(name)}/hook`;
const ready = (imageId = IMAGE.id): WebhookMessage => ({ kind: 'event', type: 'image.ready', imageId, at: Date.now() });
const batch = (...records: ReturnType<typeof sqsRecord>[]) => ({ Records: records }) as SQSEvent;

/** Fans the event out, then hands over the one delivery message it queued. */
async function fanOut(env: ReturnType<typeof setup>, message: WebhookMessage) {
  expect((await env.deliver(batch(sqsRecord('event', message)))).batchItemFailures).toEqual([]);
  const sent = env.queue.sent.splice(0);
  expect(sent).toHaveLength(1);
  return sqsRecord('delivery', sent[0].message);
}

function verify(secret: string, request: Received): unknown {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
}

describe('delivery', () => {
  it('image.ready reaches the receiver signed as Standard Webhooks says; the payload is {type, timestamp, data}', async () => {
    const env = setup();
    const endpoint = await env.register(hook());
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const delivery = await fanOut(env, ready());
    expect((await env.deliver(batch(delivery))).batchItemFailures).toEqual([]);
    expect(received).toHaveLength(1);
    const payload = verify(endpoint.secret, received[0]) as { type: string; timestamp: string; data: { id: string; metadata: object } };
    expect(payload).toMatchObject({ type: 'image.ready', data: { id: IMAGE.id, metadata: { user: '42' }, url: `https://img.example/image/${IMAGE.id}` } });
    expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
    expect(received[0].headers['webhook-id']).toMatch(/^msg_/);
    expect(received[0].headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(received[0].headers['content-type']).toBe('application/json');
  });

  it('a receiver that answers 500 three times is tried again on the schedule (5 s, 5 min, 30 min) and then succeeds; the log shows every attempt', async () => {
    const env = setup();
    const endpoint = await env.register(hook());
    const delivery = await fanOut(env, ready());
    answers = [500, 500, 500];
    const logOf = async () => (await env.store.listDeliveries(endpoint.id, { limit: 10 })).deliveries[0];
    for (const [attempt, wait] of [[1, 5], [2, 300], [3, 1800]] as const) {
      expect((await env.deliver(batch(delivery))).batchItemFailures).toEqual([{ itemIdentifier: 'delivery' }]);
      expect(env.queue.laters.at(-1)).toEqual({ receiptHandle: delivery.receiptHandle, seconds: wait });
      const entry = await logOf();
      expect(entry).toMatchObject({ status: 'pending', attempts: attempt, lastStatusCode: 500, lastError: 'The endpoint answered 500' });
      expect(Date.parse(entry.nextAttemptAt!) - Date.parse(entry.lastAttemptAt!)).toBe(wait * 1000);
    }
    expect((await env.deliver(batch(delivery))).batchItemFailures).toEqual([]);
    expect(await logOf()).toMatchObject({ status: 'succeeded', attempts: 4, lastStatusCode: 200, nextAttemptAt: undefined });
    expect(received).toHaveLength(4);
    // One message id for every attempt, each attempt signed afresh and verifiable.
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const request of received) expect(verify(endpoint.secret, request)).toMatchObject({ type: 'image.ready' });
    expect(await env.store.hasPendingDeliveries(ACCOUNT)).toBe(false);
  });

  it('the schedule is the specification\'s: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; after the last a delivery is kept as failed', async () => {
    expect(RETRY_SCHEDULE_SECONDS).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    const env = setup([0, 1]);
    const endpoint = await env.register(hook());
    const delivery = await fanOut(env, ready());
    answers = [503, 503];
    expect((await env.deliver(batch(delivery))).batchItemFailures).toHaveLength(1);
    expect((await env.deliver(batch(delivery))).batchItemFailures).toEqual([]);
    const [entry] = (await env.store.listDeliveries(endpoint.id, { limit: 10 })).deliveries;
    expect(entry).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: 503 });
    expect(entry.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(await env.store.hasPendingDeliveries(ACCOUNT)).toBe(false);
  });

  it('an event emitted twice (finalize and the analysis) is delivered once per endpoint', async () => {
    const env = setup();
    await env.register(hook());
    await env.register(hook(), ['image.ready']);
    await env.deliver(batch(sqsRecord('a', ready())));
    await env.deliver(env.queue.drain());
    await env.deliver(batch(sqsRecord('b', ready())));
    await env.deliver(env.queue.drain());
    expect(received).toHaveLength(2);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(env.store.deliveries.size).toBe(2);
  });

  it('image.deleted carries what image.ready kept (its record is gone); past its expiry time it is image.expired', async () => {
    const env = setup();
    const endpoint = await env.register(hook());
    await env.deliver(batch(await fanOut(env, ready())));
    env.images.delete(IMAGE.id);
    const deleted = await fanOut(env, { kind: 'event', type: 'image.deleted', imageId: IMAGE.id, at: Date.now() });
    await env.deliver(batch(deleted));
    const last = verify(endpoint.secret, received.at(-1)!) as { type: string; data: Record<string, unknown> };
    expect(last.type).toBe('image.deleted');
    expect(last.data).toMatchObject({ id: IMAGE.id, metadata: { user: '42' } });
    expect(last.data.url).toBeUndefined();
    expect(await env.store.imageOwner(IMAGE.id)).toBeUndefined();

    const expiring = readyRecord({ id: 'Ab3xQ1v7Rb2Nw9Lp4Ys6Tg', imageExpiresAt: Math.floor(Date.now() / 1000) - 60 });
    env.images.set(expiring.id, { accountId: ACCOUNT, state: 'ready', data: toApiImage(expiring, '') as never, imageExpiresAt: expiring.imageExpiresAt });
    await env.deliver(batch(await fanOut(env, ready(expiring.id))));
    await env.deliver(batch(await fanOut(env, { kind: 'event', type: 'image.deleted', imageId: expiring.id, at: Date.now() })));
    expect((verify(endpoint.secret, received.at(-1)!) as { type: string }).type).toBe('image.expired');
  });

  it('a replayed delivery (its timestamp older than the tolerance) or a tampered one fails verification', async () => {
    const env = setup();
    const endpoint = await env.register(hook());
    await env.deliver(batch(await fanOut(env, ready())));
    const [request] = received;
    expect(verify(endpoint.secret, request)).toBeDefined();
    expect(() => verify(endpoint.secret, { ...request, body: request.body.replace('image.ready', 'image.rejected') })).toThrow();
    expect(() => verify(endpoint.secret, { ...request, headers: { ...request.headers, 'webhook-id': 'msg_someoneelse' } })).toThrow();
    const forged = signedHeaders('whsec_' + Buffer.alloc(32, 7).toString('base64'), String(request.headers['webhook-id']), Date.now(), request.body);
    expect(() => verify(endpoint.secret, { ...request, headers: { ...request.headers, 'webhook-signature': forged['webhook-signature'] } })).toThrow();
    // The same bytes sent again ten minutes later.
    vi.useFakeTimers({ now: Date.now() + 10 * 60_000, toFake: ['Date'] });
    expect(() => verify(endpoint.secret, request)).toThrow(/timestamp/i);
  });

  it('after a rotation every attempt is signed with the new secret only', async () => {
    const env = setup();
    const before: WebhookEndpoint = await env.register(hook());
    await env.deliver(batch(await fanOut(env, ready())));
    const rotated = await rotateSecret(env.store, ACCOUNT, before.id, new Date());
    expect(rotated.secret).not.toBe(before.secret);
    const other = readyRecord({ id: 'Cd3xQ1v7Rb2Nw9Lp4Ys6Tg' });
    env.images.set(other.id, { accountId: ACCOUNT, state: 'ready', data: toApiImage(other, '') as never });
    await env.deliver(batch(await fanOut(env, ready(other.id))));
    const after = received.at(-1)!;
    expect(verify(rotated.secret, after)).toMatchObject({ data: { id: other.id } });
    expect(() => verify(before.secret, after)).toThrow();
    expect(() => verify(rotated.secret, received[0])).toThrow();
  });
});

describe('the public-address rule', () => {
  it('refuses a private, metadata, loopback-literal, http or credentialed endpoint at registration, and stores nothing', async () => {
    const env = setup();
    for (const [url, message] of [
      [hook('other.test'), /not a public address/],
      [hook('metadata.test'), /not a public address/],
      [`https://127.0.0.2:${targets.privateTarget.port}/hook`, /not a public address/],
      ['https://[::1]/hook', /not a public address/],
      [hook('nowhere.test'), /does not resolve/],
      [`http://images.test:${targets.publicTarget.port}/hook`, /https/],
      [`https://user:secret@images.test:${targets.publicTarget.port}/hook`, /user name or password/],
    ] as const) {
      await expect(env.register(url), url).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(message) });
    }
    expect(env.store.endpoints.size).toBe(0);
    expect(targets.privateTarget.connections).toBe(0);
  });

  it('refuses at delivery a host that resolves to a private address by then (no connection made), and tries again later', async () => {
    const env = setup();
    const endpoint = await env.register(hook('rebind.test'));
    const delivery = await fanOut(env, ready());
    expect((await env.deliver(batch(delivery))).batchItemFailures).toHaveLength(1);
    const [entry] = (await env.store.listDeliveries(endpoint.id, { limit: 1 })).deliveries;
    expect(entry).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/not a public address/) });
    expect(entry.lastStatusCode).toBeUndefined();
    expect(targets.privateTarget.connections).toBe(0);
    expect(targets.dials).not.toContain('127.0.0.2');
    expect(received).toHaveLength(0);
  });

  it('follows no redirect: a 302 is a failed attempt', async () => {
    const env = setup();
    const endpoint = await env.register(hook());
    const delivery = await fanOut(env, ready());
    answers = [302];
    expect((await env.deliver(batch(delivery))).batchItemFailures).toHaveLength(1);
    const [entry] = (await env.store.listDeliveries(endpoint.id, { limit: 1 })).deliveries;
    expect(entry.lastError).toMatch(/redirect/);
    expect(received).toHaveLength(1);
  });
});
