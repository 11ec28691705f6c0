import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KeyUsage, KeyUsageReader } from '../core/accounts';
import type { Window } from '../core/hourly-quota';
import { lastUsedPk, windowPk } from './dynamo-hourly-counter';
import { batchGetAll, type Item } from './dynamo-requests';

/**
 * Reads what the hourly counter keeps about keys (see `DynamoHourlyCounter`): this window's
 * count and the last-used time, for a set of keys in one or a few BatchGetItem calls.
 */
export class DynamoKeyUsage implements KeyUsageReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async usage(keyIds: readonly string[], window: Window): Promise<Map<string, KeyUsage>> {
    const wanted: string[] = [];
    for (const keyId of new Set(keyIds)) wanted.push(windowPk(keyId, window.start), lastUsedPk(keyId));
    const items = new Map<string, Item>();
    for (const item of await batchGetAll(this.client, this.tableName, wanted.map((pk) => ({ pk: { S: pk } })))) items.set(item.pk.S!, item);
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
