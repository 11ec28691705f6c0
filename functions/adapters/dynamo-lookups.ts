import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { ImageLookups, LookupEntry, LookupPage } from '../core/image-lookups';
import { batchWriteAll, type Item } from './dynamo-requests';
import { LOOKUPS_TABLE_SCHEMA } from './table-schemas';

const { partitionKey: PK, sortKey: SK } = LOOKUPS_TABLE_SCHEMA;

function toItem(entry: LookupEntry): Item {
  return { [PK]: { S: entry.partition }, [SK]: { S: entry.sort }, image_id: { S: entry.imageId }, ...(entry.phash ? { phash: { S: entry.phash } } : {}) };
}

function fromItem(item: Item): LookupEntry {
  return { partition: item[PK].S!, sort: item[SK].S!, imageId: item.image_id.S!, ...(item.phash?.S ? { phash: item.phash.S } : {}) };
}

/** The lookups table (see core/image-lookups.ts): one item per lookup, `pk` + `sk`. */
export class DynamoLookups implements ImageLookups {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  put(entries: readonly LookupEntry[]): Promise<void> {
    return batchWriteAll(this.client, this.tableName, entries.map((entry) => ({ PutRequest: { Item: toItem(entry) } })));
  }

  delete(entries: readonly Pick<LookupEntry, 'partition' | 'sort'>[]): Promise<void> {
    return batchWriteAll(this.client, this.tableName, entries.map((entry) => ({ DeleteRequest: { Key: { [PK]: { S: entry.partition }, [SK]: { S: entry.sort } } } })));
  }

  async page(partition: string, limit: number, after?: string): Promise<LookupPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: after ? '#pk = :pk AND #sk < :after' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK, ...(after ? { '#sk': SK } : {}) },
        ExpressionAttributeValues: { ':pk': { S: partition }, ...(after ? { ':after': { S: after } } : {}) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const entries = (result.Items ?? []).map(fromItem);
    return { entries, after: result.LastEvaluatedKey && entries.length > 0 ? entries[entries.length - 1].sort : undefined };
  }
}
