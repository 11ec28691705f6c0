import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ImageUpdate } from '../core/image-updates';
import { metadataMap } from './dynamo-image-apps';
import { ifConditionHolds, type Item } from './dynamo-requests';
import { IMAGES_TABLE_SCHEMA } from './table-schemas';

/** The value of the expiry index's partition key: every expiring image is in one sparse partition. */
export const EXPIRING = 'expiring';

/** An update's SET and REMOVE clauses with their names and values (`expression` empty when it changes nothing). */
function updateExpression(accountId: string, update: ImageUpdate): { expression: string; names: Record<string, string>; values: Item } {
  const set: string[] = [];
  const remove: string[] = [];
  const names: Record<string, string> = { '#account': 'account_id' };
  const values: Item = { ':account': { S: accountId } };
  if (update.visibility === 'private') {
    set.push('#visibility = :private');
    names['#visibility'] = 'visibility';
    values[':private'] = { S: 'private' };
  } else if (update.visibility === 'public') {
    remove.push('#visibility');
    names['#visibility'] = 'visibility';
  }
  if (update.imageExpiresAt !== undefined) {
    names['#expiry'] = 'image_expires_at';
    names['#expiring'] = IMAGES_TABLE_SCHEMA.expiryIndex.partitionKey;
    if (update.imageExpiresAt === null) remove.push('#expiry', '#expiring');
    else {
      set.push('#expiry = :expiry', '#expiring = :expiring');
      values[':expiry'] = { N: String(update.imageExpiresAt) };
      values[':expiring'] = { S: EXPIRING };
    }
  }
  if (update.metadata !== undefined) {
    names['#meta'] = 'metadata';
    const pairs = update.metadata && Object.keys(update.metadata).length > 0 ? update.metadata : undefined;
    if (pairs) {
      set.push('#meta = :meta');
      values[':meta'] = metadataMap(pairs);
    } else remove.push('#meta');
  }
  const expression = [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');
  return { expression, names, values };
}

/**
 * Applies a PATCH (visibility; expiry, `null` to clear it; metadata, `null` to remove it) to the
 * image if it belongs to `accountId`, in one conditional UpdateItem. The item as it is
 * afterwards; undefined when there is no such image of that account; `unchanged` when the
 * update changes nothing (no request is sent).
 */
export async function updateImageItem(
  client: DynamoDBClient,
  tableName: string,
  id: string,
  accountId: string,
  update: ImageUpdate,
): Promise<Item | undefined | 'unchanged'> {
  const { expression, names, values } = updateExpression(accountId, update);
  if (expression === '') return 'unchanged';
  const updated = await ifConditionHolds(
    client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { id: { S: id } },
        UpdateExpression: expression,
        ConditionExpression: '#account = :account',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  return updated?.Attributes;
}
