import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { ApiGatewayUsagePlanKeys } from '../adapters/api-gateway-usage-keys';
import { API_CLIENT_OPTIONS, BACKGROUND_CLIENT_OPTIONS } from '../adapters/client-options';
import { DynamoEdgeReleases } from '../adapters/dynamo-edge-releases';
import { DynamoSigningSecrets } from '../adapters/dynamo-signing-secrets';
import { FileEdgeStore } from '../adapters/file-edge-store';
import { DynamoAccountTotals } from '../adapters/dynamo-account-totals';
import { DynamoHourlyCounter } from '../adapters/dynamo-hourly-counter';
import { DynamoExports } from '../adapters/dynamo-exports';
import { DynamoIdempotencyRecords } from '../adapters/dynamo-idempotency-records';
import { DynamoImageRecords } from '../adapters/dynamo-image-records';
import { DynamoKeyStore } from '../adapters/dynamo-key-store';
import { DynamoKeyUsage } from '../adapters/dynamo-key-usage';
import { DynamoLookups } from '../adapters/dynamo-lookups';
import { DynamoSweepPosition } from '../adapters/dynamo-sweep-position';
import { DynamoUserAccounts } from '../adapters/dynamo-user-accounts';
import { DynamoWebhooks } from '../adapters/dynamo-webhooks';
import { EmfMetrics } from '../adapters/emf-metrics';
import { S3ExportLinks, S3ExportRequests } from '../adapters/s3-exports';
import { S3ImageObjects } from '../adapters/s3-image-objects';
import { S3MultipartUploads } from '../adapters/s3-multipart-uploads';
import { S3PartLinks } from '../adapters/s3-part-links';
import { S3UploadLinks } from '../adapters/s3-upload-links';
import { S3VariantObjects } from '../adapters/s3-variant-objects';
import type { AccountKeyDeps } from '../core/account-keys';
import type { MeterDeps } from '../core/account-meters';
import { type Config, type Limits, optionalString, readConfig, readLimits, requireString, s3EndpointOverride } from '../core/config';
import { HourlyQuota } from '../core/hourly-quota';
import type { Log } from '../core/images';
import type { EdgeStore } from '../core/edge-entries';
import { readEdgeSettings } from '../core/edge-settings';
import type { Metrics } from '../core/metrics';
import type { PrivateUrlDeps } from '../core/private-urls';
import type { SessionAuthentication } from '../core/sessions';
import { logger } from './logger';

/**
 * Wiring: SDK clients -> adapters -> what the handlers' factories take, and the one place the
 * functions read the names of their resources (tables, bucket, distribution, API) from the
 * environment. A handler calls these at its module scope, once per container, so a missing
 * name fails the cold start loudly instead of a request.
 *
 * Every export is a plain function and nothing is created at this module's scope: a bundle
 * keeps only the factories its handler calls and the SDK clients those make (esbuild drops the
 * rest, and the SDK packages declare no side effects), so each function still loads only the
 * clients it sends requests with (docs/performance.md). sharp is not wired here: importing it
 * starts libvips, so only the transform function's own file may.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** Client timeouts: `api` for functions behind API Gateway, `background` for events and schedules. */
export type ClientUse = 'api' | 'background';

export const CLIENT_OPTIONS = { api: API_CLIENT_OPTIONS, background: BACKGROUND_CLIENT_OPTIONS } as const;

export function dynamoDB(use: ClientUse = 'api'): DynamoDBClient {
  return new DynamoDBClient(CLIENT_OPTIONS[use]);
}

export function s3(use: ClientUse = 'api'): S3Client {
  return new S3Client(CLIENT_OPTIONS[use]);
}

/** Business metrics, written as CloudWatch embedded metric format lines. */
export function metrics(): Metrics {
  return new EmfMetrics();
}

/** The image records, for the functions whose record changes leave an account's image totals as they are. */
export function imageRecords(dynamodb: DynamoDBClient, env: Env = process.env): DynamoImageRecords {
  return new DynamoImageRecords(dynamodb, requireString(env, 'IMAGES_TABLE'));
}

/**
 * The image records with the account's image totals (in the counters table) kept up to date: for
 * the functions whose record changes move them (upload, delete, finalize, sweep).
 */
export function imageRecordsWithTotals(dynamodb: DynamoDBClient, env: Env = process.env): DynamoImageRecords {
  return new DynamoImageRecords(dynamodb, requireString(env, 'IMAGES_TABLE'), accountTotals(dynamodb, env));
}

/** The lookups of images by metadata pair and perceptual-hash band (core/image-lookups.ts). */
export function lookups(dynamodb: DynamoDBClient, env: Env = process.env): DynamoLookups {
  return new DynamoLookups(dynamodb, requireString(env, 'LOOKUPS_TABLE'));
}

/** Webhook endpoints, deliveries and image owners (docs/webhooks.md); the queue is in webhook-wiring.ts. */
export function webhookStore(dynamodb: DynamoDBClient, env: Env = process.env): DynamoWebhooks {
  return new DynamoWebhooks(dynamodb, requireString(env, 'WEBHOOKS_TABLE'));
}

/** Account exports' records (core/exports.ts). */
export function exportRecords(dynamodb: DynamoDBClient, env: Env = process.env): DynamoExports {
  return new DynamoExports(dynamodb, requireString(env, 'EXPORTS_TABLE'));
}

export function exportRequests(client: S3Client, env: Env = process.env): S3ExportRequests {
  return new S3ExportRequests(client, requireString(env, 'BUCKET_NAME'));
}

/** Download links of export zips, signed without an S3 client (see adapters/s3-signing.ts). */
export function exportLinks(env: Env = process.env): S3ExportLinks {
  return new S3ExportLinks({
    bucketName: requireString(env, 'BUCKET_NAME'),
    region: requireString(env, 'AWS_REGION'),
    credentials: fromEnv(),
    endpoint: s3EndpointOverride(env),
  });
}

export function imageObjects(client: S3Client, env: Env = process.env): S3ImageObjects {
  return new S3ImageObjects(client, requireString(env, 'BUCKET_NAME'));
}

export function variantObjects(client: S3Client, env: Env = process.env): S3VariantObjects {
  return new S3VariantObjects(client, requireString(env, 'BUCKET_NAME'));
}

/** Presigned uploads, signed without an S3 client (see adapters/s3-signing.ts). */
export function uploadLinks(env: Env = process.env): S3UploadLinks {
  return new S3UploadLinks(signingLocation(env));
}

/** Presigned parts of multipart uploads, signed without an S3 client like `uploadLinks`. */
export function partLinks(env: Env = process.env): S3PartLinks {
  return new S3PartLinks(signingLocation(env));
}

function signingLocation(env: Env) {
  return { bucketName: requireString(env, 'BUCKET_NAME'), region: requireString(env, 'AWS_REGION'), credentials: fromEnv(), endpoint: s3EndpointOverride(env) };
}

/** The multipart uploads of client uploads (create, list parts, complete, abort). */
export function multipartUploads(client: S3Client, env: Env = process.env): S3MultipartUploads {
  return new S3MultipartUploads(client, requireString(env, 'BUCKET_NAME'));
}

export function accountTotals(dynamodb: DynamoDBClient, env: Env = process.env): DynamoAccountTotals {
  return new DynamoAccountTotals(dynamodb, requireString(env, 'COUNTERS_TABLE'));
}

export function keyUsage(dynamodb: DynamoDBClient, env: Env = process.env): DynamoKeyUsage {
  return new DynamoKeyUsage(dynamodb, requireString(env, 'COUNTERS_TABLE'));
}

export function sweepPosition(dynamodb: DynamoDBClient, env: Env = process.env): DynamoSweepPosition {
  return new DynamoSweepPosition(dynamodb, requireString(env, 'COUNTERS_TABLE'));
}

export function keyStore(dynamodb: DynamoDBClient, env: Env = process.env): DynamoKeyStore {
  return new DynamoKeyStore(dynamodb, requireString(env, 'KEYS_TABLE'));
}

export function userAccounts(dynamodb: DynamoDBClient, env: Env = process.env): DynamoUserAccounts {
  return new DynamoUserAccounts(dynamodb, requireString(env, 'KEYS_TABLE'));
}

/**
 * The usage plan's API keys (the account meters'). REST_API_ID is set on AWS (the stack); absent
 * locally, where there is no usage plan to register keys with: no API Gateway client is made then.
 */
export function usagePlanKeys(env: Env = process.env): ApiGatewayUsagePlanKeys | undefined {
  const restApiId = optionalString(env, 'REST_API_ID');
  if (!restApiId) return undefined;
  return new ApiGatewayUsagePlanKeys(new APIGatewayClient(API_CLIENT_OPTIONS), {
    restApiId,
    stageName: requireString(env, 'STAGE_NAME'),
    stackName: requireString(env, 'IMAGER_STACK_NAME'),
  });
}

/** Idempotency-Key records of the upload routes, beside the hourly windows in the counters table. */
export function idempotencyRecords(dynamodb: DynamoDBClient, env: Env = process.env): DynamoIdempotencyRecords {
  return new DynamoIdempotencyRecords(dynamodb, requireString(env, 'COUNTERS_TABLE'));
}

/** The account meters: one usage identifier per account, and on AWS its API Gateway key (docs/quotas.md). */
export function accountMeters(dynamodb: DynamoDBClient, env: Env = process.env): MeterDeps {
  return { meters: keyStore(dynamodb, env), usagePlan: usagePlanKeys(env), metrics: metrics(), log: logger };
}

/**
 * The console's sessions on the image routes: the user pool's issuer and app client, and the
 * usage identifier of the sessions' API key (SESSION_ISSUER, SESSION_CLIENT_ID, CONSOLE_USAGE_ID;
 * set by the stack, and by local mode for cognito-local). Without SESSION_ISSUER sessions are
 * refused. The JWT verifier (jose) is imported on the first session token, not at cold start:
 * most containers of a busy API only ever see keys (docs/performance.md).
 */
export function sessionAuthentication(dynamodb: DynamoDBClient, env: Env = process.env): SessionAuthentication | undefined {
  const issuer = optionalString(env, 'SESSION_ISSUER');
  if (!issuer) return undefined;
  const pool = { issuer, clientId: requireString(env, 'SESSION_CLIENT_ID') };
  let verifier: Promise<(token: string) => Promise<Record<string, string>>> | undefined;
  return {
    async verify(token) {
      verifier ??= import('../adapters/cognito-tokens').then(({ cognitoTokenVerifier }) => cognitoTokenVerifier(pool));
      return (await verifier)(token);
    },
    accounts: userAccounts(dynamodb, env),
    usageIdentifier: requireString(env, 'CONSOLE_USAGE_ID'),
  };
}

/** What every key route takes besides its storage: the settings, the caller's hourly window, metrics. */
export interface KeyRouteDeps {
  readonly config: Config;
  readonly quota: HourlyQuota;
  readonly metrics: Metrics;
}

/** The hourly window of every key route (in the counters table), with the settings it is read from. */
export function keyRoute(dynamodb: DynamoDBClient, env: Env = process.env): KeyRouteDeps {
  const config = readConfig(env);
  return {
    config,
    quota: new HourlyQuota(new DynamoHourlyCounter(dynamodb, requireString(env, 'COUNTERS_TABLE')), config.hourlyLimit),
    metrics: metrics(),
  };
}

/** Creating a person's keys: the keys table, their account records, and the account meters (on AWS with the usage plan). */
export function accountKeys(dynamodb: DynamoDBClient, env: Env = process.env): AccountKeyDeps {
  return { keys: keyStore(dynamodb, env), accounts: userAccounts(dynamodb, env), meters: accountMeters(dynamodb, env), log: logger };
}

/** Revoking a person's keys: the keys table and their account records only (no API Gateway call). */
export function accountKeyRevocation(dynamodb: DynamoDBClient, env: Env = process.env): Pick<AccountKeyDeps, 'keys' | 'accounts'> {
  return { keys: keyStore(dynamodb, env), accounts: userAccounts(dynamodb, env) };
}

/** What settles large uploads (finalize, and the sweep's late finalize). */
export interface PublishingDeps {
  readonly objects: S3ImageObjects;
  readonly records: DynamoImageRecords;
  readonly limits: Limits;
  readonly log: Log;
  readonly metrics: Metrics;
}

/** Publishing from the background functions: settling a large upload to ready adds it to its account's totals. */
export function publishing(dynamodb: DynamoDBClient, client: S3Client, env: Env = process.env): PublishingDeps {
  return {
    objects: imageObjects(client, env),
    records: imageRecordsWithTotals(dynamodb, env),
    limits: readLimits(env),
    log: logger,
    metrics: metrics(),
  };
}

/**
 * The same store for the functions that write it for some requests only (an upload that is
 * private or expiring): its client is made on the first write, so a public upload's container
 * never builds it (docs/performance.md: lazy creation of a client only some requests need).
 * On AWS it is functions/runtime/key-value-edge-store.ts, which a bundle carries as a file of
 * its own beside index.mjs (the `edge-store` bundling): a function that uses this must have it.
 */
export function edgeStoreWhenNeeded(env: Env = process.env): EdgeStore {
  let store: Promise<EdgeStore> | undefined;
  return {
    update(changes) {
      const arn = optionalString(env, 'EDGE_STORE_ARN');
      store ??= arn
        ? (import(keyValueEdgeStoreModule()) as Promise<typeof import('./key-value-edge-store')>).then(({ keyValueEdgeStore }) => keyValueEdgeStore(arn))
        : Promise.resolve(new FileEdgeStore(requireString(env, 'IMAGER_EDGE_STORE_FILE')));
      return store.then((s) => s.update(changes));
    },
  };
}

/**
 * Where key-value-edge-store is: the .ts beside this file when it runs from source (tests, local
 * mode), the .mjs beside the bundle. Worked out when first needed, not at module level, so that
 * only the bundles that use it name the file (test/infra/bundling.test.ts checks they carry it).
 */
function keyValueEdgeStoreModule(): string {
  const file = import.meta.url.endsWith('.ts') ? './key-value-edge-store.ts' : './key-value-edge-store.mjs';
  return new URL(file, import.meta.url).href;
}

/** An account's URL-signing secrets, in the keys table. */
export function signingSecrets(dynamodb: DynamoDBClient, env: Env = process.env): DynamoSigningSecrets {
  return new DynamoSigningSecrets(dynamodb, requireString(env, 'KEYS_TABLE'));
}

/**
 * What signs the API's URLs of private images: the secrets and how long a URL lasts; with `edge`,
 * a first secret is made when the account has none (the routes that make images private).
 */
export function privateUrls(dynamodb: DynamoDBClient, env: Env = process.env, edge?: EdgeStore): PrivateUrlDeps {
  return { secrets: signingSecrets(dynamodb, env), ...(edge ? { edge } : {}), privateUrlSeconds: readEdgeSettings(env).privateUrlSeconds };
}

/** When entries may leave the edge's store (the counters table). */
export function edgeReleases(dynamodb: DynamoDBClient, env: Env = process.env): DynamoEdgeReleases {
  return new DynamoEdgeReleases(dynamodb, requireString(env, 'COUNTERS_TABLE'));
}
