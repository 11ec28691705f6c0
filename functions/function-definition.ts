/**
 * The shape of an entry of the function table (functions/function-table.ts): its trigger, its
 * grants, its settings, and the helpers entries are written with. No CDK here either: the
 * constructs turn grants into IAM statements. Apart so that the table's entries can live in more
 * than one file (functions/app-functions.ts) without an import circle.
 */
/** The DynamoDB tables a function can be given, by the name the storage construct knows them by. */
export type TableName = 'images' | 'keys' | 'counters' | 'lookups' | 'exports' | 'webhooks';

/** The environment variable that carries each table's name to the handlers. */
export const TABLE_ENVIRONMENT: Readonly<Record<TableName, string>> = {
  images: 'IMAGES_TABLE',
  keys: 'KEYS_TABLE',
  counters: 'COUNTERS_TABLE',
  lookups: 'LOOKUPS_TABLE',
  exports: 'EXPORTS_TABLE',
  webhooks: 'WEBHOOKS_TABLE',
};

/** The environment variable that carries the webhook queue's URL (docs/webhooks.md). */
export const WEBHOOK_QUEUE_ENVIRONMENT = 'WEBHOOK_QUEUE_URL';

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
  /** Write the edge's key-value store (docs/edge.md): DescribeKeyValueStore and UpdateKeys on that store. */
  | { readonly kind: 'edge-store' }
  /**
   * API Gateway keys on the account meters' usage plan (granted by the API construct, which owns
   * the plan): `create` makes an account's meter (and deletes it again if it cannot be stored);
   * `delete` deletes meters' keys (account deletion); `flush` forgets the stage's cached
   * authorizer answers (account deletion, so its keys and sessions stop at once).
   */
  | { readonly kind: 'api-keys'; readonly lifecycle: 'create' | 'delete' | 'flush' }
  /**
   * The user pool: USER_POOL_ID and USER_POOL_CLIENT_ID set, and these actions on the pool
   * (granted by the identity construct, which owns it; none: the client's own sign-in only).
   */
  | { readonly kind: 'users'; readonly actions: readonly string[] }
  /** Send messages to the webhook queue (docs/webhooks.md); its URL in WEBHOOK_QUEUE_URL. */
  | { readonly kind: 'webhook-queue' };

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
  | { readonly type: 'url' }
  /**
   * The webhook queue (docs/webhooks.md), through a Lambda event source that reports batch item
   * failures; messages received `maxReceives` times go to its dead-letter queue.
   */
  | { readonly type: 'queue'; readonly batchSize: number; readonly maxReceives: number };

/**
 * Extra work after bundling: `docs-page` writes the finished reference page beside the bundle;
 * `sharp` installs sharp's linux-arm64 build beside it; `edge-store` bundles the KeyValueStore
 * edge store as key-value-edge-store.mjs beside it (`edgeStoreWhenNeeded`, functions/runtime/wiring.ts).
 */
export type BundlingExtra = 'docs-page' | 'sharp' | 'edge-store';

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
   * Reserved only with IMAGER_RESERVED_CONCURRENCY=true (off by default: a new account's limit is too small).
   * `unreserved`: a small, rarely called route that shares the account's unreserved pool even
   * then, so the total stays at most 500 (each such function named with its reason in docs/quotas.md).
   */
  readonly reservedConcurrency: number | 'unreserved';
  /**
   * Which of the functions' settings (functions/core/config.ts `functionEnvironment`, plus
   * IMAGER_PUBLIC_BASE_URL) it receives: all, none, or the ones named.
   */
  readonly settings: 'all' | 'none' | readonly string[];
  readonly grants: readonly Grant[];
  readonly bundling?: BundlingExtra;
}

export const table = (name: TableName, ...actions: string[]): Grant => ({ kind: 'table', table: name, actions });
export const index = (name: TableName, indexName: string): Grant => ({ kind: 'index', table: name, index: indexName });
export const objects = (prefixes: readonly string[], ...actions: string[]): Grant => ({ kind: 'objects', prefixes, actions });

/** What every API function runs with: 10 s (inside API Gateway's 29 s), 1 GB (docs/performance.md: the benchmark's choice). */
export const API_FUNCTION = { trigger: { type: 'api' }, timeoutSeconds: 10, memoryMb: 1024 } as const;
/** Wherever an image appears or disappears, the account's running image totals (an item of the counters table) are adjusted. */
export const COUNT = table('counters', 'dynamodb:UpdateItem');
/**
 * The upload routes also keep their Idempotency-Key claims in the counters table: claimed with a
 * conditional PutItem (read back with GetItem where the condition failure carries no item), kept
 * with UpdateItem, released with DeleteItem.
 */
export const COUNTS_AND_CLAIMS = table('counters', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem');
/** The person's account record and key slots live in the keys table. */
export const ACCOUNT = ['dynamodb:GetItem', 'dynamodb:PutItem'];
/** The edge's key-value store: private and expiring images, the deny-list, signing secrets (docs/edge.md). */
export const EDGE: Grant = { kind: 'edge-store' };
/**
 * An account's signing secrets (an item of the keys table): read to sign private URLs, written
 * when the first one is made on demand.
 */
export const SIGNING = table('keys', 'dynamodb:GetItem', 'dynamodb:PutItem');
/** An image's lookups (metadata pairs, similarity bands) are written and removed in batches (core/image-lookups.ts). */
export const LOOKUPS_WRITE = table('lookups', 'dynamodb:BatchWriteItem');
export const LOOKUPS_READ = table('lookups', 'dynamodb:Query');
/** Sending to the webhook queue: the events of images (finalize, analysis, purge) and redeliveries. */
export const WEBHOOK_SEND: Grant = { kind: 'webhook-queue' };
