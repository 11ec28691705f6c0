import { describe, expect, it } from 'vitest';
import type { LookupEntry } from '../../functions/core/image-lookups';
import type { ImageRecord } from '../../functions/core/images';
import type { UserMetadata } from '../../functions/core/user-metadata';
import { createUpdateImageHandler } from '../../functions/update-image';
import { createUploadHandler } from '../../functions/upload-image';
import { ACCOUNT, apiEvent, bodyOf, FakeObjects, FakeRecords, fixture, MemoryLog, multipart, OTHER_ACCOUNT, quotaWith, readyRecord, TEST_CONFIG } from './support/fakes';

/** The image records with the app operations: the by-SHA index and metadata updates (in memory). */
class AppRecords extends FakeRecords {
  async findBySha(accountId: string, sha256: string): Promise<ImageRecord | undefined> {
    this.events.push(`records.findBySha ${sha256.slice(0, 8)}`);
    return [...this.items.values()].find((record) => record.accountId === accountId && record.sha256 === sha256 && record.state === 'ready');
  }
  async updateMetadata(id: string, accountId: string, metadata: UserMetadata | undefined): Promise<ImageRecord | undefined> {
    this.events.push(`records.updateMetadata ${id}`);
    const record = this.items.get(id);
    if (!record || record.accountId !== accountId) return undefined;
    const { metadata: _old, ...rest } = record;
    const updated: ImageRecord = { ...rest, ...(metadata ? { metadata } : {}) };
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
  function handler() {
    const { events, records, lookups } = setup();
    const record = readyRecord({ metadata: { user: '42', keep: 'y' } });
    records.items.set(record.id, record);
    const update = createUpdateImageHandler({ config: TEST_CONFIG, quota: quotaWith(), records, lookups, log: new MemoryLog() });
    return { events, records, record, update };
  }

  it('adds the gained pairs first, then the record, then removes the lost pairs, and answers the image', async () => {
    const { update, record, events } = handler();
    const response = await update(patch(record.id, { metadata: { user: '43', keep: 'y' } }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).data.metadata).toEqual({ user: '43', keep: 'y' });
    expect(events).toEqual(['lookups.put user=43', `records.updateMetadata ${record.id}`, 'lookups.delete user=42']);
  });

  it('null removes the metadata', async () => {
    const { update, record, records } = handler();
    const response = await update(patch(record.id, { metadata: null }));
    expect(bodyOf(response).data.metadata).toEqual({});
    expect(records.items.get(record.id)!.metadata).toBeUndefined();
  });

  it('another account\'s image is a 404; an unknown field, bad metadata or a body that is not JSON a 400', async () => {
    const { update, record, records, events } = handler();
    records.items.set(record.id, { ...record, accountId: OTHER_ACCOUNT });
    expect((await update(patch(record.id, { metadata: { a: '1' } }))).statusCode).toBe(404);
    records.items.set(record.id, { ...record, accountId: ACCOUNT });
    expect(bodyOf(await update(patch(record.id, { visibility: 'private' }))).message).toMatch(/^Unknown field "visibility"/);
    expect((await update(patch(record.id, { metadata: { a: 1 } }))).statusCode).toBe(400);
    expect((await update(patch(record.id, 'nope'))).statusCode).toBe(400);
    expect(events).toEqual([]);
  });
});
