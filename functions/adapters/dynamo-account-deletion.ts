import { type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AccountDeletion, AccountEntry, DeletionState, DeletionStore } from '../core/account-deletion';
import { ifConditionHolds, type Item } from './dynamo-requests';
import { accountFromItem, userPk } from './dynamo-user-accounts';

/** The deletion's fields on the account record (`user#<sub>` in the keys table). */
function deletionOf(item: Item): AccountDeletion | undefined {
  const state = item.deletion_state?.S as DeletionState | undefined;
  if (!state) return undefined;
  return {
    state,
    ...(item.deletion_step?.S ? { step: item.deletion_step.S } : {}),
    ...(item.deletion_started_at?.S ? { startedAt: item.deletion_started_at.S } : {}),
    ...(item.deletion_step_at?.S ? { stepStartedAt: item.deletion_step_at.S } : {}),
    ...(item.deleted_at?.S ? { deletedAt: item.deleted_at.S } : {}),
  };
}

function entryOf(item: Item): AccountEntry {
  const deletion = deletionOf(item);
  return { ...(item.account_id ? { account: accountFromItem(item) } : {}), ...(deletion ? { deletion } : {}) };
}

/**
 * The state and position of account deletions on the account records themselves: one item per
 * person, so marking, moving on and finishing are single conditional writes, and the position is
 * gone with the account. Finishing replaces the record with a tombstone that keeps only the
 * Cognito `sub` (the key), the state and the time, and expires with the table's TTL.
 */
export class DynamoAccountDeletion implements DeletionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async find(sub: string): Promise<AccountEntry | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: userPk(sub) } }, ConsistentRead: true }));
    return result.Item ? entryOf(result.Item) : undefined;
  }

  async begin(sub: string, firstStep: string, now: Date): Promise<AccountEntry | undefined> {
    await ifConditionHolds(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: userPk(sub) } },
          UpdateExpression: 'SET deletion_state = :deleting, deletion_step = :step, deletion_started_at = :now, deletion_step_at = :now',
          ConditionExpression: 'attribute_exists(account_id) AND attribute_not_exists(deletion_state)',
          ExpressionAttributeValues: { ':deleting': { S: 'deleting' }, ':step': { S: firstStep }, ':now': { S: now.toISOString() } },
        }),
      ),
    );
    return this.find(sub);
  }

  async advance(sub: string, from: string, to: string, now: Date): Promise<boolean> {
    const moved = await ifConditionHolds(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: userPk(sub) } },
          UpdateExpression: 'SET deletion_step = :to, deletion_step_at = :now',
          ConditionExpression: 'deletion_state = :deleting AND deletion_step = :from',
          ExpressionAttributeValues: { ':deleting': { S: 'deleting' }, ':from': { S: from }, ':to': { S: to }, ':now': { S: now.toISOString() } },
        }),
      ),
    );
    return moved !== undefined;
  }

  async finish(sub: string, now: Date, expiresAt: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { pk: { S: userPk(sub) }, deletion_state: { S: 'deleted' }, deleted_at: { S: now.toISOString() }, expires_at: { N: String(expiresAt) } },
      }),
    );
  }
}
