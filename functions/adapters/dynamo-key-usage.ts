import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KeyUsage } from '../core/accounts';
import type { Window } from '../core/hourly-quota';
import { lastUsedPk, windowPk } from './dynamo-hourly-counter';

type Item = Record<string, AttributeValue>;

/**
 * Reads what the hourly counter keeps about keys (see `DynamoHourlyCounter`): this window's
 * count and the last-used time, for a set of keys in one or a few BatchGetItem calls.
 */
export class DynamoKeyUsage {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async usage(keyIds: readonly string[], window: Window): Promise<Map<string, KeyUsage>> {
    const wanted: string[] = [];
    for (const keyId of new Set(keyIds)) wanted.push(windowPk(keyId, window.start), lastUsedPk(keyId));
    const items = new Map<string, Item>();
    for (let i = 0; i < wanted.length; i += 100) {
      let request: Record<string, { Keys: Item[] }> | undefined = {
        [this.tableName]: { Keys: wanted.slice(i, i + 100).map((pk) => ({ pk: { S: pk } })) },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt += 1) {
        if (attempt >= 6) throw Object.assign(new Error('counters table kept keys unprocessed'), { name: 'ThrottlingException' });
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.tableName] ?? []) items.set(item.pk.S!, item);
        request = result.UnprocessedKeys as typeof request;
      }
    }
    const usage = new Map<string, KeyUsage>();
    for (const keyId of new Set(keyIds)) {
      const current = items.get(windowPk(keyId, window.start));
      const marker = items.get(lastUsedPk(keyId));
      const last = Math.max(Number(current?.last_used_at?.N ?? 0), Number(marker?.last_used_at?.N ?? 0));
      usage.set(keyId, {
        requestsThisHour: Number(current?.count?.N ?? 0),
        lastUsedAt: last > 0 ? new Date(last).toISOString() : undefined,
      });
    }
    return usage;
  }
}
