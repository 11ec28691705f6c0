/**
 * The function table: every Lambda function of Imager, as data. The CDK stack builds each one
 * from its entry (lib/functions.ts, lib/transforms.ts), local mode loads the handler files it
 * names (local/app.ts), the benchmark measures them (bench/), and `events/<file>.json` holds one
 * sample event per entry, shaped for its trigger (test/infra/function-table.test.ts checks both).
 *
 * No CDK here: grants name a table, the bucket's key prefixes or the distribution, and the
 * constructs turn them into IAM statements. API routes live in the route table
 * (functions/routes.ts), which points back at these names.
 */
import { IMAGES_TABLE_SCHEMA, KEYS_TABLE_SCHEMA } from './adapters/table-schemas';
import { APP_FUNCTIONS } from './app-functions';
import { DELETION_FUNCTIONS } from './deletion-functions';
import { WEBHOOK_FUNCTIONS } from './webhook-functions';
import { DIRECT_PREFIX, LARGE_UPLOAD_PREFIX, VARIANT_PREFIX } from './core/ids';
import { ACCOUNT, API_FUNCTION, COUNT, COUNTS_AND_CLAIMS, EDGE, type FunctionDefinition, index, LOOKUPS_READ, LOOKUPS_WRITE, objects, SIGNING, table, type Trigger, WEBHOOK_SEND } from './function-definition';

export type { BundlingExtra, FunctionDefinition, Grant, TableName, Trigger } from './function-definition';
export { TABLE_ENVIRONMENT, WEBHOOK_QUEUE_ENVIRONMENT } from './function-definition';

/**
 * Every function. Reserved concurrency follows each route's share of traffic and its throttle:
 * the authorizer runs on every authorizer-cache miss, uploads are the slowest API route, the
 * public view only redirects to the CDN, the sweep runs alone, the transform function renders
 * only cache misses. The total stays at most 500, so an account's default 1,000 keeps at least
 * the 100 AWS requires unreserved and room for everything else; a few small, rarely called
 * routes run `unreserved` for that (docs/quotas.md).
 */
export const FUNCTIONS = {
  UploadImage: {
    file: 'upload-image',
    description: 'POST /api/images/upload',
    ...API_FUNCTION,
    reservedConcurrency: 100,
    settings: 'all',
    // DeleteObject: the cleanup when the record cannot be written after the object was.
    // Query bySha: the account's image of the same bytes (docs/apps.md).
    grants: [
      table('images', 'dynamodb:PutItem'),
      index('images', IMAGES_TABLE_SCHEMA.byShaIndex.name),
      COUNTS_AND_CLAIMS,
      LOOKUPS_WRITE,
      objects([DIRECT_PREFIX], 's3:PutObject', 's3:DeleteObject'),
      SIGNING,
      EDGE,
    ],
    // A private or expiring upload writes the edge store: its client is a file of its own.
    bundling: 'edge-store',
  },
  GetImage: {
    file: 'get-image',
    description: 'GET /api/images/{image_id}',
    ...API_FUNCTION,
    reservedConcurrency: 40,
    settings: 'all',
    grants: [table('images', 'dynamodb:GetItem'), COUNT, table('keys', 'dynamodb:GetItem')],
  },
  ListImages: {
    file: 'list-images',
    description: 'GET /api/images',
    ...API_FUNCTION,
    reservedConcurrency: 40,
    settings: 'all',
    // BatchGetItem and the lookups: a page listed by one metadata pair (docs/apps.md).
    grants: [
      index('images', IMAGES_TABLE_SCHEMA.byAccountIndex.name),
      table('images', 'dynamodb:BatchGetItem'),
      LOOKUPS_READ,
      COUNT,
      table('keys', 'dynamodb:GetItem'),
    ],
  },
  PatchImage: {
    file: 'patch-image',
    description: 'PATCH /api/images/{image_id}',
    ...API_FUNCTION,
    reservedConcurrency: 5,
    settings: 'all',
    // The record's visibility, expiry and metadata, the image's entry at the edge, and the
    // lookups of the metadata pairs it gains or loses (docs/apps.md).
    grants: [table('images', 'dynamodb:GetItem', 'dynamodb:UpdateItem'), COUNT, LOOKUPS_WRITE, SIGNING, EDGE],
  },
  DeleteImage: {
    file: 'delete-image',
    description: 'DELETE /api/images/{image_id}',
    ...API_FUNCTION,
    reservedConcurrency: 20,
    settings: 'all',
    grants: [table('images', 'dynamodb:GetItem', 'dynamodb:DeleteItem'), COUNT, LOOKUPS_WRITE, objects([DIRECT_PREFIX, LARGE_UPLOAD_PREFIX], 's3:DeleteObject')],
  },
  // The delete link of an upload's `delete_url` (no key: the token in the path is the capability).
  // The same deletes as DeleteImage, and the same read of the record to check the token's hash;
  // a person opens it by hand, so it reserves as little as the other rare routes.
  DeleteByLink: {
    file: 'delete-by-link',
    description: 'GET /api/images/{image_id}/delete/{token} (delete link: the page, and its form\'s POST)',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'none',
    grants: [table('images', 'dynamodb:GetItem', 'dynamodb:DeleteItem'), COUNT, LOOKUPS_WRITE, objects([DIRECT_PREFIX, LARGE_UPLOAD_PREFIX], 's3:DeleteObject')],
  },
  StartUpload: {
    file: 'start-upload',
    description: 'POST /api/images/uploads',
    ...API_FUNCTION,
    reservedConcurrency: 20,
    settings: 'all',
    // The presigned PUT/POST is signed with this function's role, so it needs the put itself;
    // PutObject also starts a multipart upload, and Abort undoes one whose record was not written.
    grants: [table('images', 'dynamodb:PutItem'), COUNTS_AND_CLAIMS, LOOKUPS_WRITE, objects([LARGE_UPLOAD_PREFIX], 's3:PutObject', 's3:AbortMultipartUpload'), SIGNING, EDGE],
    bundling: 'edge-store',
  },
  // Resumable uploads (docs/api.md): each part's PUT is presigned with this role (UploadPart is
  // authorized by s3:PutObject); the others act on the multipart upload themselves.
  SignUploadParts: {
    file: 'sign-upload-parts',
    description: 'POST /api/images/{image_id}/upload/parts',
    ...API_FUNCTION,
    reservedConcurrency: 5,
    settings: 'all',
    grants: [table('images', 'dynamodb:GetItem'), COUNT, objects([LARGE_UPLOAD_PREFIX], 's3:PutObject')],
  },
  ListUploadParts: {
    file: 'list-upload-parts',
    description: 'GET /api/images/{image_id}/upload/parts',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'all',
    grants: [table('images', 'dynamodb:GetItem'), COUNT, objects([LARGE_UPLOAD_PREFIX], 's3:ListMultipartUploadParts')],
  },
  CompleteUpload: {
    file: 'complete-upload',
    description: 'POST /api/images/{image_id}/upload/complete',
    ...API_FUNCTION,
    reservedConcurrency: 5,
    settings: 'all',
    // ListParts: completing without a part list uses the parts S3 holds.
    grants: [table('images', 'dynamodb:GetItem'), COUNT, objects([LARGE_UPLOAD_PREFIX], 's3:PutObject', 's3:ListMultipartUploadParts')],
  },
  AbortUpload: {
    file: 'abort-upload',
    description: 'DELETE /api/images/{image_id}/upload',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'all',
    grants: [table('images', 'dynamodb:GetItem', 'dynamodb:DeleteItem'), COUNT, objects([LARGE_UPLOAD_PREFIX], 's3:AbortMultipartUpload')],
  },
  ViewImage: {
    file: 'view-image',
    description: 'GET /image/{image_id}: 301 to the CDN URL',
    ...API_FUNCTION,
    reservedConcurrency: 20,
    settings: 'all',
    // Links made before the CDN: a 301 to <IMAGER_PUBLIC_BASE_URL>/image/<id>. No data access at all.
    grants: [],
  },
  GetAccount: {
    file: 'get-account',
    description: 'GET /api/account',
    ...API_FUNCTION,
    reservedConcurrency: 20,
    settings: 'all',
    grants: [table('keys', ...ACCOUNT), table('counters', 'dynamodb:BatchGetItem', 'dynamodb:GetItem')],
  },
  ListAccountKeys: {
    file: 'list-account-keys',
    description: 'GET /api/account/keys',
    ...API_FUNCTION,
    reservedConcurrency: 20,
    settings: 'all',
    grants: [table('keys', ...ACCOUNT, 'dynamodb:BatchGetItem'), table('counters', 'dynamodb:BatchGetItem')],
  },
  CreateAccountKey: {
    file: 'create-account-key',
    description: 'POST /api/account/keys',
    ...API_FUNCTION,
    reservedConcurrency: 5,
    settings: 'all',
    // An account's first key makes its meter: one API Gateway key on the usage plan, as the CLI does.
    grants: [table('keys', ...ACCOUNT, 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'), { kind: 'api-keys', lifecycle: 'create' }],
  },
  RevokeAccountKey: {
    file: 'revoke-account-key',
    description: 'DELETE /api/account/keys/{key_id}',
    ...API_FUNCTION,
    reservedConcurrency: 5,
    settings: 'all',
    // The key record and the account's key slots only: revoking calls no API Gateway API (docs/api.md#keys).
    grants: [table('keys', ...ACCOUNT, 'dynamodb:UpdateItem'), index('keys', KEYS_TABLE_SCHEMA.byKeyIdIndex.name)],
  },
  // URL-signing secrets (docs/edge.md): rare calls from the console, each a write at the edge.
  ListSigningSecrets: {
    file: 'list-signing-secrets',
    description: 'GET /api/account/signing-secrets',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'all',
    grants: [table('keys', ...ACCOUNT)],
  },
  CreateSigningSecret: {
    file: 'create-signing-secret',
    description: 'POST /api/account/signing-secrets',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'all',
    grants: [table('keys', ...ACCOUNT), EDGE],
  },
  RevokeSigningSecret: {
    file: 'revoke-signing-secret',
    description: 'DELETE /api/account/signing-secrets/{kid}',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'all',
    grants: [table('keys', ...ACCOUNT), EDGE],
  },
  // The reference (document and page): read by people and tools now and then, so 2 each (the
  // two given up went to account deletion's functions, keeping the total at 499). No table, no
  // bucket, no setting: the document and Redoc are inside the asset.
  GetOpenApi: {
    file: 'get-openapi',
    description: 'GET /api/openapi.json',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'none',
    grants: [],
  },
  GetDocs: {
    file: 'get-docs',
    description: 'GET /docs (API reference page)',
    ...API_FUNCTION,
    reservedConcurrency: 2,
    settings: 'none',
    grants: [],
    // The finished page (Redoc inlined, its CSP hashes) is built into the asset: the function reads it.
    bundling: 'docs-page',
  },
  Authorizer: {
    file: 'authorizer',
    description: 'Bearer API key or console session authorizer',
    trigger: { type: 'authorizer' },
    timeoutSeconds: 10,
    memoryMb: 1024,
    reservedConcurrency: 100,
    settings: 'all',
    // Reads key records and a session's account record: never writes (the account routes make accounts).
    grants: [table('keys', 'dynamodb:GetItem')],
  },
  // Reads the upload (one version), checks it whole, writes the stripped bytes to images/,
  // settles the record and deletes the upload. ListBucket: HeadObject of a missing key must
  // answer 404, not 403 (S3ImageObjects.head).
  FinalizeUpload: {
    file: 'finalize-upload',
    description: 'Settles large uploads (S3 ObjectCreated)',
    // An upload that fails every retry is kept for `npm run redrive` (docs/operations.md), not dropped.
    trigger: {
      type: 's3',
      events: ['ObjectCreated:Put', 'ObjectCreated:Post', 'ObjectCreated:CompleteMultipartUpload'],
      prefix: LARGE_UPLOAD_PREFIX,
      onFailure: { retryAttempts: 2, deadLetterQueueId: 'FinalizeDeadLetters' },
    },
    timeoutSeconds: 60,
    memoryMb: 1024,
    reservedConcurrency: 30,
    settings: 'all',
    grants: [
      WEBHOOK_SEND,
      // UpdateItem also puts the settled image in the bySha index (a second write: docs/apps.md).
      table('images', 'dynamodb:GetItem', 'dynamodb:UpdateItem'),
      COUNT,
      objects([LARGE_UPLOAD_PREFIX], 's3:GetObject', 's3:DeleteObject'),
      objects([DIRECT_PREFIX], 's3:GetObject', 's3:PutObject'),
      { kind: 'list' },
    ],
  },
  // Lists the bucket a slice at a time, deletes orphans, and settles late uploads the way
  // finalize does (which publishes: PutObject on images/). Bounded per run (20,000 objects),
  // continuing from the position it saves in the counters table.
  Sweep: {
    file: 'sweep',
    description: 'Every 15 min: expired pending uploads and orphan objects, a bounded slice per run',
    trigger: {
      type: 'schedule',
      everyMinutes: 15,
      description: 'Imager sweep: expired pending uploads, orphan objects (a bounded slice per run)',
      ruleId: 'HourlySweep',
    },
    timeoutSeconds: 300,
    memoryMb: 1024,
    reservedConcurrency: 1,
    settings: 'all',
    grants: [
      table('images', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'),
      index('images', IMAGES_TABLE_SCHEMA.pendingIndex.name),
      index('images', IMAGES_TABLE_SCHEMA.expiryIndex.name),
      // The saved position (GetItem, UpdateItem), the account totals of settled uploads (UpdateItem)
      // and the edge's release schedule (GetItem, UpdateItem, DeleteItem).
      table('counters', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'),
      EDGE,
      objects([DIRECT_PREFIX, LARGE_UPLOAD_PREFIX], 's3:GetObject', 's3:DeleteObject'),
      objects([DIRECT_PREFIX], 's3:PutObject'),
      // Expired multipart uploads are aborted with their pending record.
      objects([LARGE_UPLOAD_PREFIX], 's3:AbortMultipartUpload'),
      objects([VARIANT_PREFIX], 's3:DeleteObject'),
      { kind: 'list' },
      // The lookups of the pending and expired records it removes (docs/apps.md).
      LOOKUPS_WRITE,
    ],
  },
  // A published image was removed (delete, expiry, sweep): its id goes on the edge's deny-list
  // (scheduled to leave it after the edge TTL) and its variants are deleted; no invalidation.
  // Asynchronous: Lambda retries twice, then the event is kept in the dead-letter queue for a
  // redrive; the delete itself never waits for or fails on it.
  PurgeImage: {
    file: 'purge-image',
    description: 'Denies removed images at the edge and deletes their variants (S3 ObjectRemoved)',
    trigger: {
      type: 's3',
      events: ['ObjectRemoved:*'],
      prefix: DIRECT_PREFIX,
      onFailure: { retryAttempts: 2, deadLetterQueueId: 'PurgeDeadLetters' },
    },
    timeoutSeconds: 60,
    memoryMb: 1024,
    reservedConcurrency: 10,
    settings: 'all',
    grants: [EDGE, table('counters', 'dynamodb:UpdateItem'), { kind: 'list', prefixes: [VARIANT_PREFIX] }, objects([VARIANT_PREFIX], 's3:DeleteObject'), WEBHOOK_SEND],
  },
  // Renders variants behind the distribution's S3 origin (lib/transforms.ts).
  TransformImage: {
    file: 'transform-image',
    description: 'Renders image variants (CloudFront failover origin for /variants/*)',
    trigger: { type: 'url' },
    // sharp's own timeout (20 s) answers first; CloudFront waits 5 s longer than this (lib/transforms.ts).
    timeoutSeconds: 30,
    // 1,769 MB is where Lambda gives exactly one vCPU (CPU grows in proportion to memory). Peak
    // RSS of the worst benchmark render (12 MP JPEG to 1200 px AVIF) is about 240 MiB, so CPU,
    // not memory, decides: below it a render gets a fraction of a vCPU and takes proportionally
    // longer (same cost, slower first view); above it the extra share is a second vCPU, which
    // libvips used for a x1.1 (AVIF) to x1.3 (WebP thumbnail) speed-up in the benchmark, for x1.5
    // the price per ms. docs/transforms.md has the figures.
    memoryMb: 1769,
    reservedConcurrency: 20,
    settings: ['IMAGER_MAX_PIXELS', 'IMAGER_MAX_VARIANTS_PER_IMAGE'],
    // Listing variants/<id>/ counts an image's stored variants against the cap.
    grants: [objects([DIRECT_PREFIX], 's3:GetObject'), objects([VARIANT_PREFIX], 's3:GetObject', 's3:PutObject'), { kind: 'list', prefixes: [VARIANT_PREFIX] }],
    bundling: 'sharp',
  },
  // Similar images, the analysis and exports (docs/apps.md).
  ...APP_FUNCTIONS,
  // Deleting an account (docs/account-deletion.md).
  ...DELETION_FUNCTIONS,
  // Webhooks (docs/webhooks.md).
  ...WEBHOOK_FUNCTIONS,
} as const satisfies Readonly<Record<string, FunctionDefinition>>;

export type FunctionName = keyof typeof FUNCTIONS;

/** The names of the functions whose trigger is of type `T`. */
export type FunctionsTriggeredBy<T extends Trigger['type']> = {
  [K in FunctionName]: (typeof FUNCTIONS)[K]['trigger']['type'] extends T ? K : never;
}[FunctionName];

/** Every function name, in table order. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** The entry of `name`, typed as a plain definition (the union of triggers, grants, settings). */
export function functionDefinition(name: FunctionName): FunctionDefinition {
  return FUNCTIONS[name];
}

/** The functions whose trigger is of type `type`, in table order. */
export function functionsTriggeredBy<T extends Trigger['type']>(type: T): Array<FunctionsTriggeredBy<T>> {
  return FUNCTION_NAMES.filter((name) => functionDefinition(name).trigger.type === type) as Array<FunctionsTriggeredBy<T>>;
}

/** What `name` reserves with IMAGER_RESERVED_CONCURRENCY=true; undefined for an `unreserved` entry. */
export function reservationOf(name: FunctionName): number | undefined {
  const reserved = functionDefinition(name).reservedConcurrency;
  return reserved === 'unreserved' ? undefined : reserved;
}

/** The functions that run unreserved even with reservations on, in table order (docs/quotas.md). */
export function unreservedFunctions(): FunctionName[] {
  return FUNCTION_NAMES.filter((name) => reservationOf(name) === undefined);
}

/** The concurrency the whole table reserves (what the stack reserves with IMAGER_RESERVED_CONCURRENCY=true). */
export function reservedConcurrencyTotal(): number {
  return FUNCTION_NAMES.reduce((sum, name) => sum + (reservationOf(name) ?? 0), 0);
}
