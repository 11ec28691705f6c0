import { IMAGES_TABLE_SCHEMA } from './adapters/table-schemas';
import { EXPORT_PREFIX, EXPORT_REQUEST_PREFIX } from './core/exports';
import { DIRECT_PREFIX } from './core/ids';
import { ACCOUNT, API_FUNCTION, COUNT, type FunctionDefinition, index, LOOKUPS_READ, LOOKUPS_WRITE, objects, table, WEBHOOK_SEND } from './function-definition';

/**
 * The function table's entries for apps built on Imager (docs/apps.md): listing similar images,
 * the analysis after publishing, and account exports. Part of `FUNCTIONS`
 * (functions/function-table.ts) like any other entry; an image's metadata is changed by
 * PatchImage, with its visibility and expiry.
 */
export const APP_FUNCTIONS = {
  ListSimilarImages: {
    file: 'list-similar-images',
    description: 'GET /api/images/{image_id}/similar',
    ...API_FUNCTION,
    reservedConcurrency: 4,
    settings: 'all',
    // The keys table: the account's signing secret, for the URLs of its private images.
    grants: [table('images', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'), LOOKUPS_READ, COUNT, table('keys', 'dynamodb:GetItem')],
  },
  // A published image was stored (upload, finalize, sweep): its ThumbHash, dominant colour and
  // perceptual hash, with sharp, off the upload's path (docs/apps.md). Asynchronous like the purge.
  AnalyzeImage: {
    file: 'analyze-image',
    description: 'ThumbHash, dominant colour and perceptual hash of published images (S3 ObjectCreated)',
    trigger: {
      type: 's3',
      events: ['ObjectCreated:Put'],
      prefix: DIRECT_PREFIX,
      onFailure: { retryAttempts: 2, deadLetterQueueId: 'AnalyzeDeadLetters' },
    },
    timeoutSeconds: 60,
    // Like the transform function: sharp's decoding is CPU-bound (docs/transforms.md).
    memoryMb: 1769,
    reservedConcurrency: 5,
    settings: ['IMAGER_MAX_PIXELS', 'IMAGER_MAX_LARGE_IMAGE_BYTES'],
    grants: [table('images', 'dynamodb:GetItem', 'dynamodb:UpdateItem'), LOOKUPS_WRITE, objects([DIRECT_PREFIX], 's3:GetObject'), { kind: 'list', prefixes: [DIRECT_PREFIX] }, WEBHOOK_SEND],
    bundling: 'sharp',
  },
  // Builds an account's export: lists its records, streams its originals into one zip, a
  // multipart upload (AbortMultipartUpload: a failed one is not left to the lifecycle rule).
  BuildAccountExport: {
    file: 'build-account-export',
    description: 'Builds account exports (S3 ObjectCreated on export-requests/)',
    trigger: {
      type: 's3',
      events: ['ObjectCreated:Put'],
      prefix: EXPORT_REQUEST_PREFIX,
      onFailure: { retryAttempts: 2, deadLetterQueueId: 'ExportDeadLetters' },
    },
    // Lambda's most: the bound of one export (core/exports.ts MAX_EXPORT_BYTES) is set by it.
    timeoutSeconds: 900,
    memoryMb: 1024,
    reservedConcurrency: 2,
    settings: 'none',
    grants: [
      table('exports', 'dynamodb:GetItem', 'dynamodb:UpdateItem'),
      index('images', IMAGES_TABLE_SCHEMA.byAccountIndex.name),
      objects([EXPORT_REQUEST_PREFIX, DIRECT_PREFIX], 's3:GetObject'),
      objects([EXPORT_PREFIX], 's3:PutObject', 's3:AbortMultipartUpload'),
    ],
  },
  // Exports (docs/apps.md): the request object starts BuildAccountExport; the link to the zip is
  // signed with GetAccountExport's role, so it needs the read itself.
  StartAccountExport: {
    file: 'start-account-export',
    description: 'POST /api/account/export',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'all',
    grants: [table('keys', ...ACCOUNT), table('exports', 'dynamodb:PutItem', 'dynamodb:Query'), objects([EXPORT_REQUEST_PREFIX], 's3:PutObject'), objects([EXPORT_PREFIX], 's3:GetObject')],
  },
  GetAccountExport: {
    file: 'get-account-export',
    description: 'GET /api/account/export/{export_id} (and GET /api/account/export, the recent ones)',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'all',
    grants: [table('keys', ...ACCOUNT), table('exports', 'dynamodb:GetItem', 'dynamodb:Query'), objects([EXPORT_PREFIX], 's3:GetObject')],
  },
} as const satisfies Readonly<Record<string, FunctionDefinition>>;
