import { BatchWriteItemCommand, type DynamoDBClient, QueryCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ImageLookups, LookupEntry, LookupPage } from '../core/image-lookups';
import type { Item } from './dynamo-requests';
import { LOOKUPS_TABLE_SCHEMA } from './table-schemas';

/** BatchWriteItem takes at most 25 requests a call. */
const BATCH_WRITE = 25;
/** Calls per batch before unprocessed requests count as "unavailable". */
const BATCH_ATTEMPTS = 6;

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
    return this.write(entries.map((entry) => ({ PutRequest: { Item: toItem(entry) } })));
  }

  delete(entries: readonly Pick<LookupEntry, 'partition' | 'sort'>[]): Promise<void> {
    return this.write(entries.map((entry) => ({ DeleteRequest: { Key: { [PK]: { S: entry.partition }, [SK]: { S: entry.sort } } } })));
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

  /**
   * Every request, 25 a call; what DynamoDB leaves unprocessed (throttling) is sent again after
   * a growing pause, and still-unprocessed requests after six calls fail as a ThrottlingException.
   * Puts and deletes of whole items are idempotent, so a retried call is harmless.
   */
  private async write(requests: WriteRequest[]): Promise<void> {
    for (let start = 0; start < requests.length; start += BATCH_WRITE) {
      let pending = requests.slice(start, start + BATCH_WRITE);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt >= BATCH_ATTEMPTS) throw Object.assign(new Error(`${this.tableName}: BatchWriteItem kept requests unprocessed`), { name: 'ThrottlingException' });
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = result.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }
}
