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

/**
 * Reads the storage the handlers use, straight through the SDK: the bucket, table and
 * endpoints come from the same environment the handler modules were imported with (set by
 * `startTestApi`), so this sees exactly what they wrote.
 */
export async function storageState(): Promise<StorageState> {
  const s3 = new S3Client({ endpoint: env('AWS_ENDPOINT_URL_S3'), forcePathStyle: true });
  const dynamodb = new DynamoDBClient({ endpoint: env('AWS_ENDPOINT_URL_DYNAMODB') });
  try {
    const objects: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: env('BUCKET_NAME'), ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key) objects.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);

    const records: ImageRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamodb.send(
        new ScanCommand({ TableName: env('IMAGES_TABLE'), ExclusiveStartKey: start, ConsistentRead: true }),
      );
      records.push(...(page.Items ?? []).map(fromItem));
      start = page.LastEvaluatedKey;
    } while (start);

    return {
      objects: objects.sort(),
      records: records.sort((a, b) => a.id.localeCompare(b.id)),
    };
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
}
