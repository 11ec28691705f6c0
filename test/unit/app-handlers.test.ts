import { describe, expect, it } from 'vitest';
import type { EdgeChanges } from '../../functions/core/edge-entries';
import type { LookupEntry } from '../../functions/core/image-lookups';
import type { ImageUpdate } from '../../functions/core/image-updates';
import type { ImageRecord } from '../../functions/core/images';
import { createDeleteByLinkHandler } from '../../functions/delete-by-link';
import { createPatchImageHandler } from '../../functions/patch-image';
import { createUploadHandler } from '../../functions/upload-image';
import { ACCOUNT, apiEvent, bodyOf, FakeObjects, FakeRecords, fixture, MemoryLog, multipart, OTHER_ACCOUNT, quotaWith, readyRecord, TEST_CONFIG } from './support/fakes';

/** The image records with the app operations: the by-SHA index and metadata updates (in memory). */
class AppRecords extends FakeRecords {
  async findBySha(accountId: string, sha256: string): Promise<ImageRecord | undefined> {
    this.events.push(`records.findBySha ${sha256.slice(0, 8)}`);
    return [...this.items.values()].find((record) => record.accountId === accountId && record.sha256 === sha256 && record.state === 'ready');
  }
  async update(id: string, accountId: string, update: ImageUpdate): Promise<ImageRecord | undefined> {
    this.events.push(`records.update ${id}`);
    const record = this.items.get(id);
    if (!record || record.accountId !== accountId) return undefined;
    const { metadata, visibility, imageExpiresAt, ...rest } = record;
    const nextMetadata = update.metadata === undefined ? metadata : (update.metadata ?? undefined);
    const nextVisibility = update.visibility ?? visibility;
    const nextExpiry = update.imageExpiresAt === undefined ? imageExpiresAt : (update.imageExpiresAt ?? undefined);
    const updated: ImageRecord = {
      ...rest,
      ...(nextMetadata && Object.keys(nextMetadata).length > 0 ? { metadata: nextMetadata } : {}),
      ...(nextVisibility === 'private' ? { visibility: 'private' as const } : {}),
      ...(nextExpiry === undefined ? {} : { imageExpiresAt: nextExpiry }),
    };
    this.items.set(id, updated);
    return updated;
  }
}

class FakeLookups {
  readonly items = new Map<string, LookupEntry>();
  constructor(readonly events: string[]) {}
  async put(entries: readonly LookupEntry[]): Promise<void> {
    this.events.push(`lookups.put ${entries.map((e) => e.partition.split('#').slice(2).join('=')).join(',')}`);
    for (const entry of entries) this.items.set(`${entry.partition}|${entry.sort}`, entry);
  }
  async delete(entries: readonly Pick<LookupEntry, 'partition' | 'sort'>[]): Promise<void> {
    this.events.push(`lookups.delete ${entries.map((e) => e.partition.split('#').slice(2).join('=')).join(',')}`);
    for (const entry of entries) this.items.delete(`${entry.partition}|${entry.sort}`);
  }
}

const BOUNDARY = 'appsBoundary0123456789';

function uploadEvent(parts: Parameters<typeof multipart>[1], query: Record<string, string> | null = null) {
  return apiEvent({
    httpMethod: 'POST',
    resource: '/api/images/upload',
    path: '/api/images/upload',
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
    body: multipart(BOUNDARY, parts).toString('base64'),
    isBase64Encoded: true,
    queryStringParameters: query,
  });
}

function setup() {
  const events: string[] = [];
  const records = new AppRecords(events);
  const lookups = new FakeLookups(events);
  const objects = new FakeObjects(events);
  const upload = createUploadHandler({ config: TEST_CONFIG, quota: quotaWith(), objects, records, lookups, log: new MemoryLog() });
  return { events, records, lookups, objects, upload };
}

const PNG = fixture('sample.png');
const image = (data = PNG) => ({ name: 'image', filename: 'a.png', contentType: 'image/png', data });

describe('upload with metadata and duplicates', () => {
  it('writes the metadata lookups after the object and before the record, and answers the metadata', async () => {
    const { upload, events } = setup();
    const response = await upload(uploadEvent([{ name: 'metadata', data: Buffer.from('{"user":"42","album":"x"}') }, image()]));
    expect(response.statusCode).toBe(201);
    const { data } = bodyOf(response);
    expect(data).toMatchObject({ metadata: { user: '42', album: 'x' }, thumbhash: null, dominant_color: null });
    expect(data.duplicate_of).toBeUndefined();
    expect(events).toEqual([expect.stringMatching(/^records.findBySha /), `objects.put images/${data.id}`, 'lookups.put user=42,album=x', `records.create ${data.id}`]);
  });

  it('names the earlier image of the same bytes, and with on_duplicate=return answers it (200) and stores nothing', async () => {
    const { upload, events, records } = setup();
    const first = bodyOf(await upload(uploadEvent([image()]))).data;
    const second = await upload(uploadEvent([image()]));
    expect(second.statusCode).toBe(201);
    expect(bodyOf(second).data.duplicate_of).toBe(first.id);
    events.length = 0;
    const returned = await upload(uploadEvent([image()], { on_duplicate: 'return' }));
    expect(returned.statusCode).toBe(200);
    expect(bodyOf(returned).data.id).toBe(first.id);
    expect(returned.headers?.Location).toBeUndefined();
    expect(events).toEqual([expect.stringMatching(/^records.findBySha /)]);
    expect(records.items.size).toBe(2);
    // Another account's copy is not a duplicate.
    records.items.set(first.id, { ...records.items.get(first.id)!, accountId: OTHER_ACCOUNT });
    records.items.delete(bodyOf(second).data.id);
    expect((await upload(uploadEvent([image()], { on_duplicate: 'return' }))).statusCode).toBe(201);
  });

  it('refuses bad metadata and an unknown on_duplicate with 400, before storing anything', async () => {
    const { upload, events } = setup();
    const bad = await upload(uploadEvent([{ name: 'metadata', data: Buffer.from('{"User":"x"}') }, image()]));
    expect(bad.statusCode).toBe(400);
    const option = await upload(uploadEvent([image()], { on_duplicate: 'yes' }));
    expect(bodyOf(option)).toEqual({ status: 'error', message: 'on_duplicate must be "store" or "return"' });
    expect(events).toEqual([]);
  });
});

describe('the delete link of an image with metadata', () => {
  it('the upload answers its delete_url (not the 200 of on_duplicate=return); the link removes the image and its lookups', async () => {
    const { upload, records, objects, lookups, events } = setup();
    const { data } = bodyOf(await upload(uploadEvent([{ name: 'metadata', data: Buffer.from('{"user":"42"}') }, image()])));
    expect(records.items.get(data.id)?.deleteTokenHash).toMatch(/^[0-9a-f]{64}$/);
    const returned = bodyOf(await upload(uploadEvent([image()], { on_duplicate: 'return' }))).data;
    expect(returned.id).toBe(data.id);
    // The link was shown once, with its own upload.
    expect(returned.delete_url).toBeUndefined();
    expect(lookups.items.size).toBe(1);
    const [, token] = /\/delete\/([A-Za-z0-9_-]{43})$/.exec(String(data.delete_url))!;
    const link = createDeleteByLinkHandler({ records, objects, lookups, log: new MemoryLog() });
    events.length = 0;
    const response = await link(
      apiEvent({
        httpMethod: 'POST',
        resource: '/api/images/{image_id}/delete/{token}',
        path: `/api/images/${data.id}/delete/${token}`,
        pathParameters: { image_id: data.id, token },
        accountId: null,
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(records.items.has(data.id)).toBe(false);
    expect(lookups.items.size).toBe(0);
    expect(events).toContain('lookups.delete user=42');
  });
});

describe('PATCH /api/images/{image_id}', () => {
  function patch(id: string, body: unknown) {
    return apiEvent({
      httpMethod: 'PATCH',
      resource: '/api/images/{image_id}',
      path: `/api/images/${id}`,
      pathParameters: { image_id: id },
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }
  const NOW_MS = Date.parse('2026-11-27T10:00:00.000Z');
  function handler() {
    const { events, records, lookups } = setup();
    const record = readyRecord({ metadata: { user: '42', keep: 'y' } });
    records.items.set(record.id, record);
    const edge = {
      async update(changes: EdgeChanges) {
        for (const put of changes.puts ?? []) events.push(`edge.put ${put.key} ${put.value}`);
        for (const key of changes.deletes ?? []) events.push(`edge.delete ${key}`);
        return { itemCount: 0, totalBytes: 0 };
      },
    };
    const update = createPatchImageHandler({ config: TEST_CONFIG, quota: quotaWith(), records, lookups, log: new MemoryLog(), edge, now: () => NOW_MS });
    return { events, records, record, update };
  }

  it('adds the gained pairs first, then the record, then removes the lost pairs, and answers the image; the edge is left alone', async () => {
    const { update, record, events } = handler();
    const response = await update(patch(record.id, { metadata: { user: '43', keep: 'y' } }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).data.metadata).toEqual({ user: '43', keep: 'y' });
    expect(events).toEqual(['lookups.put user=43', `records.update ${record.id}`, 'lookups.delete user=42']);
  });

  it('null removes the metadata', async () => {
    const { update, record, records } = handler();
    const response = await update(patch(record.id, { metadata: null }));
    expect(bodyOf(response).data.metadata).toEqual({});
    expect(records.items.get(record.id)!.metadata).toBeUndefined();
  });

  it('changes metadata, visibility and expiry in one request: the edge entry before the record, the metadata kept in its order', async () => {
    const { update, record, records, events } = handler();
    const response = await update(patch(record.id, { metadata: { user: '43' }, visibility: 'private', expires_in: 3600 }));
    expect(response.statusCode).toBe(200);
    const expiresAt = NOW_MS / 1000 + 3600;
    expect(bodyOf(response).data).toMatchObject({ metadata: { user: '43' }, visibility: 'private', expires_at: new Date(expiresAt * 1000).toISOString() });
    expect(events).toEqual([`edge.put ${record.id} p|${expiresAt}|${ACCOUNT}`, 'lookups.put user=43', `records.update ${record.id}`, 'lookups.delete user=42,keep=y']);
    // Public for good again: the record first, then the edge's entry goes; the metadata stays.
    events.length = 0;
    const opened = await update(patch(record.id, { visibility: 'public', expires_at: null }));
    expect(bodyOf(opened).data).toMatchObject({ metadata: { user: '43' }, visibility: 'public' });
    expect(bodyOf(opened).data.expires_at).toBeUndefined();
    expect(events).toEqual([`records.update ${record.id}`, `edge.delete ${record.id}`]);
    expect(records.items.get(record.id)).toMatchObject({ metadata: { user: '43' } });
  });

  it('another account\'s image is a 404; an unknown field, nothing to change, bad metadata or a body that is not JSON a 400', async () => {
    const { update, record, records, events } = handler();
    records.items.set(record.id, { ...record, accountId: OTHER_ACCOUNT });
    expect((await update(patch(record.id, { metadata: { a: '1' } }))).statusCode).toBe(404);
    expect((await update(patch(record.id, { visibility: 'private' }))).statusCode).toBe(404);
    records.items.set(record.id, { ...record, accountId: ACCOUNT });
    expect(bodyOf(await update(patch(record.id, { name: 'x' }))).message).toMatch(/^Unknown field "name"/);
    expect(bodyOf(await update(patch(record.id, {}))).message).toBe('Nothing to change: send metadata, visibility, expires_at or expires_in');
    expect((await update(patch(record.id, { metadata: { a: 1 } }))).statusCode).toBe(400);
    expect((await update(patch(record.id, { visibility: 'hidden' }))).statusCode).toBe(400);
    expect((await update(patch(record.id, 'nope'))).statusCode).toBe(400);
    expect(events).toEqual([]);
  });
});
