/**
 * The names the benchmark gives the stack's resources, and the environment a handler module
 * needs to load outside Lambda (region, dummy credentials): the fresh-process runs and the
 * in-process parts read them from here.
 */

/** Resource names given to the functions; the storage stubs answer for any table or bucket. */
export const BENCH_RESOURCES = {
  IMAGES_TABLE: 'bench-images',
  KEYS_TABLE: 'bench-keys',
  COUNTERS_TABLE: 'bench-counters',
  LOOKUPS_TABLE: 'bench-lookups',
  EXPORTS_TABLE: 'bench-exports',
  WEBHOOKS_TABLE: 'bench-webhooks',
  WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-webhooks',
  BUCKET_NAME: 'bench-bucket',
  DISTRIBUTION_ID: 'EBENCHDISTRIBUTION',
  EDGE_STORE_ARN: 'arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-4000-8000-00000000bench',
  REST_API_ID: 'benchapi00',
  IMAGER_PUBLIC_BASE_URL: 'https://dbench.cloudfront.net',
  // The authorizer's user pool and the console sessions' meter (its first request is a key's).
  SESSION_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench',
  SESSION_CLIENT_ID: 'benchclient',
  CONSOLE_USAGE_ID: 'imagerconsolebench0000000000000000000000',
  // Account deletion's user pool (the password check and AdminDeleteUser).
  USER_POOL_ID: 'us-east-1_Bench',
  USER_POOL_CLIENT_ID: 'benchclient',
} as const satisfies Readonly<Record<string, string>>;

export type BenchResource = keyof typeof BENCH_RESOURCES;

/** The region and dummy credentials every benchmarked handler runs with (nothing is sent to AWS). */
export const BENCH_AWS = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'BENCH',
  AWS_SECRET_ACCESS_KEY: 'BENCH',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
} as const;

/**
 * Prepares this process to import handler modules in process: they read their configuration
 * and build their (unused) SDK clients at import, so this runs before the first import.
 */
export function prepareInProcessHandlers(resources: readonly BenchResource[]): void {
  Object.assign(process.env, BENCH_AWS, Object.fromEntries(resources.map((name) => [name, BENCH_RESOURCES[name]])), { POWERTOOLS_LOG_LEVEL: 'ERROR' });
}
