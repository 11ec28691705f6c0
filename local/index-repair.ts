import {
  type AttributeValue,
  type CreateTableCommandInput,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

/** What one repair found and fixed (all zero after a clean shutdown). */
export interface IndexRepairReport {
  /** Index entries whose item was never written (the process died between the two writes). */
  phantomsRemoved: number;
  /** Index entries that disagree with their item (an update cut short). */
  staleFixed: number;
  /** Items missing from an index they belong in (a delete or update cut short). */
  missingAdded: number;
}

/**
 * Makes dynalite's secondary indexes agree with the items again after a crash (docs/security-and-reliability.md). dynalite writes a PutItem as separate LevelDB writes, index entries first and the
 * item last, so a process killed in between leaves an index entry without its item: an image
 * that `GET /api/images` lists but `GET /api/images/{id}` does not find. (DynamoDB itself
 * updates the item and its indexes as one operation; only the emulator needs this.)
 *
 * Run at every local start, before the API listens, through the DynamoDB API only (no emulator
 * internals): every index is compared with the table, and each disagreement is fixed with the
 * writes that make dynalite rewrite the index from the item. It is idempotent, so a repair that
 * is itself killed is finished by the next start. Cost: one Scan of each table and index.
 */
export async function repairIndexes(client: DynamoDBClient, tables: readonly CreateTableCommandInput[]): Promise<IndexRepairReport> {
  const report: IndexRepairReport = { phantomsRemoved: 0, staleFixed: 0, missingAdded: 0 };
  for (const table of tables) {
    const indexes = table.GlobalSecondaryIndexes ?? [];
    if (indexes.length === 0) continue;
    const tableName = table.TableName!;
    const keyNames = (table.KeySchema ?? []).map((k) => k.AttributeName!);
    const keyOf = (item: Item): string => canonical(Object.fromEntries(keyNames.map((name) => [name, item[name]])));
    const keyItem = (item: Item): Item => Object.fromEntries(keyNames.map((name) => [name, item[name]]));
    const put = (item: Item) => client.send(new PutItemCommand({ TableName: tableName, Item: item }));

    const items = new Map<string, Item>();
    for (const item of await scanAll(client, tableName)) items.set(keyOf(item), item);

    for (const index of indexes) {
      const indexKeys = (index.KeySchema ?? []).map((k) => k.AttributeName!);
      const projectsAll = index.Projection?.ProjectionType === 'ALL';
      const indexed = new Set<string>();
      for (const entry of await scanAll(client, tableName, index.IndexName)) {
        const key = keyOf(entry);
        const item = items.get(key);
        if (!item) {
          // Writing the entry as an item and deleting it makes dynalite drop the index entry too.
          await put(entry);
          await client.send(new DeleteItemCommand({ TableName: tableName, Key: keyItem(entry) }));
          report.phantomsRemoved += 1;
          continue;
        }
        indexed.add(key);
        const agrees = projectsAll
          ? canonical(entry) === canonical(item)
          : indexKeys.every((name) => canonical(entry[name] ?? null) === canonical(item[name] ?? null));
        if (!agrees) {
          // The stale version as the item, then the real one: dynalite moves the entry to match.
          await put(projectsAll ? entry : { ...item, ...entry });
          await put(item);
          report.staleFixed += 1;
        }
      }
      for (const [key, item] of items) {
        if (indexed.has(key) || !indexKeys.every((name) => item[name] !== undefined)) continue;
        await put(item); // rewriting the item rewrites its index entries
        report.missingAdded += 1;
      }
    }
  }
  return report;
}

async function scanAll(client: DynamoDBClient, tableName: string, indexName?: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, IndexName: indexName, ExclusiveStartKey: start, ...(indexName ? {} : { ConsistentRead: true }) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** JSON with object keys sorted, so equal items compare equal whatever their attribute order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
