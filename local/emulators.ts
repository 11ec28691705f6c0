import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  PutItemCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { corsConfigurationXml } from '../functions/adapters/bucket-cors';
import { scanAll } from '../functions/adapters/dynamo-requests';
import { COUNTERS_TABLE_SCHEMA, EXPORTS_TABLE_SCHEMA, IMAGES_TABLE_SCHEMA, KEYS_TABLE_SCHEMA, LOOKUPS_TABLE_SCHEMA, WEBHOOKS_TABLE_SCHEMA } from '../functions/adapters/table-schemas';
import './dynalite-iterators';
import { enableConditionalWrites } from './s3rver-consistency';
import { enableMultipartUploads } from './s3rver-multipart';
import { type IndexRepairReport, repairIndexes } from './index-repair';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES } from './resources';

export { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES } from './resources';

export interface S3ObjectCreatedEvent {
  Records: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string; size?: number } } }>;
}

export interface Emulators {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  /** What the start-up index repair fixed (after a crash; zeros otherwise). */
  readonly indexRepair: IndexRepairReport;
  /** Subscribe to s3rver's object events (its S3 event notifications). */
  onS3Event(listener: (event: S3ObjectCreatedEvent) => void): void;
  close(): Promise<void>;
}

/** A global secondary index of a shared schema, projecting every attribute (as the stack's do). */
function globalIndex(index: { readonly name: string; readonly partitionKey: string; readonly sortKey?: string; readonly keysOnly?: boolean }): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
    ],
    Projection: { ProjectionType: index.keysOnly ? 'KEYS_ONLY' : 'ALL' },
  };
}

/** Polls of a table's deletion or creation: every second, for at most half a minute. */
const TABLE_WAIT = { minDelay: 1, maxDelay: 1, maxWaitTime: 30 };

/**
 * A data dir made before an index existed (e.g. the counters table's Idempotency-Key index):
 * dynalite cannot add one to a table, so the table is made again with its items copied over. A
 * start killed during the copy loses that table's items (local data only).
 */
async function addMissingIndexes(client: DynamoDBClient, definition: CreateTableCommandInput, existing: readonly string[]): Promise<void> {
  const wanted = (definition.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!);
  if (wanted.every((name) => existing.includes(name))) return;
  const items = [];
  for await (const item of scanAll(client, { TableName: definition.TableName, ConsistentRead: true })) items.push(item);
  // dynalite deletes and creates a table a moment after answering: each is waited for.
  const table = { client, ...TABLE_WAIT };
  await client.send(new DeleteTableCommand({ TableName: definition.TableName }));
  await waitUntilTableNotExists(table, { TableName: definition.TableName });
  await client.send(new CreateTableCommand(definition));
  await waitUntilTableExists(table, { TableName: definition.TableName });
  for (const item of items) await client.send(new PutItemCommand({ TableName: definition.TableName, Item: item }));
}

/** Table definitions from the shared schemas, in the emulator's CreateTable form. */
export function tableDefinitions(): CreateTableCommandInput[] {
  const images = IMAGES_TABLE_SCHEMA;
  return [
    {
      TableName: LOCAL_RESOURCES.imagesTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: images.partitionKey, AttributeType: 'S' },
        { AttributeName: images.byAccountIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: images.byAccountIndex.sortKey, AttributeType: 'S' },
        { AttributeName: images.pendingIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: images.pendingIndex.sortKey, AttributeType: 'N' },
        { AttributeName: images.byShaIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: images.expiryIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: images.expiryIndex.sortKey, AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: images.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [globalIndex(images.byAccountIndex), globalIndex(images.pendingIndex), globalIndex(images.byShaIndex), globalIndex(images.expiryIndex)],
    },
    {
      TableName: LOCAL_RESOURCES.keysTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: KEYS_TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
        { AttributeName: KEYS_TABLE_SCHEMA.byKeyIdIndex.partitionKey, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: KEYS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [globalIndex(KEYS_TABLE_SCHEMA.byKeyIdIndex)],
    },
    {
      TableName: LOCAL_RESOURCES.countersTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: COUNTERS_TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
        { AttributeName: COUNTERS_TABLE_SCHEMA.byIdempotencyAccountIndex.partitionKey, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: COUNTERS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [globalIndex(COUNTERS_TABLE_SCHEMA.byIdempotencyAccountIndex)],
    },
    keyedTable(LOCAL_RESOURCES.lookupsTable, LOOKUPS_TABLE_SCHEMA),
    // No TTL locally: an expired export reads as `expired` (core/exports.ts), its record stays.
    keyedTable(LOCAL_RESOURCES.exportsTable, EXPORTS_TABLE_SCHEMA),
    webhooksTable(),
  ];
}

/** The webhooks table with its indexes (no TTL locally: finished deliveries stay in the log). */
function webhooksTable(): CreateTableCommandInput {
  const hooks = WEBHOOKS_TABLE_SCHEMA;
  const table = keyedTable(LOCAL_RESOURCES.webhooksTable, hooks);
  return {
    ...table,
    AttributeDefinitions: [
      ...table.AttributeDefinitions!,
      { AttributeName: hooks.byEndpointIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: hooks.byEndpointIndex.sortKey, AttributeType: 'S' },
      { AttributeName: hooks.pendingIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: hooks.ownerIndex.partitionKey, AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [globalIndex(hooks.byEndpointIndex), globalIndex(hooks.pendingIndex), globalIndex(hooks.ownerIndex)],
  };
}

/** A table of string partition and sort keys, without indexes. */
function keyedTable(tableName: string, schema: { readonly partitionKey: string; readonly sortKey: string }): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: schema.partitionKey, AttributeType: 'S' },
      { AttributeName: schema.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: schema.partitionKey, KeyType: 'HASH' },
      { AttributeName: schema.sortKey, KeyType: 'RANGE' },
    ],
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts dynalite and s3rver on loopback, with their data under `dataDir` (or in memory when
 * `dataDir` is undefined), and creates the tables and the bucket if they are missing.
 */
export async function startEmulators(options: { dataDir?: string; dynamodbPort?: number; s3Port?: number } = {}): Promise<Emulators> {
  const dynamoPath = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
  const s3Path = options.dataDir ? join(options.dataDir, 's3') : undefined;
  if (dynamoPath) mkdirSync(dynamoPath, { recursive: true });
  if (s3Path) mkdirSync(s3Path, { recursive: true });

  const dynamo: Server = dynalite({ path: dynamoPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynamo, options.dynamodbPort ?? 0);
  const dynamodbEndpoint = `http://127.0.0.1:${dynamoPort}`;

  const s3 = new S3rver({
    address: '127.0.0.1',
    port: options.s3Port ?? 0,
    silent: true,
    directory: s3Path ?? join(process.env.TMPDIR ?? '/tmp', `imager-s3-${process.pid}-${Date.now()}`),
    resetOnClose: s3Path === undefined,
    // The bucket's CORS as the stack sets it (lib/storage.ts): the console sends large uploads
    // from the browser straight to the presigned URL.
    configureBuckets: [{ name: LOCAL_RESOURCES.bucketName, configs: [corsConfigurationXml()] }],
  });
  enableConditionalWrites(s3);
  enableMultipartUploads(s3);
  const s3Address = (await s3.run()) as AddressInfo;
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  const client = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  // dynalite opens its LevelDB store asynchronously and crashes on a ListTables sent before it
  // is open; DescribeTable waits for the store, so it goes first.
  for (const definition of tableDefinitions()) {
    const existing = await client.send(new DescribeTableCommand({ TableName: definition.TableName })).catch((error: Error) => {
      if (error.name !== 'ResourceNotFoundException') throw error;
      return undefined;
    });
    if (existing) await addMissingIndexes(client, definition, existing.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName!) ?? []);
    else await client.send(new CreateTableCommand(definition));
  }
  let indexRepair: IndexRepairReport;
  try {
    indexRepair = await repairIndexes(client, tableDefinitions());
  } finally {
    client.destroy();
  }

  return {
    dynamodbEndpoint,
    s3Endpoint,
    indexRepair,
    onS3Event(listener) {
      s3.on('event', listener);
    },
    async close() {
      await new Promise<void>((resolve) => s3.close(() => resolve()));
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
