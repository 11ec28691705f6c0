import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, expect, it } from 'vitest';
import { COUNTERS_TABLE_SCHEMA } from '../../functions/adapters/table-schemas';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES, startEmulators } from '../../local/emulators';

/**
 * A local data dir made before a table gained an index (the counters table's Idempotency-Key
 * index, docs/account-deletion.md) starts again with the index, and its items kept.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'imager-indexes-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const clientOf = (endpoint: string) => new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
const TABLE = LOCAL_RESOURCES.countersTable;
const index = COUNTERS_TABLE_SCHEMA.byIdempotencyAccountIndex;

it('makes a table again with its missing index, keeping every item', async () => {
  // The data dir as an earlier version left it: the counters table without the index.
  let emulators = await startEmulators({ dataDir });
  let client = clientOf(emulators.dynamodbEndpoint);
  // dynalite deletes and creates a table a moment after answering: each is waited for.
  const wait = { client, minDelay: 1, maxDelay: 1, maxWaitTime: 30 };
  await client.send(new DeleteTableCommand({ TableName: TABLE }));
  await waitUntilTableNotExists(wait, { TableName: TABLE });
  await client.send(
    new CreateTableCommand({ TableName: TABLE, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
  );
  await waitUntilTableExists(wait, { TableName: TABLE });
  await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'totals#acct_a' }, count: { N: '3' } } }));
  await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'idem#acct_a#h1' }, [index.partitionKey]: { S: 'acct_a' } } }));
  client.destroy();
  await emulators.close();

  emulators = await startEmulators({ dataDir });
  client = clientOf(emulators.dynamodbEndpoint);
  try {
    expect((await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'totals#acct_a' } } }))).Item?.count?.N).toBe('3');
    const found = await client.send(
      new QueryCommand({ TableName: TABLE, IndexName: index.name, KeyConditionExpression: '#a = :a', ExpressionAttributeNames: { '#a': index.partitionKey }, ExpressionAttributeValues: { ':a': { S: 'acct_a' } } }),
    );
    expect(found.Items?.map((item) => item.pk.S)).toEqual(['idem#acct_a#h1']);
  } finally {
    client.destroy();
    await emulators.close();
  }
}, 60_000);
