import { describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../functions/core/webhooks';
import { createWebhookEndpointsHandler } from '../../functions/webhook-endpoints';
import { ACCOUNT, apiEvent, bodyOf } from './support/fakes';
import { MemoryWebhookQueue, MemoryWebhookStore } from './support/webhook-fakes';

/** The account routes of webhooks (docs/webhooks.md): answers, the secret shown once, and a 4xx envelope for every bad input. */

const NOW = new Date('2026-11-26T10:15:00.000Z');
const accounts = { ensure: async () => ({ accountId: ACCOUNT, sub: 'sub-1', email: 'ada@example.com', createdAt: NOW.toISOString(), keys: {}, activeKeys: {} }) as never };
const session = (overrides: Parameters<typeof apiEvent>[0]) =>
  apiEvent({ accountId: null, ...overrides, requestContext: { ...apiEvent(overrides).requestContext, authorizer: { claims: { sub: 'sub-1', email: 'ada@example.com', token_use: 'id' } } } });
/** Every host is public here except `private.example`: the address rule itself is tested in webhooks.test.ts. */
const checkHost = async (url: string) => {
  if (new URL(url).hostname === 'private.example') {
    const { OutboundRequestError } = await import('../../functions/core/outbound');
    throw new OutboundRequestError('private-address', 'The host private.example is not a public address');
  }
};

function setup() {
  const store = new MemoryWebhookStore();
  const queue = new MemoryWebhookQueue();
  const handler = createWebhookEndpointsHandler({ accounts, store, checkHost, queue, now: () => NOW });
  const call = (method: string, resource: string, path: string, body?: unknown, params: Record<string, string> = {}, query: Record<string, string> | null = null) =>
    handler(
      session({ httpMethod: method, resource, path, body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), pathParameters: params, queryStringParameters: query }),
    );
  return { store, queue, call };
}

const create = (env: ReturnType<typeof setup>, body: unknown) => env.call('POST', '/api/account/webhooks', '/api/account/webhooks', body);

describe('endpoints', () => {
  it('create answers 201 with the secret and a Location; list, update and delete never show it again; rotate shows the new one', async () => {
    const env = setup();
    const created = await create(env, { url: 'https://hooks.example/in', events: ['image.ready', 'image.deleted'] });
    expect(created.statusCode).toBe(201);
    const data = bodyOf(created).data;
    expect(data).toMatchObject({ url: 'https://hooks.example/in', events: ['image.ready', 'image.deleted'], enabled: true, secret: expect.stringMatching(/^whsec_/) });
    expect(created.headers?.Location).toBe(`/v1/api/account/webhooks/${data.id}`);
    expect(created.headers?.['Cache-Control']).toBe('no-store');

    const list = bodyOf(await env.call('GET', '/api/account/webhooks', '/api/account/webhooks')).data;
    expect(list.endpoints).toEqual([{ id: data.id, url: data.url, events: data.events, enabled: true, created_at: NOW.toISOString(), updated_at: NOW.toISOString() }]);

    const params = { endpoint_id: data.id };
    const path = `/api/account/webhooks/${data.id}`;
    const patched = await env.call('PATCH', '/api/account/webhooks/{endpoint_id}', path, { enabled: false, events: ['image.expired'] }, params);
    expect(patched.statusCode).toBe(200);
    expect(bodyOf(patched).data).toMatchObject({ enabled: false, events: ['image.expired'], url: data.url });
    expect(bodyOf(patched).data.secret).toBeUndefined();

    const rotated = await env.call('POST', '/api/account/webhooks/{endpoint_id}/secret', `${path}/secret`, undefined, params);
    expect(rotated.statusCode).toBe(200);
    expect(bodyOf(rotated).data.secret).toMatch(/^whsec_/);
    expect(bodyOf(rotated).data.secret).not.toBe(data.secret);
    expect(env.store.endpoints.get(data.id)!.secret).toBe(bodyOf(rotated).data.secret);

    expect((await env.call('DELETE', '/api/account/webhooks/{endpoint_id}', path, undefined, params)).statusCode).toBe(204);
    expect(env.store.endpoints.size).toBe(0);
    expect((await env.call('DELETE', '/api/account/webhooks/{endpoint_id}', path, undefined, params)).statusCode).toBe(404);
  });

  it.each([
    ['not JSON', '{url:', 400, 'Send the endpoint as a JSON object'],
    ['an array', '[]', 400, 'Send the endpoint as a JSON object'],
    ['no url', { events: ['image.ready'] }, 400, 'url is required'],
    ['no events', { url: 'https://hooks.example/in' }, 400, 'events is required'],
    ['empty events', { url: 'https://hooks.example/in', events: [] }, 400, /events must be a non-empty list/],
    ['an unknown event', { url: 'https://hooks.example/in', events: ['image.viewed'] }, 400, 'Unknown event type: image.viewed'],
    ['an unknown field', { url: 'https://hooks.example/in', events: ['image.ready'], secret: 'mine' }, 400, 'Unknown field: secret'],
    ['http', { url: 'http://hooks.example/in', events: ['image.ready'] }, 400, 'url must be an https:// URL'],
    ['not a URL', { url: 'hooks', events: ['image.ready'] }, 400, 'url must be an https:// URL'],
    ['credentials', { url: 'https://a:b@hooks.example/in', events: ['image.ready'] }, 400, 'url must not carry a user name or password'],
    ['a private host', { url: 'https://private.example/in', events: ['image.ready'] }, 400, 'url: The host private.example is not a public address'],
    ['enabled not a boolean', { url: 'https://hooks.example/in', events: ['image.ready'], enabled: 'yes' }, 400, 'enabled must be true or false'],
    ['a long URL', { url: `https://hooks.example/${'a'.repeat(2100)}`, events: ['image.ready'] }, 400, 'url must be at most 2048 characters'],
  ])('create with %s: %i in the envelope, nothing stored', async (_name, body, status, message) => {
    const env = setup();
    const answer = await create(env, body);
    expect(answer.statusCode).toBe(status);
    expect(bodyOf(answer)).toEqual({ status: 'error', message: typeof message === 'string' ? message : expect.stringMatching(message) });
    expect(env.store.endpoints.size).toBe(0);
  });

  it('update: nothing to change, a private URL, an unknown or malformed id are 4xx and change nothing', async () => {
    const env = setup();
    const { id } = bodyOf(await create(env, { url: 'https://hooks.example/in', events: ['image.ready'] })).data;
    const before = env.store.endpoints.get(id);
    const patch = (body: unknown, endpointId = id) => env.call('PATCH', '/api/account/webhooks/{endpoint_id}', `/api/account/webhooks/${endpointId}`, body, { endpoint_id: endpointId });
    expect(bodyOf(await patch({}))).toEqual({ status: 'error', message: 'Nothing to change: give url, events or enabled' });
    expect((await patch({ url: 'https://private.example/x' })).statusCode).toBe(400);
    expect(bodyOf(await patch({ enabled: false }, 'ep_AAAAAAAAAAAAAAAA'))).toEqual({ status: 'error', message: 'Webhook endpoint not found' });
    expect((await patch({ enabled: false }, '../keys')).statusCode).toBe(404);
    expect(env.store.endpoints.get(id)).toEqual(before);
  });

  it('an account registers at most ten endpoints (409)', async () => {
    const env = setup();
    for (let i = 0; i < 10; i += 1) expect((await create(env, { url: `https://hooks.example/${i}`, events: ['image.ready'] })).statusCode).toBe(201);
    const eleventh = await create(env, { url: 'https://hooks.example/10', events: ['image.ready'] });
    expect(eleventh.statusCode).toBe(409);
    expect(env.store.endpoints.size).toBe(10);
  });
});

describe('deliveries', () => {
  function delivery(endpointId: string, i: number, status: WebhookDelivery['status']): WebhookDelivery {
    const id = `msg_${String(i).padStart(27, '0')}`;
    return { accountId: ACCOUNT, endpointId, id, type: 'image.ready', body: '{}', createdAt: new Date(NOW.getTime() + i * 1000).toISOString(), status, attempts: 8, lastStatusCode: 500, lastError: 'The endpoint answered 500' };
  }

  it('the log is paged newest first; a failed delivery is redelivered (202, pending, queued); a pending one is 409', async () => {
    const env = setup();
    const { id } = bodyOf(await create(env, { url: 'https://hooks.example/in', events: ['image.ready'] })).data;
    for (let i = 0; i < 3; i += 1) await env.store.createDelivery(delivery(id, i, i === 2 ? 'pending' : 'failed'));
    const log = (query: Record<string, string> | null) =>
      env.call('GET', '/api/account/webhooks/{endpoint_id}/deliveries', `/api/account/webhooks/${id}/deliveries`, undefined, { endpoint_id: id }, query);
    const first = bodyOf(await log({ limit: '2' })).data;
    expect(first.deliveries.map((d: { id: string }) => d.id.slice(-1))).toEqual(['2', '1']);
    expect(first.deliveries[1]).toEqual({
      id: delivery(id, 1, 'failed').id,
      type: 'image.ready',
      status: 'failed',
      attempts: 8,
      created_at: delivery(id, 1, 'failed').createdAt,
      last_attempt_at: null,
      last_status_code: 500,
      last_error: 'The endpoint answered 500',
      next_attempt_at: null,
    });
    const second = bodyOf(await log({ limit: '2', cursor: first.next_cursor })).data;
    expect(second.deliveries.map((d: { id: string }) => d.id.slice(-1))).toEqual(['0']);
    expect(second.next_cursor).toBeNull();
    expect(bodyOf(await log({ limit: '0' }))).toEqual({ status: 'error', message: 'limit must be an integer from 1 to 100' });

    const redeliver = (deliveryId: string) =>
      env.call('POST', '/api/account/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver', `/api/account/webhooks/${id}/deliveries/${deliveryId}/redeliver`, undefined, {
        endpoint_id: id,
        delivery_id: deliveryId,
      });
    const again = await redeliver(delivery(id, 0, 'failed').id);
    expect(again.statusCode).toBe(202);
    expect(bodyOf(again).data).toMatchObject({ status: 'pending', attempts: 0 });
    expect(env.queue.sent).toEqual([{ message: { kind: 'delivery', accountId: ACCOUNT, endpointId: id, deliveryId: delivery(id, 0, 'failed').id }, delaySeconds: 0 }]);
    expect(bodyOf(await redeliver(delivery(id, 2, 'pending').id))).toEqual({ status: 'error', message: 'The delivery is still being tried' });
    expect((await redeliver(`msg_${'9'.repeat(27)}`)).statusCode).toBe(404);
    expect(bodyOf(await redeliver('nope'))).toEqual({ status: 'error', message: 'Invalid delivery id' });
    expect(env.queue.sent).toHaveLength(1);
  });

  it("another account's endpoint is a 404", async () => {
    const env = setup();
    const { id } = bodyOf(await create(env, { url: 'https://hooks.example/in', events: ['image.ready'] })).data;
    env.store.endpoints.set(id, { ...env.store.endpoints.get(id)!, accountId: 'acct_someone_else000000' });
    const answer = await env.call('GET', '/api/account/webhooks/{endpoint_id}/deliveries', `/api/account/webhooks/${id}/deliveries`, undefined, { endpoint_id: id });
    expect(bodyOf(answer)).toEqual({ status: 'error', message: 'Webhook endpoint not found' });
  });
});
