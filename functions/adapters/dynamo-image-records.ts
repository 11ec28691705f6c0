import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ImageAnalysis } from '../core/analysis';
import type { SettleOutcome } from '../core/finalize';
import type { PublishedOutcome } from '../core/migrate';
import type { ImageFormat } from '../core/formats/registry';
import type { ImageUpdate } from '../core/image-updates';
import type { ImageDescription, ImageRecord, ImageRecords, ImageState, RecordPage } from '../core/images';
import { logger } from '../runtime/logger';
import type { DynamoAccountTotals } from './dynamo-account-totals';
import { appAttributesFromItem, appAttributesToItem, findItemBySha, indexSha, setAnalysisAttributes } from './dynamo-image-apps';
import { EXPIRING, updateImageItem } from './dynamo-image-changes';
import { batchGetAll, conditionFailure, ifConditionHolds, type Item, putOnce, scanAll } from './dynamo-requests';
import { IMAGES_TABLE_SCHEMA } from './table-schemas';

/**
 * The attributes that identify one write of a record: a retried PutItem whose first attempt
 * landed finds exactly these (later updates such as settling change state, never these).
 */
const IDENTITY = ['id', 'account_id', 'object_key', 'created_at'] as const;

function sameWrite(stored: Item, ours: Item): boolean {
  return IDENTITY.every((name) => stored[name]?.S !== undefined && stored[name]?.S === ours[name]?.S);
}

export type { RecordPage } from '../core/images';

/** The sort key of the by-account index: creation time, then id, so the order is total. */
export function createdKey(record: Pick<ImageRecord, 'createdAt' | 'id'>): string {
  return `${record.createdAt}#${record.id}`;
}

export function toItem(record: ImageRecord): Item {
  const item: Item = {
    id: { S: record.id },
    account_id: { S: record.accountId },
    created_key: { S: createdKey(record) },
    object_key: { S: record.objectKey },
    state: { S: record.state },
    created_at: { S: record.createdAt },
  };
  if (record.format !== undefined) item.format = { S: record.format };
  if (record.contentType !== undefined) item.content_type = { S: record.contentType };
  if (record.width !== undefined) item.width = { N: String(record.width) };
  if (record.height !== undefined) item.height = { N: String(record.height) };
  if (record.size !== undefined) item.size = { N: String(record.size) };
  if (record.sha256 !== undefined) item.sha256 = { S: record.sha256 };
  if (record.reason !== undefined) item.reason = { S: record.reason };
  if (record.expiresAt !== undefined) item.expires_at = { N: String(record.expiresAt) };
  if (record.deleteTokenHash !== undefined) item.delete_token_sha256 = { S: record.deleteTokenHash };
  if (record.state === 'pending') item.pending = { S: 'pending' };
  if (record.multipart !== undefined) {
    const { uploadId, size, partSize } = record.multipart;
    item.multipart = { M: { upload_id: { S: uploadId }, size: { N: String(size) }, part_size: { N: String(partSize) } } };
  }
  if (record.visibility === 'private') item.visibility = { S: 'private' };
  if (record.imageExpiresAt !== undefined) {
    item.image_expires_at = { N: String(record.imageExpiresAt) };
    item[IMAGES_TABLE_SCHEMA.expiryIndex.partitionKey] = { S: EXPIRING };
  }
  return { ...item, ...appAttributesToItem(record) };
}

/**
 * The update that writes a description of stored bytes and where they are (settling a large
 * upload, republishing a migrated one): its SET assignments, attribute names and values.
 */
function describedBytes(outcome: ImageDescription & { readonly objectKey: string }): { set: string; names: Record<string, string>; values: Item } {
  return {
    set: '#key = :key, #format = :format, #ct = :ct, #w = :w, #h = :h, #size = :size, #sha = :sha',
    names: { '#key': 'object_key', '#format': 'format', '#ct': 'content_type', '#w': 'width', '#h': 'height', '#size': 'size', '#sha': 'sha256' },
    values: {
      ':key': { S: outcome.objectKey },
      ':format': { S: outcome.format },
      ':ct': { S: outcome.contentType },
      ':w': { N: String(outcome.width) },
      ':h': { N: String(outcome.height) },
      ':size': { N: String(outcome.size) },
      ':sha': { S: outcome.sha256 },
    },
  };
}

export function fromItem(item: Item): ImageRecord {
  const num = (name: string): number | undefined => (item[name]?.N === undefined ? undefined : Number(item[name].N));
  const str = (name: string): string | undefined => item[name]?.S;
  return {
    id: str('id')!,
    accountId: str('account_id')!,
    objectKey: str('object_key')!,
    state: str('state') as ImageState,
    createdAt: str('created_at')!,
    format: str('format') as ImageFormat | undefined,
    contentType: str('content_type'),
    width: num('width'),
    height: num('height'),
    size: num('size'),
    sha256: str('sha256'),
    reason: str('reason'),
    expiresAt: num('expires_at'),
    deleteTokenHash: str('delete_token_sha256'),
    multipart: multipartOf(item.multipart?.M),
    ...(str('visibility') === 'private' ? { visibility: 'private' as const } : {}),
    ...(num('image_expires_at') === undefined ? {} : { imageExpiresAt: num('image_expires_at') }),
    ...appAttributesFromItem(item),
  };
}

function multipartOf(map: Item | undefined): ImageRecord['multipart'] {
  const uploadId = map?.upload_id?.S;
  if (!map || uploadId === undefined) return undefined;
  return { uploadId, size: Number(map.size?.N), partSize: Number(map.part_size?.N) };
}

/** Image records in the images table (docs/api.md); see `IMAGES_TABLE_SCHEMA`. */
export class DynamoImageRecords implements ImageRecords {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** The account's running image totals (account page); absent where nothing changes them. */
    private readonly totals?: Pick<DynamoAccountTotals, 'add'>,
  ) {}

  /**
   * Creates the record; fails (with DynamoDB's condition failure) if another record has the id.
   * A retry of this call whose first attempt landed is success (see `putOnce`), and counted below.
   */
  async create(record: ImageRecord): Promise<void> {
    const item = toItem(record);
    const { conflict } = await putOnce(this.client, this.tableName, item, {
      keyName: 'id',
      readBack: () => this.getItem(record.id),
      isOurs: (stored) => sameWrite(stored, item),
    });
    if (conflict) throw conflict;
    if (record.state === 'ready') await this.addToTotals(record.accountId, 1, record.size ?? 0);
  }

  /**
   * Runs after the record change it follows has succeeded: a failure here must not undo or fail
   * that change (the image exists or is gone either way), so it is logged, and the totals are
   * off by that image until an operator recounts.
   */
  private async addToTotals(accountId: string, count: number, bytes: number): Promise<void> {
    if (!this.totals) return;
    // Each record change that calls this is conditional (it happens once), so the totals move once.
    try {
      await this.totals.add(accountId, count, bytes);
    } catch (error) {
      logger.error('image totals not updated', { accountId, count, bytes, error });
    }
  }

  private async getItem(id: string): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { id: { S: id } }, ConsistentRead: true }),
    );
    return result.Item;
  }

  async get(id: string): Promise<ImageRecord | undefined> {
    const item = await this.getItem(id);
    return item ? fromItem(item) : undefined;
  }

  /**
   * The records of these ids (consistent reads), by id, with BatchGetItem (see `batchGetAll`).
   */
  async getMany(ids: readonly string[]): Promise<Map<string, ImageRecord>> {
    const keys = [...new Set(ids)].map((id) => ({ id: { S: id } }));
    const found = new Map<string, ImageRecord>();
    for (const item of await batchGetAll(this.client, this.tableName, keys, { consistent: true })) {
      const record = fromItem(item);
      found.set(record.id, record);
    }
    return found;
  }

  /**
   * Deletes the record if it belongs to `accountId`. Returns true when no record of that id is
   * left afterwards, false when the record belongs to another account. A retried delete whose
   * first attempt landed fails its condition on a missing item: that is our delete, so true
   * (`ALL_OLD` returns no item when there is none; read back where the emulator returns none).
   */
  async delete(id: string, accountId: string): Promise<boolean> {
    try {
      const deleted = await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { id: { S: id } },
          ConditionExpression: 'account_id = :account',
          ExpressionAttributeValues: { ':account': { S: accountId } },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const old = deleted.Attributes;
      if (old?.state?.S === 'ready') await this.addToTotals(accountId, -1, -Number(old.size?.N ?? 0));
      return true;
    } catch (error) {
      const failed = conditionFailure(error);
      if (!failed) throw error;
      const stored = failed.item ?? (await this.getItem(id));
      return stored === undefined;
    }
  }

  /**
   * Moves a pending image to ready or rejected. Conditional on `pending`, so a finalize that
   * runs twice (S3 delivers events at least once) changes nothing the second time.
   * Returns false when the image was not pending.
   */
  async settle(id: string, outcome: SettleOutcome): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state', '#expires': 'expires_at', '#pending': 'pending', '#multipart': 'multipart' };
    const values: Item = { ':pending': { S: 'pending' }, ':state': { S: outcome.state } };
    let set = '#state = :state';
    if (outcome.state === 'ready') {
      const described = describedBytes(outcome);
      Object.assign(names, described.names);
      Object.assign(values, described.values);
      set += `, ${described.set}`;
    } else {
      values[':reason'] = { S: outcome.reason };
      names['#reason'] = 'reason';
      set += ', #reason = :reason';
    }
    const settled = await ifConditionHolds(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { id: { S: id } },
          UpdateExpression: `SET ${set} REMOVE #expires, #pending, #multipart`,
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!settled) return false;
    const accountId = settled.Attributes?.account_id?.S;
    if (outcome.state === 'ready' && accountId) {
      await this.addToTotals(accountId, 1, outcome.size);
      await indexSha(this.client, this.tableName, id, accountId, outcome.sha256);
    }
    return true;
  }

  /** One ready image of the account with these bytes (the by-SHA index), or undefined. */
  async findBySha(accountId: string, sha256: string): Promise<ImageRecord | undefined> {
    const item = await findItemBySha(this.client, this.tableName, accountId, sha256);
    return item ? fromItem(item) : undefined;
  }

  /** Records what the analysis found; false when the record is not there (not written yet, or deleted). */
  setAnalysis(id: string, analysis: ImageAnalysis): Promise<boolean> {
    return setAnalysisAttributes(this.client, this.tableName, id, analysis);
  }

  /** Every ready record, page by page (a Scan: for one-off maintenance, never a request path). */
  async *ready(): AsyncGenerator<ImageRecord> {
    const items = scanAll(this.client, {
      TableName: this.tableName,
      FilterExpression: '#state = :ready',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':ready': { S: 'ready' } },
    });
    for await (const item of items) yield fromItem(item);
  }

  /** Rewrites a ready record's description of its bytes, only while it still points at `fromKey`. */
  async republish(id: string, fromKey: string, outcome: PublishedOutcome): Promise<boolean> {
    const described = describedBytes(outcome);
    const written = await ifConditionHolds(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { id: { S: id } },
          UpdateExpression: `SET ${described.set}`,
          ConditionExpression: '#state = :ready AND #key = :from',
          ExpressionAttributeNames: { '#state': 'state', ...described.names },
          ExpressionAttributeValues: { ':ready': { S: 'ready' }, ':from': { S: fromKey }, ...described.values },
        }),
      ),
    );
    return written !== undefined;
  }

  /** Pending uploads whose deadline has passed (at most `limit`). */
  async expiredPending(nowSeconds: number, limit = 100): Promise<ImageRecord[]> {
    const index = IMAGES_TABLE_SCHEMA.pendingIndex;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pending = :pending AND expires_at < :now',
        ExpressionAttributeNames: { '#pending': 'pending' },
        ExpressionAttributeValues: { ':pending': { S: 'pending' }, ':now': { N: String(nowSeconds) } },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(fromItem);
  }

  /**
   * Applies a PATCH (visibility, expiry, metadata: see `updateImageItem`) if the image belongs to
   * `accountId`; the record as it is afterwards, or undefined when there is no such image of
   * that account.
   */
  async update(id: string, accountId: string, update: ImageUpdate): Promise<ImageRecord | undefined> {
    const item = await updateImageItem(this.client, this.tableName, id, accountId, update);
    if (item !== 'unchanged') return item ? fromItem(item) : undefined;
    const record = await this.get(id);
    return record && record.accountId === accountId ? record : undefined;
  }

  /** Images whose expiry has passed (at most `limit`), oldest expiry first. */
  async expiredImages(nowSeconds: number, limit = 100): Promise<ImageRecord[]> {
    const index = IMAGES_TABLE_SCHEMA.expiryIndex;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#expiring = :expiring AND #expiry <= :now',
        ExpressionAttributeNames: { '#expiring': index.partitionKey, '#expiry': index.sortKey },
        ExpressionAttributeValues: { ':expiring': { S: EXPIRING }, ':now': { N: String(nowSeconds) } },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(fromItem);
  }

  /** Removes a record that is still pending (an upload that never arrived). */
  async deletePending(id: string): Promise<boolean> {
    const deleted = await ifConditionHolds(
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { id: { S: id } },
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': { S: 'pending' } },
        }),
      ),
    );
    return deleted !== undefined;
  }

  /** One page of an account's images, newest first. */
  async listByAccount(accountId: string, limit: number, after?: string): Promise<RecordPage> {
    const index = IMAGES_TABLE_SCHEMA.byAccountIndex;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: after ? 'account_id = :account AND created_key < :after' : 'account_id = :account',
        ExpressionAttributeValues: {
          ':account': { S: accountId },
          ...(after ? { ':after': { S: after } } : {}),
        },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const records = (result.Items ?? []).map(fromItem);
    const more = result.LastEvaluatedKey !== undefined && records.length === limit;
    return { records, after: more ? createdKey(records[records.length - 1]) : undefined };
  }
}
