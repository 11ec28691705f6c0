import { type AttributeValue, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { AccountDeletedError, type SessionUser, type UserAccount } from '../core/accounts';
import type { UserAccountStore } from '../core/account-keys';
import { ifConditionHolds, type Item, putIfAbsent } from './dynamo-requests';

export const userPk = (sub: string): string => `user#${sub}`;

function mapOf(value: AttributeValue | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value?.M ?? {})) if (entry.S !== undefined) result[name] = entry.S;
  return result;
}

/** The account of an account record (not of a tombstone: see adapters/dynamo-account-deletion.ts). */
export function accountFromItem(item: Item): UserAccount {
  return {
    accountId: item.account_id.S!,
    sub: item.sub.S!,
    email: item.email.S!,
    createdAt: item.created_at.S!,
    keys: mapOf(item.keys),
    activeKeys: mapOf(item.active_keys),
  };
}

/**
 * Accounts of people who signed up, in the keys table next to the keys: one item per Cognito
 * user (`user#<sub>`) holding the account id and two maps of key id -> key hash, every key the
 * account made and the active ones. The limit of active keys is a condition on the size of that
 * map, so it holds under concurrent creates without a transaction (which dynalite lacks).
 */
export class DynamoUserAccounts implements UserAccountStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async ensure(user: SessionUser, newAccountId: string, now: Date): Promise<UserAccount> {
    const existing = await this.find(user.sub);
    if (existing) return existing;
    // Two first requests at once: one creates, the other reads what it created.
    await putIfAbsent(this.client, this.tableName, {
      pk: { S: userPk(user.sub) },
      sub: { S: user.sub },
      email: { S: user.email },
      account_id: { S: newAccountId },
      created_at: { S: now.toISOString() },
      keys: { M: {} },
      active_keys: { M: {} },
    });
    const created = await this.find(user.sub);
    if (!created) throw new Error('account record missing after create');
    return created;
  }

  async reserveKeySlot(sub: string, keyId: string, keyHash: string, max: number): Promise<boolean> {
    const reserved = await ifConditionHolds(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: userPk(sub) } },
          UpdateExpression: 'SET #keys.#id = :hash, #active.#id = :hash',
          // An account being deleted makes no more keys (docs/account-deletion.md).
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletion_state) AND size(#active) < :max',
          ExpressionAttributeNames: { '#keys': 'keys', '#active': 'active_keys', '#id': keyId },
          ExpressionAttributeValues: { ':hash': { S: keyHash }, ':max': { N: String(max) } },
        }),
      ),
    );
    return reserved !== undefined;
  }

  async releaseKeySlot(sub: string, keyId: string, forget: boolean): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: userPk(sub) } },
        UpdateExpression: forget ? 'REMOVE #active.#id, #keys.#id' : 'REMOVE #active.#id',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#active': 'active_keys', '#id': keyId, ...(forget ? { '#keys': 'keys' } : {}) },
      }),
    );
  }

  /**
   * Strongly consistent: a key created a moment ago must be in the next list. An account being
   * deleted, or its tombstone, is AccountDeletedError (a 410 for every route that reads it this
   * way, a refused session in the authorizer), so nothing recreates or changes an account under deletion.
   */
  async find(sub: string): Promise<UserAccount | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: userPk(sub) } }, ConsistentRead: true }),
    );
    if (result.Item?.deletion_state) throw new AccountDeletedError();
    return result.Item ? accountFromItem(result.Item) : undefined;
  }
}
