import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PublicHttpClient } from '../../functions/adapters/public-http-client';
import { createUploadHandler } from '../../functions/upload-image';
import { type HttpsTargets, startHttpsTargets, targetRoutes } from '../support/https-targets';
import { MemoryEdgeStore } from '../support/edge-fakes';
import { published } from '../support/http';
import { ACCOUNT, apiEvent, bodyOf, FakeObjects, FakeRecords, fixture, MemoryLog, NOW_MS, quotaWith, TEST_CONFIG } from './support/fakes';

/**
 * Upload by URL through the upload handler, its fetches going to HTTPS servers on loopback
 * (docs/api.md#upload-by-url): the test resolver maps the test names, the test policy lets
 * 127.0.0.1 count as public, and every hostile target is refused with a 4xx before a connection
 * to a private address is made, with nothing stored.
 */

const PNG = fixture('sample.png');

let targets: HttpsTargets;
beforeAll(async () => {
  targets = await startHttpsTargets(targetRoutes(PNG));
});
afterAll(async () => {
  await targets.close();
});
beforeEach(() => {
  targets.dials.length = 0;
  targets.privateTarget.connections = 0;
});

function setup(limits: Partial<typeof TEST_CONFIG.limits> = {}) {
  const events: string[] = [];
  const objects = new FakeObjects(events);
  const records = new FakeRecords(events);
  const edge = new MemoryEdgeStore();
  const resolver = targets.resolver({ 'images.test': ['127.0.0.1'], 'other.test': ['127.0.0.2'], 'rebind.test': [['127.0.0.1'], ['127.0.0.2']], 'metadata.test': ['169.254.169.254'] });
  const handler = createUploadHandler({
    config: { ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, ...limits } },
    quota: quotaWith(),
    objects,
    records,
    log: new MemoryLog(),
    http: new PublicHttpClient({ resolver, isAllowed: targets.policy, ca: targets.ca, dial: targets.dial }),
    edge,
    now: () => new Date(NOW_MS),
  });
  return { handler, objects, records, events, edge };
}

function byUrl(body: unknown, contentType = 'application/json') {
  return apiEvent({
    httpMethod: 'POST',
    resource: '/api/images/upload',
    path: '/api/images/upload',
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const at = (path: string, name = 'images.test') => `${targets.publicTarget.originAs(name)}${path}`;

describe('upload by URL', () => {
  it('fetches the image and stores it exactly as a direct upload would (checked, metadata removed)', async () => {
    const { handler, objects } = setup();
    const response = await handler(byUrl({ url: at('/image') }));
    expect(response.statusCode).toBe(201);
    const { data } = bodyOf(response);
    expect(data).toMatchObject({ state: 'ready', format: 'png', width: 64, height: 48, size: published(PNG).size, sha256: published(PNG).sha256 });
    expect(data.delete_url).toMatch(/\/delete\/[A-Za-z0-9_-]{43}$/);
    expect(Buffer.compare(Buffer.from(objects.items.get(`images/${data.id}`)!.bytes), Buffer.from(published(PNG).bytes))).toBe(0);
    expect(targets.dials).toEqual(['127.0.0.1']);
  });

  it('takes the account\'s metadata as a member (an object, checked like the form field), kept with its lookups', async () => {
    const written: string[] = [];
    const { objects, records, edge } = setup();
    const resolver = targets.resolver({ 'images.test': ['127.0.0.1'] });
    const handler = createUploadHandler({
      config: TEST_CONFIG,
      quota: quotaWith(),
      objects,
      records,
      lookups: { put: async (entries) => void written.push(...entries.map((entry) => entry.partition)) },
      log: new MemoryLog(),
      http: new PublicHttpClient({ resolver, isAllowed: targets.policy, ca: targets.ca, dial: targets.dial }),
      edge,
      now: () => new Date(NOW_MS),
    });
    const response = await handler(byUrl({ url: at('/image'), metadata: { user: '42' } }));
    expect(response.statusCode).toBe(201);
    const { data } = bodyOf(response);
    expect(data.metadata).toEqual({ user: '42' });
    expect(records.items.get(data.id)?.metadata).toEqual({ user: '42' });
    expect(written).toEqual([expect.stringMatching(/#user#42$/)]);
    const bad = await handler(byUrl({ url: at('/image'), metadata: { User: 'x' } }));
    expect(bad.statusCode).toBe(400);
    expect(records.items.size).toBe(1);
  });

  it('takes the options of a direct upload as members of the body: private and expiring, entered at the edge before it is stored', async () => {
    const { handler, records, edge } = setup();
    const response = await handler(byUrl({ url: at('/image'), visibility: 'private', expires_in: 3600 }));
    expect(response.statusCode).toBe(201);
    const { data } = bodyOf(response);
    const expiresAt = Math.ceil(NOW_MS / 1000) + 3600;
    expect(data).toMatchObject({ visibility: 'private', expires_at: new Date(expiresAt * 1000).toISOString() });
    expect(records.items.get(data.id)).toMatchObject({ visibility: 'private', imageExpiresAt: expiresAt });
    expect(edge.get(data.id)).toBe(`p|${expiresAt}|${ACCOUNT}`);
    // A bad option is refused before anything is fetched.
    const bad = await handler(byUrl({ url: at('/image'), visibility: 'secret' }));
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).message).toBe('visibility must be "public" or "private"');
    expect(targets.dials).toEqual(['127.0.0.1']);
  });

  it('runs the checks of a direct upload on what it fetched: not an image is 400 Invalid image format', async () => {
    const { handler, events } = setup();
    const response = await handler(byUrl({ url: at('/echo-auth') }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).message).toBe('Invalid image format');
    expect(events).toEqual([]);
  });

  it.each([
    ['plain http', () => 'http://images.test/image', 400, 'Could not fetch the url: Only https:// URLs can be fetched'],
    ['a loopback literal', () => `${targets.privateTarget.origin}/image`, 400, 'Could not fetch the url: The host 127.0.0.2 is not a public address'],
    ['the metadata address', () => 'https://169.254.169.254/latest/meta-data/', 400, 'Could not fetch the url: The host 169.254.169.254 is not a public address'],
    ['a name that resolves to the metadata address', () => at('/image', 'metadata.test'), 400, 'Could not fetch the url: The host metadata.test is not a public address'],
    ['a private literal', () => 'https://192.168.1.1/image', 400, 'Could not fetch the url: The host 192.168.1.1 is not a public address'],
    ['a redirect to loopback', () => at(`/redirect?to=${encodeURIComponent(`${targets.privateTarget.origin}/image`)}`), 400, 'Could not fetch the url: The host 127.0.0.2 is not a public address'],
    ['a redirect to a name that resolves to loopback', () => at(`/redirect?to=${encodeURIComponent(at('/image', 'other.test'))}`), 400, 'Could not fetch the url: The host other.test is not a public address'],
    ['DNS that changes by the redirect', () => at(`/redirect?to=${encodeURIComponent(at('/image', 'rebind.test'))}`, 'rebind.test'), 400, 'Could not fetch the url: The host rebind.test is not a public address'],
    ['too many redirects', () => at('/chain/4'), 400, 'Could not fetch the url: The URL redirected more than 3 times'],
    ['an endless body', () => at('/endless'), 413, 'Image exceeds the 4 MiB limit (4194304 bytes)'],
    ['a declared length over the limit', () => at('/declared-huge'), 413, 'Image exceeds the 4 MiB limit (4194304 bytes)'],
    ['a 404', () => at('/missing'), 400, 'Could not fetch the url: it answered HTTP 404'],
    ['a name that does not resolve', () => at('/image', 'nowhere.test'), 400, 'Could not fetch the url: The host nowhere.test does not resolve'],
  ])('refuses %s with a clear 4xx, storing nothing and connecting to no private address', async (_name, url, status, message) => {
    const { handler, events } = setup();
    const response = await handler(byUrl({ url: url() }));
    expect(response.statusCode).toBe(status);
    expect(bodyOf(response)).toEqual({ status: 'error', message });
    expect(events).toEqual([]);
    expect(targets.privateTarget.connections).toBe(0);
    expect(targets.dials.filter((address) => address !== '127.0.0.1')).toEqual([]);
  });

  it('refuses a body that trickles past the time limit with 400', async () => {
    const { handler, events } = setup();
    const started = Date.now();
    const response = await handler(byUrl({ url: at('/slow') }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).message).toBe('Could not fetch the url: The URL did not answer within 6 s');
    expect(Date.now() - started).toBeLessThan(9000);
    expect(events).toEqual([]);
  });

  it('applies the direct-upload size limit to what it fetches', async () => {
    const { handler } = setup({ maxImageBytes: 100 });
    const response = await handler(byUrl({ url: at('/image') }));
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).message).toBe('Image exceeds the 100 bytes limit (100 bytes)');
  });

  it.each([
    ['no url', {}, 'Expected a multipart/form-data body with the image in the field "image"'],
    ['a url that is not a string', { url: 42 }, 'url must be a string: the https:// address of the image (or send the image itself as multipart/form-data)'],
    ['not JSON', 'url=https://x', 'The body must be JSON: {"url": "https://..."}, or send the image as multipart/form-data'],
    ['a JSON array', ['https://x'], 'The body must be a JSON object: {"url": "https://..."}'],
  ])('refuses a JSON body with %s', async (_name, body, message) => {
    const { handler } = setup();
    const response = await handler(byUrl(body));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).message).toBe(message);
  });
});
