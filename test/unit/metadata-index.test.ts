import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoImageRecords, toItem } from '../../functions/adapters/dynamo-image-records';
import { DynamoLookups } from '../../functions/adapters/dynamo-lookups';
import { LOOKUPS_TABLE_SCHEMA } from '../../functions/adapters/table-schemas';
import { decodeCursor } from '../../functions/core/cursor';
import { metadataLookups } from '../../functions/core/image-lookups';
import type { ImageRecord } from '../../functions/core/images';
import { createListImagesHandler } from '../../functions/list-images';
import { ACCOUNT, apiEvent, bodyOf, OTHER_ACCOUNT, quotaWith, TEST_CONFIG } from './support/fakes';

/**
 * The metadata filter of GET /api/images is served by an index (docs/apps.md): with 10,000
 * images in the account, a page reads its page of lookups and its page of records, and nothing
 * else. The real adapters run over a DynamoDB stand-in that answers Query (with Limit, the sort
 * order and a start) and BatchGetItem the way DynamoDB does and counts every item it hands out.
 */
type Item = Record<string, AttributeValue>;

const IMAGES = 'images';
const LOOKUPS = 'lookups';

class CountingDynamo {
  readonly tables = new Map<string, Map<string, Item>>([
    [IMAGES, new Map()],
    [LOOKUPS, new Map()],
  ]);
  /** Items handed out, by table and command. */
  readonly read: Record<string, number> = {};
  readonly commands: string[] = [];

  put(table: string, key: string, item: Item): void {
    this.tables.get(table)!.set(key, item);
    if (table === LOOKUPS) this.sorted.clear();
  }

  /** One partition's items, sort key descending (kept while the table does not change). */
  private sorted = new Map<string, Item[]>();
  private partition(pk: string): Item[] {
    if (this.sorted.size === 0) {
      for (const item of this.tables.get(LOOKUPS)!.values()) this.sorted.set(item.pk.S!, [...(this.sorted.get(item.pk.S!) ?? []), item]);
      for (const items of this.sorted.values()) items.sort((a, b) => (a.sk.S! < b.sk.S! ? 1 : -1));
    }
    return this.sorted.get(pk) ?? [];
  }

  private count(what: string, items: number): void {
    this.read[what] = (this.read[what] ?? 0) + items;
  }

  async send(command: { constructor: { name: string }; input: any }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, '');
    const input = command.input;
    this.commands.push(`${name} ${input.TableName ?? Object.keys(input.RequestItems ?? {}).join(',')}${input.IndexName ? `/${input.IndexName}` : ''}`);
    if (name === 'Query' && input.TableName === LOOKUPS && input.IndexName === undefined) {
      const pk = input.ExpressionAttributeValues[':pk'].S as string;
      const after = input.ExpressionAttributeValues[':after']?.S as string | undefined;
      const matching = this.partition(pk).filter((item) => after === undefined || item.sk.S! < after);
      const page = matching.slice(0, input.Limit);
      this.count('lookups Query', page.length);
      const last = page.at(-1);
      return { Items: page, LastEvaluatedKey: matching.length > page.length && last ? { pk: last.pk, sk: last.sk } : undefined };
    }
    if (name === 'BatchGetItem') {
      const keys = input.RequestItems[IMAGES].Keys as Item[];
      if (keys.length > 100) throw new Error('BatchGetItem takes at most 100 keys');
      const items = keys.flatMap((key): Item[] => { const item = this.tables.get(IMAGES)!.get(key.id.S!); return item ? [item] : []; });
      this.count('images BatchGetItem', items.length);
      return { Responses: { [IMAGES]: items }, UnprocessedKeys: {} };
    }
    throw new Error(`not expected on a metadata page: ${name}`);
  }
}

const TOTAL = 10_000;
let dynamo: CountingDynamo;

/** 10,000 images of the account, one a second; every other one holds user=42; and another account's images with the same pair. */
beforeAll(() => {
  dynamo = new CountingDynamo();
  const start = Date.UTC(2026, 0, 1);
  const add = (accountId: string, i: number, metadata: Record<string, string> | undefined) => {
    const id = `${accountId === ACCOUNT ? 'a' : 'b'}${String(i).padStart(21, '0')}`;
    const record: ImageRecord = {
      id,
      accountId,
      objectKey: `images/${id}`,
      state: 'ready',
      createdAt: new Date(start + i * 1000).toISOString(),
      format: 'png',
      contentType: 'image/png',
      width: 64,
      height: 48,
      size: 1000,
      sha256: '0'.repeat(64),
      ...(metadata ? { metadata } : {}),
    };
    dynamo.put(IMAGES, id, toItem(record));
    for (const entry of metadataLookups(record)) {
      dynamo.put(LOOKUPS, `${entry.partition}|${entry.sort}`, {
        [LOOKUPS_TABLE_SCHEMA.partitionKey]: { S: entry.partition },
        [LOOKUPS_TABLE_SCHEMA.sortKey]: { S: entry.sort },
        image_id: { S: entry.imageId },
      });
    }
  };
  for (let i = 0; i < TOTAL; i += 1) add(ACCOUNT, i, i % 2 === 0 ? { user: '42', n: String(i) } : { user: '7' });
  for (let i = 0; i < 500; i += 1) add(OTHER_ACCOUNT, i, { user: '42' });
});

function handler() {
  const client = dynamo as unknown as DynamoDBClient;
  return createListImagesHandler({
    config: TEST_CONFIG,
    quota: quotaWith(),
    records: new DynamoImageRecords(client, IMAGES),
    lookups: new DynamoLookups(client, LOOKUPS),
  });
}

async function page(query: Record<string, string>): Promise<{ ids: string[]; cursor: string | null; status: number }> {
  const response = await handler()(apiEvent({ queryStringParameters: query }));
  const body = bodyOf(response);
  return { status: response.statusCode, ids: (body.data?.images ?? []).map((image: { id: string }) => image.id), cursor: body.data?.next_cursor ?? null };
}

describe('GET /api/images?metadata.user=42 over 10,000 images', () => {
  it('answers one page of 20 reading 20 lookups and 20 records, with one Query and one BatchGetItem', async () => {
    Object.keys(dynamo.read).forEach((key) => delete dynamo.read[key]);
    dynamo.commands.length = 0;
    const first = await page({ 'metadata.user': '42', limit: '20' });
    expect(first.status).toBe(200);
    // Newest first: the account's images 9998, 9996, ... holding the pair.
    expect(first.ids).toEqual(Array.from({ length: 20 }, (_, k) => `a${String(TOTAL - 2 - 2 * k).padStart(21, '0')}`));
    expect(dynamo.read).toEqual({ 'lookups Query': 20, 'images BatchGetItem': 20 });
    expect(dynamo.commands).toEqual([`Query ${LOOKUPS}`, `BatchGetItem ${IMAGES}`]);
    expect(first.cursor).not.toBeNull();
  });

  it('continues from the cursor with the same cost, deep in the list as at its start', async () => {
    const first = await page({ 'metadata.user': '42', limit: '100' });
    let cursor = first.cursor!;
    for (let i = 0; i < 30; i += 1) cursor = (await page({ 'metadata.user': '42', limit: '100', cursor })).cursor!;
    Object.keys(dynamo.read).forEach((key) => delete dynamo.read[key]);
    const deep = await page({ 'metadata.user': '42', limit: '100', cursor });
    expect(dynamo.read).toEqual({ 'lookups Query': 100, 'images BatchGetItem': 100 });
    // 31 pages of 100 read before: the page after holds images 3798 down to 3600.
    expect(deep.ids[0]).toBe(`a${String(TOTAL - 2 - 2 * 3100).padStart(21, '0')}`);
    expect(decodeCursor(deep.cursor!)).toMatch(/#a0+3600$/);
  });

  it('pages through all 5,000 of the pair, each once, and only the caller\'s', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const next: { ids: string[]; cursor: string | null } = await page({ 'metadata.user': '42', limit: '100', ...(cursor ? { cursor } : {}) });
      for (const id of next.ids) {
        expect(seen.has(id)).toBe(false);
        expect(id.startsWith('a')).toBe(true);
        seen.add(id);
      }
      cursor = next.cursor;
      pages += 1;
    } while (cursor);
    expect(seen.size).toBe(TOTAL / 2);
    expect(pages).toBe(50);
  });

  it('leaves out an entry whose record no longer holds the pair (a crash between the two writes)', async () => {
    const id = `a${String(TOTAL - 2).padStart(21, '0')}`;
    const item = dynamo.tables.get(IMAGES)!.get(id)!;
    dynamo.put(IMAGES, id, { ...item, metadata: { M: { user: { S: '8' } } } });
    try {
      const first = await page({ 'metadata.user': '42', limit: '20' });
      expect(first.ids).not.toContain(id);
      expect(first.ids).toHaveLength(19);
    } finally {
      dynamo.put(IMAGES, id, item);
    }
  });
});
