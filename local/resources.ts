// Light on purpose (no emulator or SDK imports): the scripts and tests that only need the names
// of local mode import it without starting anything.

/** Resource names in local mode (on AWS, CloudFormation names them). */
export const LOCAL_RESOURCES = {
  bucketName: 'imager-images',
  imagesTable: 'imager-images',
  keysTable: 'imager-keys',
  countersTable: 'imager-counters',
  lookupsTable: 'imager-lookups',
  exportsTable: 'imager-exports',
  webhooksTable: 'imager-webhooks',
} as const;

/** Local mode's webhook queue (local/webhook-queue.ts), a file in the data directory. */
export const WEBHOOK_QUEUE_FILE = 'webhook-queue.json';

/** Local mode's key-value store of the edge (docs/edge.md), a file in the data directory. */
export const EDGE_STORE_FILE = 'edge-store.json';

/** s3rver accepts only these credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

/** Points the AWS SDK (and so the unchanged handlers) at the emulators. */
export function localEnvironment(emulators: {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly edgeStoreFile?: string;
  readonly webhookQueue?: { readonly url: string; readonly endpoint: string };
}): Record<string, string> {
  return {
    ...(emulators.edgeStoreFile ? { IMAGER_EDGE_STORE_FILE: emulators.edgeStoreFile } : {}),
    ...(emulators.webhookQueue ? { WEBHOOK_QUEUE_URL: emulators.webhookQueue.url, AWS_ENDPOINT_URL_SQS: emulators.webhookQueue.endpoint } : {}),
    AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbEndpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    BUCKET_NAME: LOCAL_RESOURCES.bucketName,
    IMAGES_TABLE: LOCAL_RESOURCES.imagesTable,
    KEYS_TABLE: LOCAL_RESOURCES.keysTable,
    COUNTERS_TABLE: LOCAL_RESOURCES.countersTable,
    LOOKUPS_TABLE: LOCAL_RESOURCES.lookupsTable,
    EXPORTS_TABLE: LOCAL_RESOURCES.exportsTable,
    WEBHOOKS_TABLE: LOCAL_RESOURCES.webhooksTable,
    POWERTOOLS_SERVICE_NAME: 'imager',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  };
}
