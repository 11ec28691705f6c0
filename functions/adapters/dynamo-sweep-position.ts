import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { SweepPosition } from '../core/sweep';
import { COUNTERS_TABLE_SCHEMA } from './table-schemas';

/** The one item that holds the sweep's position, in the counters table (operational state). */
export const SWEEP_POSITION_KEY = 'sweep#position';

/**
 * Where the sweep stopped, kept between runs in the counters table (not the images table, whose
 * items are all image records). Why a saved position rather than S3 Inventory or DynamoDB
 * Streams: docs/security-and-reliability.md.
 */
export class DynamoSweepPosition implements SweepPosition {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async load(): Promise<string | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [COUNTERS_TABLE_SCHEMA.partitionKey]: { S: SWEEP_POSITION_KEY } },
        ConsistentRead: true,
      }),
    );
    return result.Item?.after?.S;
  }

  async save(after: string | undefined): Promise<void> {
    const now = { ':now': { S: new Date().toISOString() } };
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [COUNTERS_TABLE_SCHEMA.partitionKey]: { S: SWEEP_POSITION_KEY } },
        ...(after === undefined
          ? { UpdateExpression: 'SET updated_at = :now REMOVE #after', ExpressionAttributeValues: now }
          : { UpdateExpression: 'SET #after = :after, updated_at = :now', ExpressionAttributeValues: { ...now, ':after': { S: after } } }),
        ExpressionAttributeNames: { '#after': 'after' },
      }),
    );
  }
}
