import { describe, expect, it } from 'vitest';
import {
  type ArchiveEntry,
  buildExport,
  EXPORT_LINK_SECONDS,
  exportObjectKey,
  exportRequestKey,
  type ExportRecord,
  type ExportRecords,
  type ExportRequest,
  type ExportState,
  MAX_EXPORT_BYTES,
  ownExport,
  parseExportRequestKey,
  startExport,
  toApiExport,
} from '../../functions/core/exports';
import type { ImageRecord } from '../../functions/core/images';
import { createGetAccountExportHandler } from '../../functions/get-account-export';
import { createStartAccountExportHandler } from '../../functions/start-account-export';
import { ACCOUNT, apiEvent, bodyOf, readyRecord } from './support/fakes';

/** Export records in memory, with the adapter's conditional update. */
class FakeExports implements ExportRecords {
  readonly items = new Map<string, ExportRecord>();
  async create(record: ExportRecord): Promise<void> {
    this.items.set(`${record.accountId}/${record.id}`, record);
  }
  async get(accountId: string, id: string): Promise<ExportRecord | undefined> {
    return this.items.get(`${accountId}/${id}`);
  }
  async recent(accountId: string, limit: number): Promise<ExportRecord[]> {
    return [...this.items.values()]
      .filter((record) => record.accountId === accountId)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
      .slice(0, limit);
  }
  async update(accountId: string, id: string, change: Partial<ExportRecord>, from: readonly ExportState[]): Promise<boolean> {
    const record = this.items.get(`${accountId}/${id}`);
    if (!record || !from.includes(record.state)) return false;
    this.items.set(`${accountId}/${id}`, { ...record, ...change });
    return true;
  }
}

const links = { downloadLink: async (key: string, expiresIn: number) => `https://bucket.example/${key}?expires=${expiresIn}` };
const NOW = new Date('2026-11-27T10:20:00.000Z');

describe('starting an export', () => {
  it('writes the record, then the request that starts the builder, and answers the one under way instead of a second', async () => {
    const exports = new FakeExports();
    const written: Array<[string, ExportRequest]> = [];
    const requests = { write: async (key: string, request: ExportRequest) => void written.push([key, request]) };
    const first = await startExport({ exports, requests }, ACCOUNT, 'https://img.example', NOW);
    expect(first.started).toBe(true);
    expect(first.record).toMatchObject({ accountId: ACCOUNT, state: 'pending', createdAt: NOW.toISOString(), expiresAt: NOW.getTime() / 1000 + 7 * 86400 });
    expect(written).toEqual([[exportRequestKey(ACCOUNT, first.record.id), { accountId: ACCOUNT, id: first.record.id, baseUrl: 'https://img.example' }]]);
    expect(parseExportRequestKey(written[0][0])).toEqual({ accountId: ACCOUNT, id: first.record.id });

    const again = await startExport({ exports, requests }, ACCOUNT, 'https://img.example', new Date(NOW.getTime() + 60_000));
    expect(again).toEqual({ record: first.record, started: false });
    expect(written).toHaveLength(1);
    // Stalled for more than 30 minutes, or finished: a new one starts.
    const later = await startExport({ exports, requests }, ACCOUNT, 'https://img.example', new Date(NOW.getTime() + 31 * 60_000));
    expect(later.started).toBe(true);
  });

  it('reads request keys of the right shape only', () => {
    expect(parseExportRequestKey('export-requests/acct_x/exp_AAAAAAAAAAAAAAAAAAAAAA')).toEqual({ accountId: 'acct_x', id: 'exp_AAAAAAAAAAAAAAAAAAAAAA' });
    expect(parseExportRequestKey('export-requests/acct_x/../exp_AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    expect(parseExportRequestKey('images/AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });
});

describe('the API view of an export', () => {
  const ready: ExportRecord = {
    accountId: ACCOUNT,
    id: 'exp_AAAAAAAAAAAAAAAAAAAAAA',
    state: 'ready',
    createdAt: NOW.toISOString(),
    expiresAt: NOW.getTime() / 1000 + 7 * 86400,
    objectKey: exportObjectKey(ACCOUNT, 'exp_AAAAAAAAAAAAAAAAAAAAAA'),
    size: 1234,
    imageCount: 3,
    finishedAt: NOW.toISOString(),
  };

  it('while ready: a link that expires within the hour, and never after the export', async () => {
    const view = await toApiExport(links, ready, NOW.getTime());
    expect(view).toMatchObject({ state: 'ready', size: 1234, image_count: 3, url: `https://bucket.example/${ready.objectKey}?expires=${EXPORT_LINK_SECONDS}` });
    expect(Date.parse(view.url_expires_at!)).toBe(NOW.getTime() + EXPORT_LINK_SECONDS * 1000);
    const lastMinutes = await toApiExport(links, ready, ready.expiresAt * 1000 - 600_000);
    expect(lastMinutes.url).toMatch(/expires=600$/);
  });

  it('expired: no link', async () => {
    expect(await toApiExport(links, ready, ready.expiresAt * 1000)).toMatchObject({ state: 'expired', url: null, url_expires_at: null });
  });

  it('another account\'s export, or no export id, is a 404', async () => {
    const exports = new FakeExports();
    await exports.create(ready);
    await expect(ownExport(exports, 'acct_other', ready.id)).rejects.toMatchObject({ statusCode: 404, message: 'Export not found' });
    await expect(ownExport(exports, ACCOUNT, '../x')).rejects.toMatchObject({ statusCode: 404 });
    expect(await ownExport(exports, ACCOUNT, ready.id)).toEqual(ready);
  });
});

describe('building an export', () => {
  function setup(images: ImageRecord[], state: ExportState = 'pending') {
    const exports = new FakeExports();
    const request: ExportRequest = { accountId: ACCOUNT, id: 'exp_BBBBBBBBBBBBBBBBBBBBBB', baseUrl: 'https://img.example' };
    void exports.create({ accountId: ACCOUNT, id: request.id, state, createdAt: NOW.toISOString(), expiresAt: 4102444800 });
    const writes: Array<{ key: string; entries: readonly ArchiveEntry[]; records: any }> = [];
    let failWith: unknown;
    const deps = {
      exports,
      // Pages of 2, newest first, like the by-account index.
      records: {
        async listByAccount(_accountId: string, _limit: number, after?: string) {
          const start = after === undefined ? 0 : Number(after);
          return { records: images.slice(start, start + 2), after: start + 2 < images.length ? String(start + 2) : undefined };
        },
      },
      archive: {
        async write(key: string, entries: readonly ArchiveEntry[], recordsJson: Uint8Array) {
          if (failWith) throw failWith;
          writes.push({ key, entries, records: JSON.parse(Buffer.from(recordsJson).toString('utf8')) });
          return { size: 4242 };
        },
      },
      now: () => NOW,
    };
    return { deps, exports, request, writes, fail: (error: unknown) => (failWith = error) };
  }
  const images = [
    readyRecord({ id: 'AAAAAAAAAAAAAAAAAAAAA1', format: 'jpeg', size: 10, metadata: { user: '1' } }),
    readyRecord({ id: 'AAAAAAAAAAAAAAAAAAAAA2', format: 'png', size: 20 }),
    { ...readyRecord({ id: 'AAAAAAAAAAAAAAAAAAAAA3' }), state: 'pending' as const, size: undefined },
    readyRecord({ id: 'AAAAAAAAAAAAAAAAAAAAA4', format: 'tiff', size: 30 }),
  ];

  it('zips every ready original of every page, with their records, and records the result', async () => {
    const { deps, exports, request, writes } = setup(images);
    expect(await buildExport(deps, request)).toBe('ready');
    expect(writes).toHaveLength(1);
    expect(writes[0].key).toBe(exportObjectKey(ACCOUNT, request.id));
    expect(writes[0].entries.map((entry) => [entry.name, entry.objectKey, entry.size])).toEqual([
      ['images/AAAAAAAAAAAAAAAAAAAAA1.jpg', 'images/AAAAAAAAAAAAAAAAAAAAA1', 10],
      ['images/AAAAAAAAAAAAAAAAAAAAA2.png', 'images/AAAAAAAAAAAAAAAAAAAAA2', 20],
      ['images/AAAAAAAAAAAAAAAAAAAAA4.tiff', 'images/AAAAAAAAAAAAAAAAAAAAA4', 30],
    ]);
    expect(writes[0].records.images.map((image: any) => [image.id, image.file, image.url])).toEqual([
      ['AAAAAAAAAAAAAAAAAAAAA1', 'images/AAAAAAAAAAAAAAAAAAAAA1.jpg', 'https://img.example/image/AAAAAAAAAAAAAAAAAAAAA1'],
      ['AAAAAAAAAAAAAAAAAAAAA2', 'images/AAAAAAAAAAAAAAAAAAAAA2.png', 'https://img.example/image/AAAAAAAAAAAAAAAAAAAAA2'],
      ['AAAAAAAAAAAAAAAAAAAAA4', 'images/AAAAAAAAAAAAAAAAAAAAA4.tiff', 'https://img.example/image/AAAAAAAAAAAAAAAAAAAAA4'],
    ]);
    expect(writes[0].records.images[0].metadata).toEqual({ user: '1' });
    expect(await exports.get(ACCOUNT, request.id)).toMatchObject({ state: 'ready', size: 4242, imageCount: 3, objectKey: writes[0].key });
    // A repeated event leaves a ready export alone.
    expect(await buildExport(deps, request)).toBe('skipped');
    expect(writes).toHaveLength(1);
  });

  it('holds the account\'s private images, marked private, and leaves out those past their expiry', async () => {
    const nowSeconds = Math.floor(NOW.getTime() / 1000);
    const { deps, request, writes } = setup([
      readyRecord({ id: 'AAAAAAAAAAAAAAAAAAAAA5', size: 10, visibility: 'private' }),
      readyRecord({ id: 'AAAAAAAAAAAAAAAAAAAAA6', size: 10, imageExpiresAt: nowSeconds }),
      readyRecord({ id: 'AAAAAAAAAAAAAAAAAAAAA7', size: 10, imageExpiresAt: nowSeconds + 60 }),
    ]);
    expect(await buildExport(deps, request)).toBe('ready');
    expect(writes[0].entries.map((entry) => entry.objectKey)).toEqual(['images/AAAAAAAAAAAAAAAAAAAAA5', 'images/AAAAAAAAAAAAAAAAAAAAA7']);
    expect(writes[0].records.images.map((image: any) => [image.id, image.visibility])).toEqual([
      ['AAAAAAAAAAAAAAAAAAAAA5', 'private'],
      ['AAAAAAAAAAAAAAAAAAAAA7', 'public'],
    ]);
  });

  it(`fails at once, with the reason, over ${MAX_EXPORT_BYTES} bytes`, async () => {
    const { deps, exports, request, writes } = setup([readyRecord({ size: MAX_EXPORT_BYTES }), readyRecord({ id: 'AAAAAAAAAAAAAAAAAAAAA9', size: 1 })]);
    expect(await buildExport(deps, request)).toBe('failed');
    expect(writes).toEqual([]);
    expect((await exports.get(ACCOUNT, request.id))!.reason).toMatch(/over the 10737418240 bytes one export can hold/);
  });

  it('a failed write is recorded and rethrown (Lambda retries), and the retry builds it again', async () => {
    const { deps, exports, request, writes, fail } = setup(images);
    fail(new Error('S3 said no'));
    await expect(buildExport(deps, request)).rejects.toThrow('S3 said no');
    expect(await exports.get(ACCOUNT, request.id)).toMatchObject({ state: 'failed', reason: 'The export could not be built' });
    fail(undefined);
    expect(await buildExport(deps, request)).toBe('ready');
    expect(writes).toHaveLength(1);
  });
});

describe('the export handlers', () => {
  const session = (overrides: Parameters<typeof apiEvent>[0]) =>
    apiEvent({ accountId: null, ...overrides, requestContext: { ...apiEvent(overrides).requestContext, authorizer: { claims: { sub: 'sub-1', email: 'ada@example.com', token_use: 'id' } } } });
  const accounts = { ensure: async () => ({ accountId: ACCOUNT, sub: 'sub-1', email: 'ada@example.com', createdAt: NOW.toISOString(), keys: {}, activeKeys: {} }) as never };

  it('POST answers 202 with the pending export and its Location; GET lists it and shows it; another id is a 404', async () => {
    const exports = new FakeExports();
    const requests = { write: async () => undefined };
    const start = createStartAccountExportHandler({ accounts, exports, requests, links, publicBaseUrl: undefined, now: () => NOW });
    const started = await start(session({ httpMethod: 'POST', resource: '/api/account/export', path: '/api/account/export' }));
    expect(started.statusCode).toBe(202);
    const data = bodyOf(started).data;
    expect(data).toMatchObject({ state: 'pending', url: null, image_count: null });
    expect(started.headers?.Location).toBe(`/v1/api/account/export/${data.id}`);

    const get = createGetAccountExportHandler({ accounts, exports, links, now: () => NOW });
    const list = await get(session({ resource: '/api/account/export', path: '/api/account/export' }));
    expect(bodyOf(list).data.exports.map((e: { id: string }) => e.id)).toEqual([data.id]);
    const one = await get(session({ resource: '/api/account/export/{export_id}', path: `/api/account/export/${data.id}`, pathParameters: { export_id: data.id } }));
    expect(bodyOf(one).data.id).toBe(data.id);
    const none = await get(session({ resource: '/api/account/export/{export_id}', path: '/api/account/export/exp_x', pathParameters: { export_id: 'exp_x' } }));
    expect(none.statusCode).toBe(404);
  });
});
