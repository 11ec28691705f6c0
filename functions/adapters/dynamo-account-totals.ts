import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ImageTotals } from '../core/accounts';

/** The counters-table item holding an account's running image totals. */
export const totalsPk = (accountId: string): string => `totals#${accountId}`;

/**
 * An account's images and bytes (ready images only) as running totals, so the account page
 * reads one item instead of summing every record (`Select: COUNT` would not give bytes). They
 * live in the counters table, beside the per-key usage the same page reads, and carry no TTL.
 * `DynamoImageRecords` adjusts them where an image appears or disappears.
 */
export class DynamoAccountTotals {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async add(accountId: string, count: number, bytes: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: totalsPk(accountId) } },
        UpdateExpression: 'ADD image_count :count, image_bytes :bytes',
        ExpressionAttributeValues: { ':count': { N: String(count) }, ':bytes': { N: String(bytes) } },
      }),
    );
  }

  async get(accountId: string): Promise<ImageTotals> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: totalsPk(accountId) } } }));
    return { count: Number(result.Item?.image_count?.N ?? 0), bytes: Number(result.Item?.image_bytes?.N ?? 0) };
  }
}
