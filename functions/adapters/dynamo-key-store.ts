import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { StoredKey } from '../core/api-keys';
import { KEYS_TABLE_SCHEMA } from './table-schemas';

/** A stored key: never the key itself, only its SHA-256 hash (see `StoredKey`). */
export type KeyRecord = StoredKey;

export interface Account {
  readonly accountId: string;
  readonly name: string;
  readonly createdAt: string;
}

type Item = Record<string, AttributeValue>;

const keyPk = (hash: string): string => `key#${hash}`;
const accountPk = (name: string): string => `account#${name}`;

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

/** Accounts and their keys, in one table (see `KEYS_TABLE_SCHEMA`). */
export class DynamoKeyStore {
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
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: accountPk(name) },
            account_id: { S: newAccountId },
            account_name: { S: name },
            created_at: { S: now.toISOString() },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { accountId: newAccountId, name, createdAt: now.toISOString() };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && (error as Error).name !== 'ConditionalCheckFailedException') {
        throw error;
      }
    }
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
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const old = (error as { Item?: Item }).Item ?? (await this.findByHash(record.keyHash, true).then((r) => (r ? { key_id: { S: r.keyId } } : undefined)));
      return old?.key_id?.S === record.keyId;
    }
  }

  /**
   * Gives a key created before usage identifiers existed its identifier and new API Gateway
   * key id (`keys migrate`). Conditional, so two migrations cannot both set one; returns false
   * when the key already has an identifier.
   */
  async setUsageIdentifier(keyHash: string, usageIdentifier: string, apiGatewayKeyId: string | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: keyPk(keyHash) } },
          UpdateExpression: apiGatewayKeyId ? 'SET usage_id = :usage, apigw_key_id = :apigw' : 'SET usage_id = :usage',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usage_id)',
          ExpressionAttributeValues: { ':usage': { S: usageIdentifier }, ...(apiGatewayKeyId ? { ':apigw': { S: apiGatewayKeyId } } : {}) },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** The keys with these hashes (those that exist), read in batches of 100. */
  async findByHashes(hashes: readonly string[]): Promise<KeyRecord[]> {
    const found: KeyRecord[] = [];
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: Item[] }> | undefined = {
        [this.tableName]: { Keys: unique.slice(i, i + 100).map((hash) => ({ pk: { S: keyPk(hash) } })) },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt += 1) {
        // Unprocessed keys mean DynamoDB is throttling us: back off, and give up as "unavailable".
        if (attempt >= 6) throw Object.assign(new Error('keys table kept keys unprocessed'), { name: 'ThrottlingException' });
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        found.push(...(result.Responses?.[this.tableName] ?? []).map(keyFromItem));
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
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
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': { S: 'key#' } },
          ExclusiveStartKey: start,
        }),
      );
      keys.push(...(page.Items ?? []).map(keyFromItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
