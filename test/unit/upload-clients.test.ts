import { describe, expect, it } from 'vitest';
import { createDeleteByLinkHandler } from '../../functions/delete-by-link';
import { published } from '../support/http';
import { hashDeleteToken } from '../../functions/core/delete-links';
import {
  type IdempotencyRecord,
  type IdempotencyRecords,
  IN_FLIGHT_LEASE_SECONDS,
  IDEMPOTENCY_WINDOW_SECONDS,
  idempotencyRecordId,
  openResponse,
  parseIdempotencyKey,
  requestFingerprint,
  sealResponse,
} from '../../functions/core/idempotency';
import { createStartUploadHandler } from '../../functions/start-upload';
import { prefersText } from '../../functions/transport/text-mode';
import { createUploadHandler } from '../../functions/upload-image';
import {
  ACCOUNT,
  apiEvent,
  bodyOf,
  FakeCounter,
  FakeMultipartUploads,
  FakeObjects,
  FakeRecords,
  fixture,
  MemoryLog,
  multipart,
  NOW_MS,
  quotaWith,
  TEST_CONFIG,
} from './support/fakes';

/**
 * Idempotency-Key, text mode and delete links on the upload handlers, with in-memory storage
 * (docs/api.md). The DynamoDB adapter's conditions are held to the same behaviour against the
 * local emulator by test/integration/upload-clients.test.ts.
 */

const PNG = fixture('sample.png');
const GIF = fixture('sample.gif');

/** Idempotency records with the adapter's semantics: a claim wins unless a live record holds the id. */
class MemoryIdempotency implements IdempotencyRecords {
  readonly items = new Map<string, IdempotencyRecord>();
  claims = 0;
  async claim(id: string, record: IdempotencyRecord, now: number): Promise<IdempotencyRecord | undefined> {
    this.claims += 1;
    const held = this.items.get(id);
    if (held && held.expiresAt > now && (held.state === 'done' || held.leaseUntil > now)) return held;
    this.items.set(id, record);
    return undefined;
  }
  async complete(id: string, owner: string, response: string): Promise<boolean> {
    const held = this.items.get(id);
    if (held?.owner !== owner) return false;
    this.items.set(id, { ...held, state: 'done', response });
    return true;
  }
  async release(id: string, owner: string): Promise<void> {
    if (this.items.get(id)?.owner === owner) this.items.delete(id);
  }
}

function setup(options: { now?: () => number } = {}) {
  const events: string[] = [];
  const objects = new FakeObjects(events);
  const records = new FakeRecords(events);
  const counter = new FakeCounter();
  const idempotency = new MemoryIdempotency();
  let nowMs = NOW_MS;
  const clock = options.now ?? (() => nowMs);
  const handler = createUploadHandler({
    config: TEST_CONFIG,
    quota: quotaWith(counter, 1000, clock),
    objects,
    records,
    log: new MemoryLog(),
    idempotency,
    now: () => new Date(clock()),
  });
  return { handler, objects, records, counter, idempotency, events, advance: (ms: number) => (nowMs += ms) };
}

const BOUNDARY = 'clientsBoundary0123456789';

function upload(image: Buffer, headers: Record<string, string> = {}, boundary = BOUNDARY) {
  return apiEvent({
    httpMethod: 'POST',
    resource: '/api/images/upload',
    path: '/api/images/upload',
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'Content-Type': `multipart/form-data; boundary=${boundary}`, ...headers },
    body: multipart(boundary, [{ name: 'image', filename: 'shot.png', contentType: 'image/png', data: image }]).toString('base64'),
    isBase64Encoded: true,
  });
}

const counted = (counter: FakeCounter) => [...counter.counts.values()].reduce((a, b) => a + b, 0);

describe('parseIdempotencyKey', () => {
  it.each([
    ['"8e03978e-40d5-43e8-bc93-6894a57f9324"', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['"with \\"quotes\\" and spaces"', 'with "quotes" and spaces'],
    ['  padded  ', 'padded'],
  ])('reads %s', (header, key) => {
    expect(parseIdempotencyKey(header)).toBe(key);
  });

  it('is undefined without the header', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it.each([[''], ['""'], ['"unterminated'], ['two words'], ['é'], [`"${'k'.repeat(256)}"`], ['"\\x"']])('refuses %j with a 400', (header) => {
    expect(() => parseIdempotencyKey(header)).toThrow(/Idempotency-Key must be 1 to 255 visible ASCII characters/);
  });
});

describe('requestFingerprint and sealing', () => {
  it('is the same for the same fields in another order, and differs for other bytes, fields or operations', () => {
    const base = requestFingerprint('upload', { a: 1, b: { c: 2, d: 3 } }, PNG);
    expect(requestFingerprint('upload', { b: { d: 3, c: 2 }, a: 1 }, PNG)).toBe(base);
    expect(requestFingerprint('upload', { a: 1, b: { c: 2, d: 3 } }, GIF)).not.toBe(base);
    expect(requestFingerprint('upload', { a: 2, b: { c: 2, d: 3 } }, PNG)).not.toBe(base);
    expect(requestFingerprint('large-upload', { a: 1, b: { c: 2, d: 3 } }, PNG)).not.toBe(base);
  });

  it('opens a sealed response only with the idempotency key and account it was sealed under', () => {
    const response = { statusCode: 201, headers: { Location: '/x' }, body: '{"delete_url":"secret"}' };
    const sealed = sealResponse(response, { accountId: ACCOUNT, key: 'k1' });
    expect(sealed).not.toContain('secret');
    expect(openResponse(sealed, { accountId: ACCOUNT, key: 'k1' })).toEqual(response);
    expect(() => openResponse(sealed, { accountId: ACCOUNT, key: 'k2' })).toThrow();
    expect(() => openResponse(sealed, { accountId: 'acct_other', key: 'k1' })).toThrow();
  });
});

describe('Idempotency-Key on POST /api/images/upload', () => {
  it('answers a retry with the first response: one image, one count, even with a new multipart boundary', async () => {
    const { handler, records, counter } = setup();
    const first = await handler(upload(PNG, { 'Idempotency-Key': '"retry-1"' }));
    const again = await handler(upload(PNG, { 'Idempotency-Key': '"retry-1"' }, 'anotherBoundary987654321'));
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers?.Location).toBe(first.headers?.Location);
    expect(again.headers?.['Idempotent-Replayed']).toBe('true');
    expect(first.headers?.['Idempotent-Replayed']).toBeUndefined();
    expect(records.items.size).toBe(1);
    expect(counted(counter)).toBe(1);
    // The replay carries the same one-time delete link, whose token the image record keeps hashed.
    const { data } = bodyOf(again);
    expect(records.items.get(data.id)?.deleteTokenHash).toBe(hashDeleteToken(String(data.delete_url).split('/').pop()!));
  });

  it('keeps the first response sealed: the stored record shows neither the body nor the delete token', async () => {
    const { handler, idempotency } = setup();
    const first = await handler(upload(PNG, { 'Idempotency-Key': 'sealed-1' }));
    const token = String(bodyOf(first).data.delete_url).split('/').pop()!;
    const [stored] = [...idempotency.items.values()];
    expect(stored.state).toBe('done');
    expect(stored.response).not.toContain(token);
    expect(stored.response).not.toContain(bodyOf(first).data.id);
  });

  it('answers the same key with another image 422, without storing or counting anything', async () => {
    const { handler, records, counter } = setup();
    expect((await handler(upload(PNG, { 'Idempotency-Key': 'k' }))).statusCode).toBe(201);
    const other = await handler(upload(GIF, { 'Idempotency-Key': 'k' }));
    expect(other.statusCode).toBe(422);
    expect(bodyOf(other)).toEqual({ status: 'error', message: 'This Idempotency-Key was already used with a different request' });
    expect(records.items.size).toBe(1);
    expect(counted(counter)).toBe(1);
  });

  it('answers 409 with Retry-After while the first request still runs, counting nothing for it', async () => {
    const { handler, objects, records, counter } = setup();
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    const put = objects.put.bind(objects);
    objects.put = async (...args) => {
      await gate;
      return put(...args);
    };
    const first = handler(upload(PNG, { 'Idempotency-Key': 'slow' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const during = await handler(upload(PNG, { 'Idempotency-Key': 'slow' }));
    expect(during.statusCode).toBe(409);
    expect(during.headers?.['Retry-After']).toBe('1');
    letGo();
    expect((await first).statusCode).toBe(201);
    expect(records.items.size).toBe(1);
    expect(counted(counter)).toBe(1);
  });

  it('scopes keys to the account: another account with the same key makes its own image', async () => {
    const { handler, records } = setup();
    await handler(upload(PNG, { 'Idempotency-Key': 'shared' }));
    const event = { ...upload(PNG, { 'Idempotency-Key': 'shared' }), requestContext: apiEvent({ accountId: 'acct_bob00000000000000000', keyId: 'key_bob' }).requestContext };
    expect((await handler(event)).statusCode).toBe(201);
    expect(records.items.size).toBe(2);
  });

  it('forgets a key after 24 hours (checked on read, not left to the TTL)', async () => {
    const { handler, records, advance } = setup();
    await handler(upload(PNG, { 'Idempotency-Key': 'day' }));
    advance((IDEMPOTENCY_WINDOW_SECONDS - 1) * 1000);
    expect((await handler(upload(PNG, { 'Idempotency-Key': 'day' }))).headers?.['Idempotent-Replayed']).toBe('true');
    advance(2000);
    const later = await handler(upload(PNG, { 'Idempotency-Key': 'day' }));
    expect(later.headers?.['Idempotent-Replayed']).toBeUndefined();
    expect(records.items.size).toBe(2);
  });

  it('lets a retry take over a claim whose request died (its lease ran out)', async () => {
    const { handler, idempotency, records, advance } = setup();
    // The claim a request left when it died mid-way (same request: same fingerprint).
    const now = Math.floor(NOW_MS / 1000);
    idempotency.items.set(idempotencyRecordId(ACCOUNT, 'crashed'), {
      // What the handler fingerprints: the form's fields and the SHA-256 of the bytes it stores.
      fingerprint: requestFingerprint('upload', { fields: {}, sha256: published(PNG).sha256 }),
      state: 'in-flight',
      owner: 'dead',
      leaseUntil: now + IN_FLIGHT_LEASE_SECONDS,
      expiresAt: now + IDEMPOTENCY_WINDOW_SECONDS,
    });
    expect((await handler(upload(PNG, { 'Idempotency-Key': 'crashed' }))).statusCode).toBe(409);
    advance((IN_FLIGHT_LEASE_SECONDS + 1) * 1000);
    expect((await handler(upload(PNG, { 'Idempotency-Key': 'crashed' }))).statusCode).toBe(201);
    expect(records.items.size).toBe(1);
  });

  it('releases the key when the request fails, so a corrected retry runs (and each try counts)', async () => {
    const { handler, records, counter, idempotency } = setup();
    const bad = await handler(upload(fixture('not-an-image.png'), { 'Idempotency-Key': 'fix-me' }));
    expect(bad.statusCode).toBe(400);
    expect(idempotency.items.size).toBe(0);
    // Not the same request (other bytes), but the key is free again: no 422.
    expect((await handler(upload(PNG, { 'Idempotency-Key': 'fix-me' }))).statusCode).toBe(201);
    expect(records.items.size).toBe(1);
    expect(counted(counter)).toBe(2);
  });

  it('releases the key when the hour is full: the 429 is not kept', async () => {
    const events: string[] = [];
    const idempotency = new MemoryIdempotency();
    const counter = new FakeCounter();
    const handler = createUploadHandler({
      config: TEST_CONFIG,
      quota: quotaWith(counter, 1),
      objects: new FakeObjects(events),
      records: new FakeRecords(events),
      log: new MemoryLog(),
      idempotency,
    });
    expect((await handler(upload(PNG))).statusCode).toBe(201);
    const limited = await handler(upload(PNG, { 'Idempotency-Key': 'later' }));
    expect(limited.statusCode).toBe(429);
    expect(idempotency.items.size).toBe(0);
  });

  it('refuses a malformed key with 400 and counts the request like any other', async () => {
    const { handler, counter, records } = setup();
    const response = await handler(upload(PNG, { 'Idempotency-Key': 'two words' }));
    expect(response.statusCode).toBe(400);
    expect(records.items.size).toBe(0);
    expect(counted(counter)).toBe(1);
    expect(response.headers?.['X-RateLimit-Remaining']).toBe('999');
  });

  it('without a key, every upload is its own image', async () => {
    const { handler, records, counter } = setup();
    await handler(upload(PNG));
    await handler(upload(PNG));
    expect(records.items.size).toBe(2);
    expect(counted(counter)).toBe(2);
  });
});

describe('Idempotency-Key on POST /api/images/uploads', () => {
  function start(body: string, key?: string) {
    return apiEvent({
      httpMethod: 'POST',
      resource: '/api/images/uploads',
      path: '/api/images/uploads',
      body,
      headers: { 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    });
  }

  function setupStart() {
    const records = new FakeRecords();
    const counter = new FakeCounter();
    const uploads = new FakeMultipartUploads();
    const handler = createStartUploadHandler({
      config: TEST_CONFIG,
      quota: quotaWith(counter),
      records,
      links: { uploadLink: async (key) => ({ method: 'PUT', url: `https://bucket.example/${key}?sig=${Math.random()}` }) },
      uploads,
      idempotency: new MemoryIdempotency(),
      now: () => new Date(NOW_MS),
    });
    return { handler, records, counter, uploads };
  }

  it('replays the first pending image and its upload ticket; another body is a 422', async () => {
    const { handler, records, counter } = setupStart();
    const first = await handler(start('{"size": 1000}', 'large-1'));
    const again = await handler(start('{ "size" : 1000 }', 'large-1'));
    expect(first.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(records.items.size).toBe(1);
    expect(counted(counter)).toBe(1);
    expect((await handler(start('{"size": 2000}', 'large-1'))).statusCode).toBe(422);
    expect(bodyOf(first).data.delete_url).toMatch(/\/api\/images\/[A-Za-z0-9_-]{22}\/delete\/[A-Za-z0-9_-]{43}$/);
  });

  it('a retried multipart start answers the one multipart upload it started: one S3 upload, one record, one count', async () => {
    const { handler, records, counter, uploads } = setupStart();
    const body = JSON.stringify({ size: 12 * 1024 * 1024, multipart: true, visibility: 'public' });
    const answers = await Promise.all([handler(start(body, 'mp-1')), handler(start(body, 'mp-1'))]);
    // One of two concurrent starts may be told to retry (409); the retry then replays.
    const settled = await Promise.all(answers.map(async (answer) => (answer.statusCode === 409 ? handler(start(body, 'mp-1')) : answer)));
    expect(settled.map((answer) => answer.statusCode)).toEqual([201, 201]);
    expect(settled[1].body).toBe(settled[0].body);
    expect(uploads.calls.filter((call) => call.startsWith('create '))).toHaveLength(1);
    expect(records.items.size).toBe(1);
    expect(counted(counter)).toBe(1);
    const { data } = bodyOf(settled[0]);
    expect(data.upload).toMatchObject({ method: 'multipart', part_count: 3 });
    // The pending multipart record keeps the delete link's hash, like any upload.
    expect(records.items.get(data.id)?.deleteTokenHash).toBe(hashDeleteToken(String(data.delete_url).split('/').pop()!));
    expect(records.items.get(data.id)?.multipart?.uploadId).toBe('upload-1');
    // The same key with a part size asked for is another request.
    expect((await handler(start(JSON.stringify({ size: 12 * 1024 * 1024, multipart: true, part_size: 6 * 1024 * 1024 }), 'mp-1'))).statusCode).toBe(422);
    expect(uploads.calls.filter((call) => call.startsWith('create '))).toHaveLength(1);
  });
});

describe('text mode', () => {
  it.each([
    ['text/plain', true],
    ['text/plain, */*', true],
    ['text/*', true],
    ['application/json, text/plain;q=0.5', false],
    ['text/plain;q=0.5, application/json', false],
    ['*/*', false],
    ['application/json', false],
    ['text/plain;q=0', false],
    ['text/html', false],
  ])('Accept: %s prefers text: %s', (accept, text) => {
    expect(prefersText({ headers: { Accept: accept } })).toBe(text);
  });

  it('answers the URL alone with 201 and the usual headers, and an error with its status and message alone', async () => {
    const { handler } = setup();
    const ok = await handler(upload(PNG, { Accept: 'text/plain' }));
    expect(ok.statusCode).toBe(201);
    expect(ok.headers?.['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(ok.body).toMatch(/^https:\/\/abc123\.execute-api\.us-east-1\.amazonaws\.com\/v1\/image\/[A-Za-z0-9_-]{22}$/);
    expect(ok.headers?.Location).toMatch(/^\/v1\/api\/images\//);
    expect(ok.headers?.['X-RateLimit-Remaining']).toBe('999');
    const bad = await handler(upload(fixture('script.svg'), { Accept: 'text/plain' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.headers?.['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(bad.body).toBe('Invalid image format');
  });

  it('renders a replay in the representation the retry asks for', async () => {
    const { handler } = setup();
    const json = await handler(upload(PNG, { 'Idempotency-Key': 'both' }));
    const text = await handler(upload(PNG, { 'Idempotency-Key': 'both', Accept: 'text/plain' }));
    expect(text.body).toBe(bodyOf(json).data.url);
  });
});

describe('delete links', () => {
  async function uploaded() {
    const { handler, records, objects } = setup();
    const { data } = bodyOf(await handler(upload(PNG)));
    const [, token] = /\/delete\/([A-Za-z0-9_-]{43})$/.exec(String(data.delete_url))!;
    const link = createDeleteByLinkHandler({ records, objects });
    const open = (method: string, id = data.id as string, t = token) =>
      link(
        apiEvent({
          httpMethod: method,
          resource: '/api/images/{image_id}/delete/{token}',
          path: `/api/images/${id}/delete/${t}`,
          pathParameters: { image_id: id, token: t },
          accountId: null,
        }),
      );
    return { data, token, records, objects, open };
  }

  it('GET shows the confirmation page and deletes nothing, however often it is opened', async () => {
    const { data, records, objects, open } = await uploaded();
    for (let i = 0; i < 3; i += 1) {
      const page = await open('GET');
      expect(page.statusCode).toBe(200);
      expect(page.headers?.['Content-Type']).toBe('text/html; charset=utf-8');
      expect(page.headers?.['Cache-Control']).toBe('no-store');
      expect(page.headers?.['Referrer-Policy']).toBe('no-referrer');
      expect(page.headers?.['X-Frame-Options']).toBe('DENY');
      expect(page.body).toContain('<form method="post"><button type="submit">Delete</button></form>');
      expect(page.body).toContain(data.id);
      // For a person: the upload time to the minute in UTC, the size readable beside its bytes.
      expect(page.body).toContain(`<dd>${data.created_at.slice(0, 10)} ${data.created_at.slice(11, 16)} UTC</dd>`);
      expect(page.body).toMatch(new RegExp(`<dd>(\\d+\\.\\d (KiB|MiB) \\()?${data.size.toLocaleString('en-US')} bytes\\)?</dd>`));
    }
    expect(records.items.has(data.id)).toBe(true);
    expect(objects.items.has(`images/${data.id}`)).toBe(true);
  });

  it('POST deletes the object and the record; the link then names nothing', async () => {
    const { data, records, objects, open } = await uploaded();
    const done = await open('POST');
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Image deleted');
    expect(objects.items.has(`images/${data.id}`)).toBe(false);
    expect(records.items.has(data.id)).toBe(false);
    expect((await open('GET')).statusCode).toBe(404);
    expect((await open('POST')).statusCode).toBe(404);
  });

  it.each([
    ['another token of the right shape', (t: string) => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`],
    ['a token of the wrong shape', () => 'short'],
  ])('refuses %s with the 404 page, deleting nothing', async (_name, wrong) => {
    const { data, records, token, open } = await uploaded();
    for (const method of ['GET', 'POST']) {
      const page = await open(method, data.id, wrong(token));
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain('Not a valid delete link');
    }
    expect(records.items.has(data.id)).toBe(true);
  });
});
