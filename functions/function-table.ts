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
import { DIRECT_PREFIX, LARGE_UPLOAD_PREFIX, VARIANT_PREFIX } from './core/ids';

/** The DynamoDB tables a function can be given, by the name the storage construct knows them by. */
export type TableName = 'images' | 'keys' | 'counters';

/** The environment variable that carries each table's name to the handlers. */
export const TABLE_ENVIRONMENT: Readonly<Record<TableName, string>> = {
  images: 'IMAGES_TABLE',
  keys: 'KEYS_TABLE',
  counters: 'COUNTERS_TABLE',
};

/** What a function may do, each on the narrowest resource that can be named. */
export type Grant =
  /** These actions on the table itself (not its indexes). */
  | { readonly kind: 'table'; readonly table: TableName; readonly actions: readonly string[] }
  /** `dynamodb:Query` on one index of the table. */
  | { readonly kind: 'index'; readonly table: TableName; readonly index: string }
  /** These actions on the objects under each key prefix of the image bucket, never on the bucket. */
  | { readonly kind: 'objects'; readonly prefixes: readonly string[]; readonly actions: readonly string[] }
  /** `s3:ListBucket` on the image bucket; with prefixes, only listings under them. */
  | { readonly kind: 'list'; readonly prefixes?: readonly string[] }
  /** `cloudfront:CreateInvalidation` on the delivery distribution. */
  | { readonly kind: 'invalidate' }
  /** Create account meters' API Gateway keys on the usage plan (granted by the API construct, which owns the plan). */
  | { readonly kind: 'api-keys' };

/** What invokes a function. */
export type Trigger =
  /** API Gateway: the routes of functions/routes.ts whose `handler` is this function. */
  | { readonly type: 'api' }
  /** The TOKEN authorizer of the API-key routes (`auth: 'key'`). */
  | { readonly type: 'authorizer' }
  /** S3 notifications of the image bucket for objects under `prefix`. */
  | {
      readonly type: 's3';
      /** S3 event names, as events carry them (`ObjectCreated:Put`; `ObjectRemoved:*` for all removals). */
      readonly events: readonly string[];
      readonly prefix: string;
      /** Lambda's asynchronous retries, then the event is kept in a dead-letter queue; unset: Lambda's defaults and no queue. */
      readonly onFailure?: {
        readonly retryAttempts: number;
        /** Construct id of the queue (kept from the first deployment: a new id would replace the queue). */
        readonly deadLetterQueueId: string;
      };
    }
  /** An EventBridge schedule. */
  | {
      readonly type: 'schedule';
      readonly everyMinutes: number;
      readonly description: string;
      /** Construct id of the rule (kept from the first deployment: a new id would replace the rule). */
      readonly ruleId: string;
    }
  /** A function URL with IAM auth, reached only by CloudFront through an origin access control. */
  | { readonly type: 'url' };

/** Extra work after bundling: `docs-page` writes the finished reference page beside the bundle; `sharp` installs sharp's linux-arm64 build beside it. */
export type BundlingExtra = 'docs-page' | 'sharp';

export interface FunctionDefinition {
  /** Handler file in functions/, without `.ts`; it exports `handler`. Its sample event is `events/<file>.json`. */
  readonly file: string;
  readonly description: string;
  readonly trigger: Trigger;
  /** At most 29 s for API routes (the API Gateway integration limit). */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /**
   * Concurrent executions reserved for (and the most allowed to) this function, so a flood on
   * one route cannot take the account's whole pool from the others (docs/quotas.md).
   * IMAGER_RESERVED_CONCURRENCY=false reserves none.
   */
  readonly reservedConcurrency: number;
  /**
   * Which of the functions' settings (functions/core/config.ts `functionEnvironment`, plus
   * IMAGER_PUBLIC_BASE_URL) it receives: all, none, or the ones named.
   */
  readonly settings: 'all' | 'none' | readonly string[];
  readonly grants: readonly Grant[];
  readonly bundling?: BundlingExtra;
}

const table = (name: TableName, ...actions: string[]): Grant => ({ kind: 'table', table: name, actions });
const index = (name: TableName, indexName: string): Grant => ({ kind: 'index', table: name, index: indexName });
const objects = (prefixes: readonly string[], ...actions: string[]): Grant => ({ kind: 'objects', prefixes, actions });

/** What every API function runs with: 10 s (inside API Gateway's 29 s), 1 GB (docs/performance.md: the benchmark's choice). */
const API_FUNCTION = { trigger: { type: 'api' }, timeoutSeconds: 10, memoryMb: 1024 } as const;
/** Wherever an image appears or disappears, the account's running image totals (an item of the counters table) are adjusted. */
const COUNT = table('counters', 'dynamodb:UpdateItem');
/** The person's account record and key slots live in the keys table. */
const ACCOUNT = ['dynamodb:GetItem', 'dynamodb:PutItem'];

/**
 * Every function. Reserved concurrency follows each route's share of traffic and its throttle:
 * the authorizer runs on every authorizer-cache miss, uploads are the slowest API route, the
 * public view only redirects to the CDN, the sweep runs alone, the transform function renders
 * only cache misses. The total stays at most 500, so an account's default 1,000 keeps at least
 * the 100 AWS requires unreserved and room for everything else.
 */
export const FUNCTIONS = {
  UploadImage: {
    file: 'upload-image',
    description: 'POST /api/images/upload',
    ...API_FUNCTION,
    reservedConcurrency: 100,
    settings: 'all',
    // DeleteObject: the cleanup when the record cannot be written after the object was.
    grants: [table('images', 'dynamodb:PutItem'), COUNT, objects([DIRECT_PREFIX], 's3:PutObject', 's3:DeleteObject')],
  },
  GetImage: {
    file: 'get-image',
    description: 'GET /api/images/{image_id}',
    ...API_FUNCTION,
    reservedConcurrency: 40,
    settings: 'all',
    grants: [table('images', 'dynamodb:GetItem'), COUNT],
  },
  ListImages: {
    file: 'list-images',
    description: 'GET /api/images',
    ...API_FUNCTION,
    reservedConcurrency: 40,
    settings: 'all',
    grants: [index('images', IMAGES_TABLE_SCHEMA.byAccountIndex.name), COUNT],
  },
  DeleteImage: {
    file: 'delete-image',
    description: 'DELETE /api/images/{image_id}',
    ...API_FUNCTION,
    reservedConcurrency: 20,
    settings: 'all',
    grants: [table('images', 'dynamodb:GetItem', 'dynamodb:DeleteItem'), COUNT, objects([DIRECT_PREFIX, LARGE_UPLOAD_PREFIX], 's3:DeleteObject')],
  },
  StartUpload: {
    file: 'start-upload',
    description: 'POST /api/images/uploads',
    ...API_FUNCTION,
    reservedConcurrency: 20,
    settings: 'all',
    // The presigned PUT/POST is signed with this function's role, so it needs the put itself.
    grants: [table('images', 'dynamodb:PutItem'), COUNT, objects([LARGE_UPLOAD_PREFIX], 's3:PutObject')],
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
    reservedConcurrency: 10,
    settings: 'all',
    // An account's first key makes its meter: one API Gateway key on the usage plan, as the CLI does.
    grants: [table('keys', ...ACCOUNT, 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'), { kind: 'api-keys' }],
  },
  RevokeAccountKey: {
    file: 'revoke-account-key',
    description: 'DELETE /api/account/keys/{key_id}',
    ...API_FUNCTION,
    reservedConcurrency: 10,
    settings: 'all',
    // The key record and the account's key slots only: revoking calls no API Gateway API (docs/api.md#keys).
    grants: [table('keys', ...ACCOUNT, 'dynamodb:UpdateItem'), index('keys', KEYS_TABLE_SCHEMA.byKeyIdIndex.name)],
  },
  // The reference (document and page): read by people and tools now and then. No table, no
  // bucket, no setting: the document and Redoc are inside the asset.
  GetOpenApi: {
    file: 'get-openapi',
    description: 'GET /api/openapi.json',
    ...API_FUNCTION,
    reservedConcurrency: 5,
    settings: 'none',
    grants: [],
  },
  GetDocs: {
    file: 'get-docs',
    description: 'GET /docs (API reference page)',
    ...API_FUNCTION,
    reservedConcurrency: 5,
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
    trigger: { type: 's3', events: ['ObjectCreated:Put', 'ObjectCreated:Post'], prefix: LARGE_UPLOAD_PREFIX },
    timeoutSeconds: 60,
    memoryMb: 1024,
    reservedConcurrency: 30,
    settings: 'all',
    grants: [
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
      // The saved position (GetItem, UpdateItem) and the account totals of settled uploads (UpdateItem).
      table('counters', 'dynamodb:GetItem', 'dynamodb:UpdateItem'),
      objects([DIRECT_PREFIX, LARGE_UPLOAD_PREFIX], 's3:GetObject', 's3:DeleteObject'),
      objects([DIRECT_PREFIX], 's3:PutObject'),
      objects([VARIANT_PREFIX], 's3:DeleteObject'),
      { kind: 'list' },
    ],
  },
  // A published image was removed (delete, sweep): invalidate its CDN paths and delete its
  // variants. Asynchronous: Lambda retries twice, then the event is kept in the dead-letter
  // queue for a redrive; the delete itself never waits for or fails on it.
  PurgeImage: {
    file: 'purge-image',
    description: 'Invalidates CDN paths and variants of removed images (S3 ObjectRemoved)',
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
    grants: [{ kind: 'invalidate' }, { kind: 'list', prefixes: [VARIANT_PREFIX] }, objects([VARIANT_PREFIX], 's3:DeleteObject')],
  },
  // Renders variants behind the distribution's S3 origin (lib/transforms.ts).
  TransformImage: {
    file: 'transform-image',
    description: 'Renders image variants (CloudFront failover origin for /variants/*)',
    trigger: { type: 'url' },
    // CloudFront waits 30 s for an origin by default; sharp's own timeout (20 s) answers first.
    timeoutSeconds: 30,
    // 1,769 MB is where Lambda gives exactly one vCPU (CPU grows in proportion to memory). Peak
    // RSS of the worst benchmark render (12 MP JPEG to 1200 px AVIF) is about 240 MiB, so CPU,
    // not memory, decides: below it a render gets a fraction of a vCPU and takes proportionally
    // longer (same cost, slower first view); above it the extra share is a second vCPU, which
    // libvips used for a x1.1 (AVIF) to x1.3 (WebP thumbnail) speed-up in the benchmark, for x1.5
    // the price per ms. docs/transforms.md has the figures.
    memoryMb: 1769,
    reservedConcurrency: 20,
    settings: ['IMAGER_MAX_PIXELS'],
    grants: [objects([DIRECT_PREFIX], 's3:GetObject'), objects([VARIANT_PREFIX], 's3:GetObject', 's3:PutObject')],
    bundling: 'sharp',
  },
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

/** The concurrency the whole table reserves (what the stack reserves unless IMAGER_RESERVED_CONCURRENCY=false). */
export function reservedConcurrencyTotal(): number {
  return FUNCTION_NAMES.reduce((sum, name) => sum + functionDefinition(name).reservedConcurrency, 0);
}
