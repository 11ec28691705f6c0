import { type DynamoDBClient, GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AccountMeter, MeterStore } from '../core/account-meters';
import type { StoredKey } from '../core/api-keys';
import { batchGetAll, ifConditionHolds, type Item, putIfAbsent, putOnce, scanAll } from './dynamo-requests';
import { KEYS_TABLE_SCHEMA } from './table-schemas';

/** A stored key: never the key itself, only its SHA-256 hash (see `StoredKey`). */
export type KeyRecord = StoredKey;

export interface Account {
  readonly accountId: string;
  readonly name: string;
  readonly createdAt: string;
}

const keyPk = (hash: string): string => `key#${hash}`;
const accountPk = (name: string): string => `account#${name}`;
export const meterPk = (accountId: string): string => `meter#${accountId}`;
/** How many API Gateway keys the meters hold (the ceiling's gauge, docs/quotas.md). */
export const METER_COUNT_PK = 'meters#apigateway';

function keyFromItem(item: Item): KeyRecord {
  return {
    keyId: item.key_id.S!,
    keyHash: item.key_hash.S!,
    accountId: item.account_id.S!,
    accountName: item.account_name.S!,
    createdAt: item.created_at.S!,
    revokedAt: item.revoked_at?.S,
    usageIdentifier: item.usage_id?.S,
    apiGatewayKeyId: item.apigw_key_id?.S,
    name: item.key_name?.S,
    prefix: item.key_prefix?.S,
  };
}

/**
 * Accounts, their keys and their meters, in one table (see `KEYS_TABLE_SCHEMA`): `key#<hash>`,
 * `account#<name>` (accounts of the CLI; the console's are `user#<sub>`, DynamoUserAccounts),
 * `meter#<account id>`, and the count of API Gateway keys the meters hold.
 */
export class DynamoKeyStore implements MeterStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async findByHash(keyHash: string, consistent = false): Promise<KeyRecord | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: keyPk(keyHash) } }, ...(consistent ? { ConsistentRead: true } : {}) }),
    );
    return result.Item ? keyFromItem(result.Item) : undefined;
  }

  async findById(keyId: string): Promise<KeyRecord | undefined> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: KEYS_TABLE_SCHEMA.byKeyIdIndex.name,
        KeyConditionExpression: 'key_id = :id',
        ExpressionAttributeValues: { ':id': { S: keyId } },
      }),
    );
    const item = result.Items?.[0];
    return item ? keyFromItem(item) : undefined;
  }

  /** The account called `name`, created with `newAccountId` if it does not exist yet. */
  async ensureAccount(name: string, newAccountId: string, now = new Date()): Promise<Account> {
    const created: Item = { pk: { S: accountPk(name) }, account_id: { S: newAccountId }, account_name: { S: name }, created_at: { S: now.toISOString() } };
    if (await putIfAbsent(this.client, this.tableName, created)) return { accountId: newAccountId, name, createdAt: now.toISOString() };
    const existing = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: accountPk(name) } }, ConsistentRead: true }),
    );
    const item = existing.Item!;
    return { accountId: item.account_id.S!, name, createdAt: item.created_at.S! };
  }

  /**
   * Stores a key record; returns false if another key with that hash already exists. A retried
   * put whose first attempt landed finds its own record (same key id): that is success.
   */
  async putKey(record: KeyRecord): Promise<boolean> {
    const item: Item = {
      pk: { S: keyPk(record.keyHash) },
      key_id: { S: record.keyId },
      key_hash: { S: record.keyHash },
      account_id: { S: record.accountId },
      account_name: { S: record.accountName },
      created_at: { S: record.createdAt },
    };
    if (record.usageIdentifier) item.usage_id = { S: record.usageIdentifier };
    if (record.apiGatewayKeyId) item.apigw_key_id = { S: record.apiGatewayKeyId };
    if (record.name !== undefined) item.key_name = { S: record.name };
    if (record.prefix !== undefined) item.key_prefix = { S: record.prefix };
    const { conflict } = await putOnce(this.client, this.tableName, item, {
      keyName: 'pk',
      readBack: () => this.findByHash(record.keyHash, true).then((r) => (r ? { key_id: { S: r.keyId } } : undefined)),
      isOurs: (stored) => stored.key_id?.S === record.keyId,
    });
    return conflict === undefined;
  }

  /**
   * Moves a key onto its account's meter (`keys migrate`): conditional on the identifier it had,
   * so a key another run moved already is left alone; false then.
   */
  async repointUsageIdentifier(keyHash: string, from: string | undefined, to: string): Promise<boolean> {
    const updated = await ifConditionHolds(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: keyPk(keyHash) } },
          UpdateExpression: 'SET usage_id = :to',
          ConditionExpression: from === undefined ? 'attribute_exists(pk) AND attribute_not_exists(usage_id)' : 'usage_id = :from',
          ExpressionAttributeValues: { ':to': { S: to }, ...(from === undefined ? {} : { ':from': { S: from } }) },
        }),
      ),
    );
    return updated !== undefined;
  }

  /** Strongly consistent: the meter a concurrent first key just stored must be found. */
  async findMeter(accountId: string): Promise<AccountMeter | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: meterPk(accountId) } }, ConsistentRead: true }));
    const item = result.Item;
    if (!item) return undefined;
    return {
      accountId: item.account_id.S!,
      usageIdentifier: item.usage_id.S!,
      createdAt: item.created_at.S!,
      ...(item.apigw_key_id?.S ? { apiGatewayKeyId: item.apigw_key_id.S } : {}),
    };
  }

  async putMeter(meter: AccountMeter): Promise<boolean> {
    const item: Item = {
      pk: { S: meterPk(meter.accountId) },
      account_id: { S: meter.accountId },
      usage_id: { S: meter.usageIdentifier },
      created_at: { S: meter.createdAt },
    };
    if (meter.apiGatewayKeyId) item.apigw_key_id = { S: meter.apiGatewayKeyId };
    return putIfAbsent(this.client, this.tableName, item);
  }

  async countApiGatewayKey(): Promise<number> {
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: METER_COUNT_PK } },
        UpdateExpression: 'ADD #count :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.count?.N ?? 0);
  }

  /** The keys with these hashes (those that exist), read in batches (see `batchGetAll`). */
  async findByHashes(hashes: readonly string[]): Promise<KeyRecord[]> {
    const keys = [...new Set(hashes)].map((hash) => ({ pk: { S: keyPk(hash) } }));
    return (await batchGetAll(this.client, this.tableName, keys)).map(keyFromItem);
  }

  /** Forgets the API Gateway key id of a revoked key once that API key is deleted. */
  async clearApiGatewayKeyId(keyHash: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({ TableName: this.tableName, Key: { pk: { S: keyPk(keyHash) } }, UpdateExpression: 'REMOVE apigw_key_id' }),
    );
  }

  /** Marks a key revoked; returns the record as it was, or undefined when there is no such key. */
  async revoke(keyId: string, now = new Date()): Promise<KeyRecord | undefined> {
    const record = await this.findById(keyId);
    if (!record) return undefined;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: keyPk(record.keyHash) } },
        UpdateExpression: 'SET revoked_at = if_not_exists(revoked_at, :now)',
        ExpressionAttributeValues: { ':now': { S: now.toISOString() } },
      }),
    );
    return record;
  }

  async listKeys(): Promise<KeyRecord[]> {
    const keys: KeyRecord[] = [];
    const items = scanAll(this.client, { TableName: this.tableName, FilterExpression: 'begins_with(pk, :prefix)', ExpressionAttributeValues: { ':prefix': { S: 'key#' } } });
    for await (const item of items) keys.push(keyFromItem(item));
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
