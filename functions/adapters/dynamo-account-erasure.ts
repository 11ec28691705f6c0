import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ErasureItems } from '../core/account-erasure-steps';
import { windowAt } from '../core/hourly-quota';
import { totalsPk } from './dynamo-account-totals';
import { lastUsedPk, windowPk } from './dynamo-hourly-counter';
import { METER_COUNT_PK, meterPk } from './dynamo-key-store';
import { batchWriteAll } from './dynamo-requests';
import { COUNTERS_TABLE_SCHEMA, EXPORTS_TABLE_SCHEMA } from './table-schemas';

/** Hourly windows outlive their hour by a day (adapters/dynamo-hourly-counter.ts): this many hours back may still hold one. */
const WINDOW_HOURS = 26;

/**
 * The items of an account that only its deletion removes, in the keys, counters and exports
 * tables. Every delete is of a named key (no scan): the key records by the hashes the account
 * record lists, the counters by the account id and the key ids (and its console window), the
 * exports by their partition, the Idempotency-Key records from their sparse index by account.
 * Deleting an item that is not there is no error, so each call can be repeated.
 */
export class DynamoAccountErasure implements ErasureItems {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tables: { readonly keys: string; readonly counters: string; readonly exports: string },
  ) {}

  deleteKeyRecords(hashes: readonly string[]): Promise<void> {
    return this.deleteKeys(this.tables.keys, hashes.map((hash) => ({ pk: { S: `key#${hash}` } })));
  }

  deleteSigningSecrets(accountId: string): Promise<void> {
    return this.deleteKeys(this.tables.keys, [{ pk: { S: `signing#${accountId}` } }]);
  }

  deleteCounters(accountId: string, keyIds: readonly string[], nowMs: number): Promise<void> {
    const current = windowAt(nowMs).start;
    const pks = [totalsPk(accountId)];
    for (const keyId of keyIds) {
      pks.push(lastUsedPk(keyId));
      for (let hour = 0; hour <= WINDOW_HOURS; hour += 1) pks.push(windowPk(keyId, current - hour * 3600));
    }
    return this.deleteKeys(this.tables.counters, pks.map((pk) => ({ pk: { S: pk } })));
  }

  async exportIds(accountId: string, limit: number): Promise<string[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.exports,
        KeyConditionExpression: '#account = :account',
        ExpressionAttributeNames: { '#account': EXPORTS_TABLE_SCHEMA.partitionKey },
        ExpressionAttributeValues: { ':account': { S: accountId } },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => item[EXPORTS_TABLE_SCHEMA.sortKey].S!);
  }

  deleteExports(accountId: string, ids: readonly string[]): Promise<void> {
    return this.deleteKeys(
      this.tables.exports,
      ids.map((id) => ({ [EXPORTS_TABLE_SCHEMA.partitionKey]: { S: accountId }, [EXPORTS_TABLE_SCHEMA.sortKey]: { S: id } })),
    );
  }

  async idempotencyIds(accountId: string, limit: number): Promise<string[]> {
    const index = COUNTERS_TABLE_SCHEMA.byIdempotencyAccountIndex;
    // An index read is eventually consistent: a record deleted a moment ago may still be listed
    // (deleting it again is harmless); none is written for an account under deletion (its keys
    // and sessions are refused), so an empty page means none is left.
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.counters,
        IndexName: index.name,
        KeyConditionExpression: '#account = :account',
        ExpressionAttributeNames: { '#account': index.partitionKey },
        ExpressionAttributeValues: { ':account': { S: accountId } },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => item[COUNTERS_TABLE_SCHEMA.partitionKey].S!);
  }

  deleteIdempotencyRecords(ids: readonly string[]): Promise<void> {
    return this.deleteKeys(this.tables.counters, ids.map((id) => ({ pk: { S: id } })));
  }

  /**
   * The meter record (adapters/dynamo-key-store.ts), and one off the count of API Gateway keys
   * the meters hold if it held one. Killed between the two, the count stays one high (the
   * ceiling's gauge errs towards the alarm), never low.
   */
  async deleteMeter(accountId: string): Promise<void> {
    const deleted = await this.client.send(
      new DeleteItemCommand({ TableName: this.tables.keys, Key: { pk: { S: meterPk(accountId) } }, ReturnValues: 'ALL_OLD' }),
    );
    if (!deleted.Attributes?.apigw_key_id) return;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tables.keys,
        Key: { pk: { S: METER_COUNT_PK } },
        UpdateExpression: 'ADD #count :minusOne',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':minusOne': { N: '-1' } },
      }),
    );
  }

  private deleteKeys(tableName: string, keys: ReadonlyArray<Record<string, AttributeValue>>): Promise<void> {
    return batchWriteAll(this.client, tableName, keys.map((Key) => ({ DeleteRequest: { Key } })));
  }
}
