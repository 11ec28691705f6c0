import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { EdgeReleaseSchedule } from '../core/edge-releases';
import { COUNTERS_TABLE_SCHEMA } from './table-schemas';

const bucketKey = (hour: number): string => `edge-release#${hour}`;
const CURSOR_KEY = 'edge-release#cursor';
/** A bucket nobody released (the feature turned off, say) goes by itself a week after its hour. */
const KEEP_SECONDS = 7 * 24 * 3600;

/**
 * The release schedule of the edge's store in the counters table: one item per hour holding the
 * keys as a string set (`ADD`, so concurrent purges of one hour never overwrite each other), and
 * a cursor item. 100,000 removals a day are about 4,200 keys an hour, some 100 KB of the item's
 * 400 KB.
 */
export class DynamoEdgeReleases implements EdgeReleaseSchedule {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private key(pk: string) {
    return { [COUNTERS_TABLE_SCHEMA.partitionKey]: { S: pk } };
  }

  async add(hour: number, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(bucketKey(hour)),
        UpdateExpression: 'ADD #keys :keys SET #ttl = :ttl',
        ExpressionAttributeNames: { '#keys': 'keys', '#ttl': COUNTERS_TABLE_SCHEMA.ttlAttribute },
        ExpressionAttributeValues: { ':keys': { SS: [...new Set(keys)] }, ':ttl': { N: String(hour * 3600 + KEEP_SECONDS) } },
      }),
    );
  }

  async keysOf(hour: number): Promise<string[]> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(bucketKey(hour)), ConsistentRead: true }));
    return result.Item?.keys?.SS ?? [];
  }

  async clear(hour: number): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: this.key(bucketKey(hour)) }));
  }

  async lastReleased(): Promise<number | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(CURSOR_KEY), ConsistentRead: true }));
    const hour = result.Item?.hour?.N;
    return hour === undefined ? undefined : Number(hour);
  }

  async setLastReleased(hour: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(CURSOR_KEY),
        UpdateExpression: 'SET #hour = :hour',
        ExpressionAttributeNames: { '#hour': 'hour' },
        ExpressionAttributeValues: { ':hour': { N: String(hour) } },
      }),
    );
  }
}
