import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  type ScanCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

/**
 * The request mechanics the DynamoDB adapters share: conditional writes, batched reads and writes.
 * What each table stores stays in its adapter.
 */

export type Item = Record<string, AttributeValue>;

/** True when a write was refused because its condition did not hold (nothing was written). */
export function isConditionFailure(error: unknown): boolean {
  return (error as Error)?.name === 'ConditionalCheckFailedException';
}

/**
 * A refused condition, with the item as it was when DynamoDB checked it (sent back for writes
 * made with `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`; the emulator sends none); undefined
 * for any other error.
 */
export function conditionFailure(error: unknown): { readonly item: Item | undefined } | undefined {
  return isConditionFailure(error) ? { item: (error as { Item?: Item }).Item } : undefined;
}

/** A conditional write's output, or undefined when its condition did not hold; other errors are thrown. */
export async function ifConditionHolds<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Writes `item` unless an item with its key (`keyName`) exists; false when one did. */
export async function putIfAbsent(client: DynamoDBClient, tableName: string, item: Item, keyName = 'pk'): Promise<boolean> {
  const put = client.send(new PutItemCommand({ TableName: tableName, Item: item, ConditionExpression: `attribute_not_exists(${keyName})` }));
  return (await ifConditionHolds(put)) !== undefined;
}

export interface PutOnceOptions {
  /** The key attribute: the item is written only if no item holds its value. */
  readonly keyName: string;
  /** The stored item, read back where the condition failure carries none (the emulator). */
  readonly readBack: () => Promise<Item | undefined>;
  /** Whether a stored item is this very write (what a first attempt that landed left). */
  readonly isOurs: (stored: Item) => boolean;
}

/**
 * Writes `item` once, unless its key is taken. The SDK retries a write whose response was lost
 * (a timeout, a dropped connection): if the first attempt landed, the retry fails its condition
 * on our own item, and that is success, recognised from the item DynamoDB returns with the
 * failure (`ALL_OLD`) or read back. `conflict` is the condition failure when another item holds
 * the key.
 */
export async function putOnce(client: DynamoDBClient, tableName: string, item: Item, options: PutOnceOptions): Promise<{ readonly conflict?: unknown }> {
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: `attribute_not_exists(${options.keyName})`,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return {};
  } catch (error) {
    const failed = conditionFailure(error);
    if (!failed) throw error;
    const stored = failed.item ?? (await options.readBack());
    return stored && options.isOurs(stored) ? {} : { conflict: error };
  }
}

/** BatchGetItem reads at most 100 keys a call. */
const BATCH_GET = 100;
/** Calls per batch before unprocessed keys count as "unavailable". */
const BATCH_ATTEMPTS = 6;

/**
 * Every item of `keys` that exists in the table, read 100 keys at a time. Keys DynamoDB leaves
 * unprocessed (it is throttling us) are asked for again after a growing pause; if some are still
 * left after six calls the read fails as a ThrottlingException, which the API answers with 503.
 */
export async function batchGetAll(
  client: DynamoDBClient,
  tableName: string,
  keys: readonly Item[],
  options: { readonly consistent?: boolean } = {},
): Promise<Item[]> {
  const found: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET) {
    let pending: Item[] = keys.slice(start, start + BATCH_GET);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= BATCH_ATTEMPTS) throw Object.assign(new Error(`${tableName}: BatchGetItem kept keys unprocessed`), { name: 'ThrottlingException' });
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ...(options.consistent ? { ConsistentRead: true } : {}) } } }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return found;
}

/** Every item a Scan finds, page by page (for one-off maintenance and the operators' CLI, never a request path). */
export async function* scanAll(client: DynamoDBClient, scan: Omit<ScanCommandInput, 'ExclusiveStartKey'>): AsyncGenerator<Item> {
  let start: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ ...scan, ExclusiveStartKey: start }));
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** BatchWriteItem takes at most 25 requests a call. */
const BATCH_WRITE = 25;

/**
 * Every request, 25 a call; what DynamoDB leaves unprocessed (throttling) is sent again after
 * a growing pause, and still-unprocessed requests after six calls fail as a ThrottlingException.
 * Puts and deletes of whole items are idempotent, so a retried call is harmless.
 */
export async function batchWriteAll(client: DynamoDBClient, tableName: string, requests: readonly WriteRequest[]): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH_WRITE) {
    let pending = requests.slice(start, start + BATCH_WRITE);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= BATCH_ATTEMPTS) throw Object.assign(new Error(`${tableName}: BatchWriteItem kept requests unprocessed`), { name: 'ThrottlingException' });
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = result.UnprocessedItems?.[tableName] ?? [];
    }
  }
}
