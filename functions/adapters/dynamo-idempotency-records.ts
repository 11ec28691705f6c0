import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { idempotencyRecordAccount, type IdempotencyRecord, type IdempotencyRecords } from '../core/idempotency';
import { COUNTERS_TABLE_SCHEMA } from './table-schemas';
import { conditionFailure, ifConditionHolds, type Item } from './dynamo-requests';

/**
 * Idempotency records in the counters table (one item per account and key, `pk` =
 * `idem#<account>#<hash of the key>`), beside the hourly windows they protect. `expires_at` is
 * the table's TTL attribute, so DynamoDB removes records a while after their 24 hours; until it
 * does (and in the local emulator, which has no TTL) the condition of every claim treats an
 * expired record as absent, so expiry never depends on the TTL. Each record also carries its
 * account (`idem_account`, a sparse index), so deleting the account finds them without a scan.
 */
export class DynamoIdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(id: string, record: IdempotencyRecord, nowSeconds: number): Promise<IdempotencyRecord | undefined> {
    // A claim that races a release (or a takeover) may read back nothing live: it then tries again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem(id, record),
            ConditionExpression: 'attribute_not_exists(pk) OR expires_at <= :now OR (#state = :inFlight AND lease_until <= :now)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':now': { N: String(nowSeconds) }, ':inFlight': { S: 'in-flight' } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return undefined;
      } catch (error) {
        const failed = conditionFailure(error);
        if (!failed) throw error;
        const held = failed.item ?? (await this.read(id));
        const record = held && fromItem(held);
        if (record && record.expiresAt > nowSeconds && (record.state === 'done' || record.leaseUntil > nowSeconds)) return record;
      }
    }
    throw Object.assign(new Error('idempotency record kept changing under the claim'), { name: 'ThrottlingException' });
  }

  async complete(id: string, owner: string, response: string): Promise<boolean> {
    const update = this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: id } },
        UpdateExpression: 'SET #state = :done, #response = :response',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#state': 'state', '#response': 'response', '#owner': 'owner' },
        ExpressionAttributeValues: { ':done': { S: 'done' }, ':response': { S: response }, ':owner': { S: owner } },
      }),
    );
    return (await ifConditionHolds(update)) !== undefined;
  }

  async release(id: string, owner: string): Promise<void> {
    await ifConditionHolds(
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: id } },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      ),
    );
  }

  private async read(id: string): Promise<Item | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: id } }, ConsistentRead: true }));
    return result.Item;
  }
}

function toItem(id: string, record: IdempotencyRecord): Item {
  const account = idempotencyRecordAccount(id);
  return {
    pk: { S: id },
    ...(account ? { [COUNTERS_TABLE_SCHEMA.byIdempotencyAccountIndex.partitionKey]: { S: account } } : {}),
    fingerprint: { S: record.fingerprint },
    state: { S: record.state },
    owner: { S: record.owner },
    lease_until: { N: String(record.leaseUntil) },
    expires_at: { N: String(record.expiresAt) },
    ...(record.response === undefined ? {} : { response: { S: record.response } }),
  };
}

function fromItem(item: Item): IdempotencyRecord {
  return {
    fingerprint: item.fingerprint?.S ?? '',
    state: item.state?.S === 'done' ? 'done' : 'in-flight',
    owner: item.owner?.S ?? '',
    leaseUntil: Number(item.lease_until?.N ?? 0),
    expiresAt: Number(item.expires_at?.N ?? 0),
    ...(item.response?.S === undefined ? {} : { response: item.response.S }),
  };
}
