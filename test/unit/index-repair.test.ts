import { createRequire } from 'node:module';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import type { ImageRecord } from '../../functions/core/images';
import { type Emulators, LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES, startEmulators, tableDefinitions } from '../../local/emulators';
import { repairIndexes } from '../../local/index-repair';

/**
 * Every kind of damage a crash leaves in dynalite's indexes, made in process:
 * the emulator's LevelDB is told to lose the item write of one id (what SIGKILL between the
 * index write and the item write does), then `repairIndexes` must make indexes and items agree.
 */
type Proto = { put: (...args: unknown[]) => unknown; del: (...args: unknown[]) => unknown };
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const memory = (fromDynalite('memory-level') as { MemoryLevel: { prototype: Proto } }).MemoryLevel.prototype;
const original = { put: memory.put, del: memory.del };
/** Item writes (put or delete) of these ids are lost; their index writes are not. */
const lose = new Set<string>();
const itemKeyOf = (key: unknown): string | undefined =>
  typeof key === 'string' && key.startsWith(`item-${LOCAL_RESOURCES.imagesTable}~`) ? key : undefined;
// dynalite keys items by the hex of their key attributes.
const lost = (key: unknown): boolean => [...lose].some((id) => itemKeyOf(key)?.includes(`/${Buffer.from(id).toString('hex')}/`));
function skipped(args: unknown[]): unknown {
  const callback = args.find((a) => typeof a === 'function') as ((error?: unknown) => void) | undefined;
  if (callback) return void setImmediate(callback);
  return Promise.resolve();
}
memory.put = function (this: unknown, ...args: unknown[]) {
  return lost(args[0]) ? skipped(args) : original.put.apply(this, args);
};
memory.del = function (this: unknown, ...args: unknown[]) {
  return lost(args[0]) ? skipped(args) : original.del.apply(this, args);
};

let emulators: Emulators;
let client: DynamoDBClient;
let records: DynamoImageRecords;
beforeAll(async () => {
  emulators = await startEmulators();
  client = new DynamoDBClient({ endpoint: emulators.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  records = new DynamoImageRecords(client, LOCAL_RESOURCES.imagesTable);
});
afterEach(() => lose.clear());
afterAll(async () => {
  memory.put = original.put;
  memory.del = original.del;
  client?.destroy();
  await emulators?.close();
});

const ACCOUNT = 'acct_repair';
const record = (id: string, extra: Partial<ImageRecord> = {}): ImageRecord => ({
  id,
  accountId: ACCOUNT,
  objectKey: `images/${id}`,
  state: 'ready',
  createdAt: `2026-11-30T00:00:00.000Z`,
  ...extra,
});
const listed = async (): Promise<string[]> => (await records.listByAccount(ACCOUNT, 100)).records.map((r) => r.id).sort();
const pendingIds = async (): Promise<string[]> => {
  const page = await client.send(
    new QueryCommand({
      TableName: LOCAL_RESOURCES.imagesTable,
      IndexName: 'byPendingExpiry',
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': 'pending' },
      ExpressionAttributeValues: { ':p': { S: 'pending' } },
    }),
  );
  return (page.Items ?? []).map((item) => item.id.S!).sort();
};
const exists = async (id: string): Promise<boolean> =>
  (await client.send(new GetItemCommand({ TableName: LOCAL_RESOURCES.imagesTable, Key: { id: { S: id } }, ConsistentRead: true }))).Item !== undefined;

describe('repairing dynalite indexes after a crash', () => {
  it('removes an index entry whose item was never written (listed but not gettable)', async () => {
    await records.create(record('KeptKeptKeptKeptKept01'));
    lose.add('PhantomPhantomPhantom1');
    await records.create(record('PhantomPhantomPhantom1'));
    lose.clear();
    expect(await listed()).toEqual(['KeptKeptKeptKeptKept01', 'PhantomPhantomPhantom1']);
    expect(await exists('PhantomPhantomPhantom1')).toBe(false);

    expect(await repairIndexes(client, tableDefinitions())).toMatchObject({ phantomsRemoved: 1 });
    expect(await listed()).toEqual(['KeptKeptKeptKeptKept01']);
    expect(await exists('PhantomPhantomPhantom1')).toBe(false);
    expect(await repairIndexes(client, tableDefinitions())).toEqual({ phantomsRemoved: 0, staleFixed: 0, missingAdded: 0 });
  });

  it('rewrites an entry that disagrees with its item, which restores the one the item lost too (a settle cut short)', async () => {
    await records.create(record('PendingPendingPending1', { state: 'pending', objectKey: 'uploads/PendingPendingPending1', expiresAt: 1_900_000_000 }));
    expect(await pendingIds()).toEqual(['PendingPendingPending1']);
    lose.add('PendingPendingPending1');
    await records.settle('PendingPendingPending1', { state: 'rejected', reason: 'cut short' });
    lose.clear();
    // The indexes moved on (out of the pending index, "rejected" in the account index); the item did not.
    expect(await pendingIds()).toEqual([]);
    expect((await records.get('PendingPendingPending1'))?.state).toBe('pending');
    expect((await records.listByAccount(ACCOUNT, 100)).records.find((r) => r.id === 'PendingPendingPending1')?.state).toBe('rejected');

    // Rewriting the stale account-index entry from the item also restores its pending-index entry.
    expect(await repairIndexes(client, tableDefinitions())).toMatchObject({ phantomsRemoved: 0, staleFixed: 1 });
    // Now both indexes say what the item says: still pending (the sweep or a finalize retry settles it).
    expect(await pendingIds()).toEqual(['PendingPendingPending1']);
    expect((await records.listByAccount(ACCOUNT, 100)).records.find((r) => r.id === 'PendingPendingPending1')?.state).toBe('pending');
    expect((await records.get('PendingPendingPending1'))?.state).toBe('pending');
  });

  it('puts back the entry of an item whose delete was cut short after the index delete', async () => {
    await records.create(record('HalfDeletedHalfDelete1'));
    lose.add('HalfDeletedHalfDelete1');
    await client.send(new DeleteItemCommand({ TableName: LOCAL_RESOURCES.imagesTable, Key: { id: { S: 'HalfDeletedHalfDelete1' } } }));
    lose.clear();
    expect(await listed()).not.toContain('HalfDeletedHalfDelete1');
    expect(await exists('HalfDeletedHalfDelete1')).toBe(true);

    expect(await repairIndexes(client, tableDefinitions())).toMatchObject({ missingAdded: 1 });
    expect(await listed()).toContain('HalfDeletedHalfDelete1');
  });
});
