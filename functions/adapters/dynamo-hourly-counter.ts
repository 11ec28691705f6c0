import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { HourlyCounter, Window } from '../core/hourly-quota';

/** How long a finished window's item is kept before DynamoDB's TTL may remove it. */
const KEEP_SECONDS = 24 * 3600;

/**
 * The fixed window as one conditional UpdateItem: `ADD count 1` only while `count < limit`.
 * DynamoDB applies it atomically, so concurrent requests can never push a window past the
 * limit, and a refused request adds nothing.
 */
export class DynamoHourlyCounter implements HourlyCounter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async increment(keyId: string, window: Window, limit: number): Promise<number | undefined> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `${keyId}#${window.start}` } },
          UpdateExpression: 'ADD #count :one SET expires_at = if_not_exists(expires_at, :expires)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':limit': { N: String(limit) },
            ':expires': { N: String(window.end + KEEP_SECONDS) },
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(result.Attributes?.count?.N);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        return undefined;
      }
      throw error;
    }
  }
}
