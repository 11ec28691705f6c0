import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { HourlyCounter, Window } from '../core/hourly-quota';
import { ifConditionHolds } from './dynamo-requests';

/** How long a finished window's item is kept before DynamoDB's TTL may remove it. */
const KEEP_SECONDS = 24 * 3600;

/** A key's "last used" marker is rewritten at most once per this many milliseconds. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** The counters-table item of a key's window, and of its last-used marker. */
export const windowPk = (keyId: string, windowStart: number): string => `${keyId}#${windowStart}`;
export const lastUsedPk = (keyId: string): string => `last#${keyId}`;

/**
 * The fixed window as one conditional UpdateItem: `ADD count 1` only while `count < limit`.
 * DynamoDB applies it atomically, so concurrent requests can never push a window past the
 * limit, and a refused request adds nothing.
 *
 * The same update stamps the window with the time of the request (`last_used_at`, no extra
 * write). When the previous request in the window was over a minute ago (or there was none),
 * the key's long-lived `last#<key id>` marker is moved forward too: at most one extra write per
 * key and minute, never one per request, and the account page reads "last used" from the two.
 */
export class DynamoHourlyCounter implements HourlyCounter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async increment(keyId: string, window: Window, limit: number): Promise<number | undefined> {
    const nowMs = this.now();
    const result = await ifConditionHolds(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: windowPk(keyId, window.start) } },
          UpdateExpression: 'ADD #count :one SET expires_at = if_not_exists(expires_at, :expires), last_used_at = :now',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':limit': { N: String(limit) },
            ':expires': { N: String(window.end + KEEP_SECONDS) },
            ':now': { N: String(nowMs) },
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    // The window is full: nothing was added.
    if (!result) return undefined;
    const previous = result.Attributes;
    const lastUsed = Number(previous?.last_used_at?.N ?? 0);
    if (nowMs - lastUsed >= LAST_USED_RESOLUTION_MS) await this.markUsed(keyId, nowMs);
    return Number(previous?.count?.N ?? 0) + 1;
  }

  /** Moves the key's last-used marker forward; a failure only makes "last used" older, so it is ignored. */
  private async markUsed(keyId: string, nowMs: number): Promise<void> {
    const update = new UpdateItemCommand({
      TableName: this.tableName,
      Key: { pk: { S: lastUsedPk(keyId) } },
      UpdateExpression: 'SET last_used_at = :now',
      ConditionExpression: 'attribute_not_exists(last_used_at) OR last_used_at < :now',
      ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
    });
    // Conditional failure (a newer stamp won) or storage trouble: the window item still has the time.
    await this.client.send(update).catch(() => undefined);
  }
}
