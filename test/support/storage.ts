import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { fromItem } from '../../functions/adapters/dynamo-image-records';
import type { ImageRecord } from '../../functions/core/images';

/** Everything the API has stored: every object in the bucket and every image record. */
export interface StorageState {
  /** Object keys, sorted. */
  readonly objects: string[];
  /** Image records, sorted by id. */
  readonly records: ImageRecord[];
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: start the test API first`);
  return value;
}

/** Every object key in `bucket`, in the order S3 lists them. */
export async function listObjectKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Every item of `table`, read consistently. */
export async function scanTable(dynamodb: DynamoDBClient, table: string): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Reads the storage the handlers use, straight through the SDK: the bucket, table and
 * endpoints come from the same environment the handler modules were imported with (set by
 * `startTestApi`), so this sees exactly what they wrote.
 */
export async function storageState(): Promise<StorageState> {
  const s3 = new S3Client({ endpoint: env('AWS_ENDPOINT_URL_S3'), forcePathStyle: true });
  const dynamodb = new DynamoDBClient({ endpoint: env('AWS_ENDPOINT_URL_DYNAMODB') });
  try {
    const objects = await listObjectKeys(s3, env('BUCKET_NAME'));
    const records: ImageRecord[] = (await scanTable(dynamodb, env('IMAGES_TABLE'))).map(fromItem);
    return {
      objects: objects.sort(),
      records: records.sort((a, b) => a.id.localeCompare(b.id)),
    };
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
}
