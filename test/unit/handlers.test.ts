import { published } from '../support/http';
import { describe, expect, it } from 'vitest';
import { createDeleteImageHandler } from '../../functions/delete-image';
import { createGetImageHandler } from '../../functions/get-image';
import { createListImagesHandler } from '../../functions/list-images';
import { createStartUploadHandler } from '../../functions/start-upload';
import { PENDING_GRACE_SECONDS } from '../../functions/core/large-upload';
import { hashDeleteToken } from '../../functions/core/delete-links';
import { createUploadHandler } from '../../functions/upload-image';
import { createViewImageHandler } from '../../functions/view-image';
import { decodeCursor, encodeCursor } from '../../functions/core/cursor';
import {
  ACCOUNT,
  apiEvent,
  BASE_URL,
  bodyOf,
  FakeCounter,
  FakeMultipartUploads,
  FakeObjects,
  FakeRecords,
  fixture,
  MemoryLog,
  multipart,
  NOW_MS,
  OTHER_ACCOUNT,
  quotaWith,
  readyRecord,
  TEST_CONFIG,
} from './support/fakes';

const BOUNDARY = 'unitBoundary0123456789';
const PNG = fixture('sample.png');

function uploadEvent(parts: Parameters<typeof multipart>[1], contentType = `multipart/form-data; boundary=${BOUNDARY}`) {
  return apiEvent({
    httpMethod: 'POST',
    resource: '/api/images/upload',
    path: '/api/images/upload',
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'Content-Type': contentType },
    body: multipart(BOUNDARY, parts).toString('base64'),
    isBase64Encoded: true,
  });
}

function imageEvent(id: string | undefined, httpMethod = 'GET') {
  return apiEvent({
    httpMethod,
    resource: '/api/images/{image_id}',
    path: `/api/images/${id}`,
    pathParameters: id === undefined ? null : { image_id: id },
  });
}

function uploadSetup() {
  const events: string[] = [];
  const objects = new FakeObjects(events);
  const records = new FakeRecords(events);
  const log = new MemoryLog();
  const handler = createUploadHandler({ config: TEST_CONFIG, quota: quotaWith(new FakeCounter()), objects, records, log });
  return { events, objects, records, log, handler };
}

describe('createUploadHandler', () => {
  it('answers 201 with Location and the image fields, after storing the object then the record', async () => {
    const { handler, objects, records, events } = uploadSetup();
    const response = await handler(uploadEvent([{ name: 'image', filename: 'sample.png', contentType: 'image/png', data: PNG }]));
    expect(response.statusCode).toBe(201);
    const { status, data } = bodyOf(response);
    expect(status).toBe('success');
    expect(data).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      url: `${BASE_URL}/image/${data.id}`,
      state: 'ready',
      width: 64,
      height: 48,
      format: 'png',
      content_type: 'image/png',
      size: published(PNG).size,
      sha256: published(PNG).sha256,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      // No metadata sent; analysed after publishing (docs/apps.md).
      metadata: {},
      thumbhash: null,
      dominant_color: null,
      visibility: 'public',
      delete_url: expect.stringMatching(new RegExp(`^${BASE_URL}/api/images/${data.id}/delete/[A-Za-z0-9_-]{43}$`)),
    });
    // The delete link's token is shown once: the record keeps only its hash.
    expect(records.items.get(data.id)?.deleteTokenHash).toBe(hashDeleteToken(data.delete_url.split('/').pop()));
    expect(response.headers?.Location).toBe(`/v1/api/images/${data.id}`); // under the stage the client called
    expect(response.headers?.['X-RateLimit-Remaining']).toBe('999');
    expect(events).toEqual([`objects.put images/${data.id}`, `records.create ${data.id}`]);
    // Stored: the PNG without its text chunks (ImageMagick's dates), pixels untouched.
    expect(Buffer.from(objects.items.get(`images/${data.id}`)!.bytes).equals(Buffer.from(published(PNG).bytes))).toBe(true);
    expect(objects.items.get(`images/${data.id}`)!.contentType).toBe('image/png');
    expect(records.items.get(data.id)).toMatchObject({ accountId: ACCOUNT, objectKey: `images/${data.id}`, state: 'ready' });
  });

  it('sniffs the bytes: a PNG sent as photo.jpg / image/jpeg is stored as png', async () => {
    const { handler, objects } = uploadSetup();
    const response = await handler(uploadEvent([{ name: 'image', filename: 'photo.jpg', contentType: 'image/jpeg', data: PNG }]));
    expect(response.statusCode).toBe(201);
    const { data } = bodyOf(response);
    expect(data.format).toBe('png');
    expect(data.content_type).toBe('image/png');
    expect(objects.items.get(`images/${data.id}`)!.contentType).toBe('image/png');
  });

  it.each([
    ['an SVG', fixture('script.svg'), 400, 'Invalid image format'],
    ['a HEIC', fixture('sample.heic'), 400, 'Invalid image format'],
    ['a text file named .png', fixture('not-an-image.png'), 400, 'Invalid image format'],
    ['an empty file', Buffer.alloc(0), 400, 'The image file is empty'],
  ])('refuses %s with %i and stores nothing', async (_name, data, status, message) => {
    const { handler, events } = uploadSetup();
    const response = await handler(uploadEvent([{ name: 'image', filename: 'x.png', contentType: 'image/png', data }]));
    expect(response.statusCode).toBe(status);
    expect(bodyOf(response)).toEqual({ status: 'error', message });
    expect(events).toEqual([]);
  });

  it('refuses an image over the size limit with 413 and stores nothing', async () => {
    const events: string[] = [];
    const handler = createUploadHandler({
      config: { ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, maxImageBytes: 1024 } },
      quota: quotaWith(),
      objects: new FakeObjects(events),
      records: new FakeRecords(events),
      log: new MemoryLog(),
    });
    const response = await handler(uploadEvent([{ name: 'image', filename: 'sample.png', data: PNG }]));
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).message).toContain('1 KiB');
    expect(events).toEqual([]);
  });

  it('refuses a missing body and a non-multipart body with 400', async () => {
    const { handler } = uploadSetup();
    const empty = await handler(apiEvent({ httpMethod: 'POST', body: null, headers: { 'Content-Type': 'multipart/form-data; boundary=x' } }));
    expect(empty.statusCode).toBe(400);
    const json = await handler(apiEvent({ httpMethod: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } }));
    expect(json.statusCode).toBe(400);
    expect(bodyOf(json).message).toContain('multipart/form-data');
  });

  it('deletes the object again when the record write fails, and answers 5xx', async () => {
    const { handler, records, objects, events, log } = uploadSetup();
    records.createError = Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } });
    const response = await handler(uploadEvent([{ name: 'image', filename: 'sample.png', data: PNG }]));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBeDefined();
    const key = events[0].replace('objects.put ', '');
    expect(events).toEqual([`objects.put ${key}`, `records.create ${key.slice('images/'.length)}`, `objects.delete ${key}`]);
    expect(objects.items.size).toBe(0);
    expect(log.entries).toEqual([]);
  });

  it('logs the orphan when that delete fails too, and the client still gets a 5xx', async () => {
    const { handler, records, objects, log } = uploadSetup();
    records.createError = new Error('ValidationException: something odd');
    const cleanupError = new Error('S3 delete failed');
    objects.deleteError = cleanupError;
    const response = await handler(uploadEvent([{ name: 'image', filename: 'sample.png', data: PNG }]));
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ status: 'error', message: 'Internal server error' });
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).toMatchObject({ level: 'error', details: { objectKey: expect.stringMatching(/^images\//), error: cleanupError } });
  });

  it('a spent hourly window answers 429 even for a malformed body, and a counter outage 503, storing nothing', async () => {
    const events: string[] = [];
    const counter = new FakeCounter();
    const deps = { config: TEST_CONFIG, objects: new FakeObjects(events), records: new FakeRecords(events), log: new MemoryLog() };
    const handler = createUploadHandler({ ...deps, quota: quotaWith(counter, 1) });
    const garbage = apiEvent({ httpMethod: 'POST', body: 'bm90IG11bHRpcGFydA==', isBase64Encoded: true, headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` } });
    expect((await handler(garbage)).statusCode).toBe(400);
    const refused = await handler(garbage);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers?.['Retry-After']).toBe('2700');
    const valid = await handler(uploadEvent([{ name: 'image', filename: 'sample.png', data: PNG }]));
    expect(valid.statusCode).toBe(429);
    counter.failWith = Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } });
    const outage = await createUploadHandler({ ...deps, quota: quotaWith(counter) })(uploadEvent([{ name: 'image', filename: 'sample.png', data: PNG }]));
    expect(outage.statusCode).toBe(503);
    expect(outage.headers?.['Retry-After']).toBeDefined();
    expect(events).toEqual([]);
  });

  it('does not write the record when the object write fails', async () => {
    const { handler, objects, events } = uploadSetup();
    objects.putError = Object.assign(new Error('SlowDown'), { name: 'SlowDown' });
    const response = await handler(uploadEvent([{ name: 'image', filename: 'sample.png', data: PNG }]));
    expect(response.statusCode).toBe(503);
    expect(events.filter((e) => e.startsWith('records.'))).toEqual([]);
  });
});

describe('createGetImageHandler', () => {
  const mine = readyRecord({ id: 'MineMineMineMineMine01' });
  const theirs = readyRecord({ id: 'TheirsTheirsTheirs0001', accountId: OTHER_ACCOUNT });
  function setup() {
    const records = new FakeRecords();
    records.items.set(mine.id, mine);
    records.items.set(theirs.id, theirs);
    return createGetImageHandler({ config: TEST_CONFIG, quota: quotaWith(), records });
  }

  it('answers 200 with the caller own image', async () => {
    const response = await setup()(imageEvent(mine.id));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      status: 'success',
      data: {
        id: mine.id,
        url: `${BASE_URL}/image/${mine.id}`,
        state: 'ready',
        width: 64,
        height: 48,
        format: 'png',
        content_type: 'image/png',
        size: 1449,
        created_at: mine.createdAt,
        metadata: {},
        thumbhash: null,
        dominant_color: null,
        visibility: 'public',
      },
    });
  });

  it.each([
    ['another account image', theirs.id],
    ['an unknown id', 'UnknownUnknownUnknown0'],
    ['a malformed id', 'not-an-id'],
    ['an id with a slash', '../../etc/passwd'],
    ['no id', undefined],
  ])('answers 404 "Image not found" for %s', async (_name, id) => {
    const response = await setup()(imageEvent(id));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ status: 'error', message: 'Image not found' });
    expect(response.headers?.['X-RateLimit-Limit']).toBe('1000');
  });
});

describe('createViewImageHandler (the API domain on AWS)', () => {
  const id = 'ReadyReadyReadyReady01';
  const handler = createViewImageHandler({ publicBaseUrl: 'https://d111111abcdef8.cloudfront.net' });
  const view = (imageId: string, query: Record<string, string[]> | null = null) =>
    handler(apiEvent({ accountId: null, resource: '/image/{image_id}', path: `/image/${imageId}`, pathParameters: { image_id: imageId }, multiValueQueryStringParameters: query }));

  it('answers 301 to the same image on the CDN, for anyone (no authorizer), reading no storage', async () => {
    const response = await view(id);
    expect(response.statusCode).toBe(301);
    expect(response.headers?.Location).toBe(`https://d111111abcdef8.cloudfront.net/image/${id}`);
    expect(response.headers?.['X-Content-Type-Options']).toBe('nosniff');
    expect(response.headers?.['Access-Control-Allow-Origin']).toBe('*');
    expect(bodyOf(response)).toEqual({ status: 'success', data: { id, url: `https://d111111abcdef8.cloudfront.net/image/${id}` } });
  });

  it('keeps the query (transforms) on the redirect, every value of repeated parameters included', async () => {
    const response = await view(id, { w: ['300'], format: ['webp', 'avif'] });
    expect(response.headers?.Location).toBe(`https://d111111abcdef8.cloudfront.net/image/${id}?w=300&format=webp&format=avif`);
  });

  it.each([['malformed', 'bad id!'], ['too short', 'abc']])('answers 404 for a %s id, with nosniff and no Location', async (_name, imageId) => {
    const response = await view(imageId);
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ status: 'error', message: 'Image not found' });
    expect(response.headers?.['X-Content-Type-Options']).toBe('nosniff');
    expect(response.headers?.Location).toBeUndefined();
  });
});

describe('createListImagesHandler', () => {
  function setup(count: number) {
    const records = new FakeRecords();
    for (let i = 0; i < count; i += 1) {
      const id = `Image${String(i).padStart(17, '0')}`;
      records.items.set(id, readyRecord({ id, createdAt: new Date(NOW_MS - (count - i) * 1000).toISOString() }));
    }
    records.items.set('TheirsTheirsTheirs0001', readyRecord({ id: 'TheirsTheirsTheirs0001', accountId: OTHER_ACCOUNT }));
    return createListImagesHandler({ config: TEST_CONFIG, quota: quotaWith(), records });
  }
  const list = (query: Record<string, string> | null) => apiEvent({ queryStringParameters: query });

  it('lists the caller images newest first and pages with an opaque cursor', async () => {
    const handler = setup(5);
    const first = await handler(list({ limit: '2' }));
    expect(first.statusCode).toBe(200);
    const page1 = bodyOf(first).data;
    expect(page1.images.map((i: { id: string }) => i.id)).toEqual(['Image00000000000000004', 'Image00000000000000003']);
    expect(page1.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(page1.next_cursor).not.toContain('acct_');

    const page2 = bodyOf(await handler(list({ limit: '2', cursor: page1.next_cursor }))).data;
    expect(page2.images.map((i: { id: string }) => i.id)).toEqual(['Image00000000000000002', 'Image00000000000000001']);
    const page3 = bodyOf(await handler(list({ limit: '2', cursor: page2.next_cursor }))).data;
    expect(page3.images.map((i: { id: string }) => i.id)).toEqual(['Image00000000000000000']);
    expect(page3.next_cursor).toBeNull();
  });

  it('defaults to 20 per page and never shows another account images', async () => {
    const body = bodyOf(await setup(3)(list(null))).data;
    expect(body.images).toHaveLength(3);
    expect(body.images.every((i: { id: string }) => i.id.startsWith('Image'))).toBe(true);
    expect(body.next_cursor).toBeNull();
  });

  it.each(['0', '101', '-1', 'abc', '1.5', '99999'])('refuses limit=%s with 400', async (limit) => {
    const response = await setup(1)(list({ limit }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).message).toMatch(/limit/);
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['valid base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['a tampered position', Buffer.from(JSON.stringify({ v: 1, p: 'account#other' })).toString('base64url')],
    ['a wrong version', encodeCursor('2026-11-26T10:00:00.000Z#AAAAAAAAAAAAAAAAAAAAAA').replace(/^eyJ2IjoxL/, 'eyJ2IjoyL')],
  ])('refuses a cursor that is %s with 400', async (_name, cursor) => {
    const response = await setup(1)(list({ cursor }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({ status: 'error', message: 'Invalid cursor' });
  });

  it('a real cursor with one character changed is refused', async () => {
    const handler = setup(3);
    const cursor = bodyOf(await handler(list({ limit: '1' }))).data.next_cursor as string;
    expect(decodeCursor(cursor)).toMatch(/#Image00000000000000002$/);
    const tampered = cursor.slice(0, 10) + (cursor[10] === 'A' ? 'B' : 'A') + cursor.slice(11);
    const response = await handler(list({ cursor: tampered }));
    expect(response.statusCode).toBe(400);
  });
});

describe('createDeleteImageHandler', () => {
  const mine = readyRecord({ id: 'MineMineMineMineMine01' });
  const theirs = readyRecord({ id: 'TheirsTheirsTheirs0001', accountId: OTHER_ACCOUNT });
  function setup() {
    const events: string[] = [];
    const records = new FakeRecords(events);
    const objects = new FakeObjects(events);
    for (const record of [mine, theirs]) {
      records.items.set(record.id, record);
      objects.items.set(record.objectKey, { bytes: PNG, contentType: 'image/png', lastModified: new Date() });
    }
    const log = new MemoryLog();
    const handler = createDeleteImageHandler({ config: TEST_CONFIG, quota: quotaWith(), records, objects, log });
    return { handler, records, objects, log, events };
  }

  it('answers 204 with no body, object first (the public URL stops at once) then record; a second delete is 404', async () => {
    const { handler, records, objects, events } = setup();
    const response = await handler(imageEvent(mine.id, 'DELETE'));
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers?.['X-RateLimit-Remaining']).toBe('999');
    expect(events).toEqual([`objects.delete ${mine.objectKey}`, `records.delete ${mine.id}`]);
    expect(records.items.has(mine.id)).toBe(false);
    expect(objects.items.has(mine.objectKey)).toBe(false);
    const again = await handler(imageEvent(mine.id, 'DELETE'));
    expect(again.statusCode).toBe(404);
    expect(bodyOf(again)).toEqual({ status: 'error', message: 'Image not found' });
  });

  it.each([
    ['another account image', theirs.id],
    ['a malformed id', 'nope'],
  ])('answers 404 for %s and deletes nothing', async (_name, id) => {
    const { handler, records, objects, events } = setup();
    const response = await handler(imageEvent(id, 'DELETE'));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).message).toBe('Image not found');
    expect(events).toEqual([]);
    expect(records.items.has(theirs.id)).toBe(true);
    expect(objects.items.has(theirs.objectKey)).toBe(true);
  });

  it('answers 503 when the object delete fails, deleting nothing; the retry finishes the delete', async () => {
    const { handler, records, objects } = setup();
    objects.deleteError = Object.assign(new Error('S3 is having a moment'), { name: 'ServiceUnavailable' });
    const response = await handler(imageEvent(mine.id, 'DELETE'));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBeDefined();
    expect(records.items.has(mine.id)).toBe(true);
    expect(objects.items.has(mine.objectKey)).toBe(true);
    objects.deleteError = undefined;
    expect((await handler(imageEvent(mine.id, 'DELETE'))).statusCode).toBe(204);
    expect(records.items.has(mine.id)).toBe(false);
    expect(objects.items.has(mine.objectKey)).toBe(false);
  });

  it('answers 503 when the record delete fails after the object went; the retry removes the record', async () => {
    const { handler, records, objects } = setup();
    const remove = records.delete.bind(records);
    records.delete = () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    expect((await handler(imageEvent(mine.id, 'DELETE'))).statusCode).toBe(503);
    expect(objects.items.has(mine.objectKey)).toBe(false);
    records.delete = remove;
    expect((await handler(imageEvent(mine.id, 'DELETE'))).statusCode).toBe(204);
    expect(records.items.has(mine.id)).toBe(false);
  });
});

describe('createStartUploadHandler', () => {
  function setup() {
    const records = new FakeRecords();
    const linkCalls: unknown[] = [];
    const handler = createStartUploadHandler({
      config: TEST_CONFIG,
      quota: quotaWith(),
      records,
      links: {
        async uploadLink(key, options) {
          linkCalls.push({ key, options });
          return options.size === undefined
            ? { method: 'POST', url: 'https://bucket.s3.amazonaws.com/', fields: { key, Policy: 'p' } }
            : { method: 'PUT', url: `https://bucket.s3.amazonaws.com/${key}?sig`, headers: { 'Content-Length': String(options.size) } };
        },
      },
      uploads: new FakeMultipartUploads(),
      now: () => new Date(NOW_MS),
    });
    return { handler, records, linkCalls };
  }
  const start = (body: string | null, contentType = 'application/json') =>
    apiEvent({ httpMethod: 'POST', resource: '/api/images/uploads', path: '/api/images/uploads', body, headers: { 'Content-Type': contentType } });

  it('answers 201 with a pending image and a PUT upload when the size is declared', async () => {
    const { handler, records, linkCalls } = setup();
    const response = await handler(start('{"size": 123456, "content_type": "image/jpeg"}'));
    expect(response.statusCode).toBe(201);
    const { data } = bodyOf(response);
    expect(data).toMatchObject({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), state: 'pending', created_at: new Date(NOW_MS).toISOString() });
    expect(data.url).toBe(`${BASE_URL}/image/${data.id}`);
    expect(data.upload).toEqual({
      method: 'PUT',
      url: `https://bucket.s3.amazonaws.com/uploads/${data.id}?sig`,
      headers: { 'Content-Length': '123456' },
      expires_at: new Date(NOW_MS + 900_000).toISOString(),
      max_size: 123456,
    });
    expect(response.headers?.Location).toBe(`/v1/api/images/${data.id}`); // under the stage the client called
    expect(records.items.get(data.id)).toEqual({
      id: data.id,
      accountId: ACCOUNT,
      objectKey: `uploads/${data.id}`,
      state: 'pending',
      createdAt: new Date(NOW_MS).toISOString(),
      expiresAt: NOW_MS / 1000 + 900 + PENDING_GRACE_SECONDS,
      deleteTokenHash: hashDeleteToken(data.delete_url.split('/').pop()),
    });
    expect(data.delete_url).toMatch(new RegExp(`^${BASE_URL}/api/images/${data.id}/delete/[A-Za-z0-9_-]{43}$`));
    expect(linkCalls).toEqual([{ key: `uploads/${data.id}`, options: { size: 123456, maxBytes: 50 * 1024 * 1024, expiresIn: 900 } }]);
  });

  it('answers 201 with a POST form upload when no body is sent', async () => {
    const { handler } = setup();
    const response = await handler(start(null));
    expect(response.statusCode).toBe(201);
    const { upload } = bodyOf(response).data;
    expect(upload.method).toBe('POST');
    expect(upload.fields).toMatchObject({ key: expect.stringMatching(/^uploads\//) });
    expect(upload.headers).toBeUndefined();
    expect(upload.max_size).toBe(50 * 1024 * 1024);
  });

  it('refuses a size over the maximum with 413 naming the limit, writing nothing', async () => {
    const { handler, records } = setup();
    const response = await handler(start(JSON.stringify({ size: 50 * 1024 * 1024 + 1 })));
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).message).toContain('50 MiB');
    expect(records.items.size).toBe(0);
  });

  it.each([
    ['bad JSON', '{"size": ', 'application/json'],
    ['a JSON array', '[1,2]', 'application/json'],
    ['a negative size', '{"size": -1}', 'application/json'],
    ['a fractional size', '{"size": 1.5}', 'application/json'],
    ['a string size', '{"size": "10"}', 'application/json'],
    ['an SVG content_type', '{"content_type": "image/svg+xml"}', 'application/json'],
    ['a numeric content_type', '{"content_type": 5}', 'application/json'],
    ['a non-JSON content type', 'size=10', 'application/x-www-form-urlencoded'],
  ])('refuses %s with 400, writing nothing', async (_name, body, contentType) => {
    const { handler, records } = setup();
    const response = await handler(start(body, contentType));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).status).toBe('error');
    expect(records.items.size).toBe(0);
  });
});
