import { type DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ImageAnalysis } from '../core/analysis';
import type { ImageRecord } from '../core/images';
import type { UserMetadata } from '../core/user-metadata';
import { logger } from '../runtime/logger';
import { ifConditionHolds, type Item } from './dynamo-requests';
import { IMAGES_TABLE_SCHEMA } from './table-schemas';

/**
 * The attributes and requests of an image record that apps use (docs/apps.md): the account's
 * metadata, what the analysis found, the by-SHA index (a PATCH of the metadata is in
 * dynamo-image-changes.ts, with the visibility and expiry). Beside dynamo-image-records.ts, which
 * maps the rest of the record and delegates these here.
 */

/** The by-SHA index's key: the account, then the bytes' digest. */
export function accountSha(accountId: string, sha256: string): string {
  return `${accountId}#${sha256}`;
}

/** The app attributes of a record as item attributes. */
export function appAttributesToItem(record: ImageRecord): Item {
  const item: Item = {};
  if (record.metadata && Object.keys(record.metadata).length > 0) item.metadata = metadataMap(record.metadata);
  if (record.thumbhash !== undefined) item.thumbhash = { S: record.thumbhash };
  if (record.dominantColor !== undefined) item.dominant_color = { S: record.dominantColor };
  if (record.phash !== undefined) item.phash = { S: record.phash };
  if (record.duplicateOf !== undefined) item.duplicate_of = { S: record.duplicateOf };
  // Only ready images are duplicates worth naming: pending ones have no bytes yet.
  if (record.state === 'ready' && record.sha256 !== undefined) item.account_sha = { S: accountSha(record.accountId, record.sha256) };
  return item;
}

/** The app attributes of an item, as record fields (absent ones left out). */
export function appAttributesFromItem(item: Item): Partial<ImageRecord> {
  const record: Record<string, unknown> = {};
  const map = item.metadata?.M;
  if (map) record.metadata = Object.fromEntries(Object.entries(map).map(([key, value]) => [key, value.S ?? '']));
  if (item.thumbhash?.S !== undefined) record.thumbhash = item.thumbhash.S;
  if (item.dominant_color?.S !== undefined) record.dominantColor = item.dominant_color.S;
  if (item.phash?.S !== undefined) record.phash = item.phash.S;
  if (item.duplicate_of?.S !== undefined) record.duplicateOf = item.duplicate_of.S;
  return record as Partial<ImageRecord>;
}

/** The account's metadata as a map attribute. */
export function metadataMap(metadata: UserMetadata): { M: Item } {
  return { M: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, { S: value }])) };
}

/**
 * Puts a settled large upload in the by-SHA index: a second write after the settle, which does
 * not know the account. If it is lost the image is only missing as a `duplicate_of` of later uploads.
 */
export async function indexSha(client: DynamoDBClient, tableName: string, id: string, accountId: string, sha256: string): Promise<void> {
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { id: { S: id } },
        UpdateExpression: 'SET account_sha = :sha',
        ConditionExpression: '#state = :ready',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sha': { S: accountSha(accountId, sha256) }, ':ready': { S: 'ready' } },
      }),
    );
  } catch (error) {
    logger.warn('image not indexed by sha256', { imageId: id, error });
  }
}

/**
 * The first-stored item of the by-SHA index for the account's bytes (the index is eventually
 * consistent). The index has no sort key, so its order among copies is arbitrary: the earliest
 * `created_at` of the page is the original every later copy names (docs/apps.md). Copies of one
 * file in one account are few, so one page holds them.
 */
export async function findItemBySha(client: DynamoDBClient, tableName: string, accountId: string, sha256: string): Promise<Item | undefined> {
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: IMAGES_TABLE_SCHEMA.byShaIndex.name,
      KeyConditionExpression: 'account_sha = :sha',
      ExpressionAttributeValues: { ':sha': { S: accountSha(accountId, sha256) } },
    }),
  );
  const createdAt = (item: Item) => item.created_at?.S ?? '';
  return result.Items?.reduce<Item | undefined>((first, item) => (first === undefined || createdAt(item) < createdAt(first) ? item : first), undefined);
}

/** Writes what the analysis found, if the record exists; false when it does not (not written yet, or deleted). */
export async function setAnalysisAttributes(client: DynamoDBClient, tableName: string, id: string, analysis: ImageAnalysis): Promise<boolean> {
  const written = await ifConditionHolds(
    client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { id: { S: id } },
        UpdateExpression: 'SET thumbhash = :thumbhash, dominant_color = :color, phash = :phash',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':thumbhash': { S: analysis.thumbhash }, ':color': { S: analysis.dominantColor }, ':phash': { S: analysis.phash } },
      }),
    ),
  );
  return written !== undefined;
}
