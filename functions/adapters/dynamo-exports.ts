import { type DynamoDBClient, GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ExportRecord, ExportRecords, ExportState } from '../core/exports';
import { ifConditionHolds, type Item, putIfAbsent } from './dynamo-requests';
import { EXPORTS_TABLE_SCHEMA } from './table-schemas';

/** Record field -> attribute, for the fields an update may set. */
const ATTRIBUTES = {
  state: 'state',
  expiresAt: 'expires_at',
  objectKey: 'object_key',
  size: 'size',
  imageCount: 'image_count',
  finishedAt: 'finished_at',
  reason: 'reason',
} as const satisfies Partial<Record<keyof ExportRecord, string>>;

const NUMBERS = new Set<string>(['expiresAt', 'size', 'imageCount']);

function value(field: string, raw: unknown): Item[string] {
  return NUMBERS.has(field) ? { N: String(raw) } : { S: String(raw) };
}

function toItem(record: ExportRecord): Item {
  const item: Item = { account_id: { S: record.accountId }, export_id: { S: record.id }, created_at: { S: record.createdAt } };
  for (const [field, attribute] of Object.entries(ATTRIBUTES)) {
    const raw = record[field as keyof ExportRecord];
    if (raw !== undefined) item[attribute] = value(field, raw);
  }
  return item;
}

function fromItem(item: Item): ExportRecord {
  const num = (name: string) => (item[name]?.N === undefined ? undefined : Number(item[name].N));
  return {
    accountId: item.account_id.S!,
    id: item.export_id.S!,
    createdAt: item.created_at.S!,
    state: item.state.S as ExportState,
    expiresAt: num('expires_at')!,
    objectKey: item.object_key?.S,
    size: num('size'),
    imageCount: num('image_count'),
    finishedAt: item.finished_at?.S,
    reason: item.reason?.S,
  };
}

/** Account exports in the exports table (see `EXPORTS_TABLE_SCHEMA`). */
export class DynamoExports implements ExportRecords {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async create(record: ExportRecord): Promise<void> {
    // Export ids are 128 random bits: a taken one means a repeated write of this very record.
    await putIfAbsent(this.client, this.tableName, toItem(record), EXPORTS_TABLE_SCHEMA.sortKey);
  }

  async get(accountId: string, id: string): Promise<ExportRecord | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { account_id: { S: accountId }, export_id: { S: id } }, ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  /** Newest first by creation time (export ids are random, so the account's few exports are sorted here). */
  async recent(accountId: string, limit: number): Promise<ExportRecord[]> {
    const records: ExportRecord[] = [];
    let start: Item | undefined;
    // An account has few exports at a time (each expires): a few pages at most.
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'account_id = :account',
          ExpressionAttributeValues: { ':account': { S: accountId } },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      records.push(...(page.Items ?? []).map(fromItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).slice(0, limit);
  }

  async update(accountId: string, id: string, change: Partial<Omit<ExportRecord, 'accountId' | 'id' | 'createdAt'>>, from: readonly ExportState[]): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Item = {};
    const sets: string[] = [];
    for (const [field, raw] of Object.entries(change)) {
      const attribute = ATTRIBUTES[field as keyof typeof ATTRIBUTES];
      if (attribute === undefined || raw === undefined) continue;
      names[`#${field}`] = attribute;
      values[`:${field}`] = value(field, raw);
      sets.push(`#${field} = :${field}`);
    }
    from.forEach((state, i) => {
      values[`:from${i}`] = { S: state };
    });
    const updated = await ifConditionHolds(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { account_id: { S: accountId }, export_id: { S: id } },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `#state IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return updated !== undefined;
  }
}
