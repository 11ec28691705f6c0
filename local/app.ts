import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { DynamoKeyStore } from '../functions/adapters/dynamo-key-store';
import { DynamoSigningSecrets } from '../functions/adapters/dynamo-signing-secrets';
import { FileEdgeStore } from '../functions/adapters/file-edge-store';
import { secretKey, secretValue } from '../functions/core/edge-entries';
import { readEdgeSettings } from '../functions/core/edge-settings';
import { createSigningSecret } from '../functions/core/signing-secrets';
import { edgeFunctionCode } from '../lib/edge/function-code';
import { loadEdgeFunction } from './edge-runtime';
import { accountMeter } from '../functions/core/account-meters';
import { generateAccountId, generateApiKey, generateKeyId, hashApiKey } from '../functions/core/api-keys';
import { EXPORT_REQUEST_PREFIX } from '../functions/core/exports';
import { DELETION_REQUEST_PREFIX } from '../functions/core/account-deletion';
import { LARGE_UPLOAD_PREFIX, PUBLISHED_PREFIX } from '../functions/core/ids';
import { logger } from '../functions/runtime/logger';
import { HANDLERS, type HandlerName } from '../functions/routes';
import { FUNCTIONS, type FunctionName, functionDefinition } from '../functions/function-table';
import type { PublicHttp } from '../functions/core/outbound';
import type { HostCheck } from '../functions/core/webhook-endpoints';
import { type LocalWebhookQueue, startLocalWebhookQueue } from './webhook-queue';
import { startEmulators, type Emulators, type S3ObjectCreatedEvent } from './emulators';
import { EDGE_STORE_FILE, LOCAL_RESOURCES, localEnvironment, WEBHOOK_QUEUE_FILE } from './resources';
import { type LocalRuntimeInfo, RUNTIME_FILE } from './runtime-file';
import { createLocalCdn } from './cdn';
import { readLimits } from '../functions/core/config';
import { type ConfirmationMessage, type LocalCognito, startLocalCognito } from './cognito';
import { createLocalVariants } from './variants';
import { createLocalGateway, type LocalGateway, type ProxyHandler, type TokenAuthorizer } from './gateway';
import { CONSOLE_DIST } from './web-build';
import type { LocalSettings } from './settings';

export { localEnvironment } from './resources';
export { findRunningLocalApi, type LocalRuntimeInfo, RUNTIME_FILE } from './runtime-file';

export interface LocalApi {
  readonly url: string;
  readonly devKey: string;
  readonly emulators: Emulators;
  readonly gateway: LocalGateway;
  /** The Cognito emulator of the console's sign-up and sign-in. */
  readonly cognito: LocalCognito;
  /** The handler modules it serves, by route handler name (imported once the env pointed at the emulators). */
  readonly handlers: Readonly<Record<HandlerName, ProxyHandler>>;
  /** The key authorizer's handler module. */
  readonly authorizer: TokenAuthorizer;
  /** Local mode's key-value store of the edge, which the local CDN's viewer-request function reads. */
  readonly edgeStore: FileEdgeStore;
  /** The latest confirmation code sent to each email (what Cognito would have emailed). */
  readonly confirmationCodes: ReadonlyMap<string, string>;
  /** Local mode's webhook queue (local/webhook-queue.ts), which drives the delivery worker. */
  readonly webhookQueue: LocalWebhookQueue;
  /** Waits for the S3 events being handled (finalize, purge, the analysis, exports), and those they cause. */
  idle(): Promise<void>;
  /** Runs the sweep now (expired pending uploads, orphan objects). */
  sweep(): Promise<unknown>;
  close(): Promise<void>;
}

/** What the local usage plan meters console sessions under (on AWS, the stack's sessions key). */
export const LOCAL_CONSOLE_USAGE_ID = 'local-console-sessions';

/**
 * The dev key: IMAGER_DEV_KEY when set, otherwise one generated on first start and kept in
 * the data dir, so restarts keep the same key, account and images.
 */
function devKeyFor(settings: LocalSettings): string {
  if (settings.devKey) return settings.devKey;
  const file = join(settings.dataDir, 'dev-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** Seeds the dev key for the account "dev" (idempotent); returns the account's id. */
async function seedDevKey(keys: DynamoKeyStore, key: string): Promise<string> {
  const hash = hashApiKey(key);
  const existing = await keys.findByHash(hash);
  if (existing) return existing.accountId;
  const account = await keys.ensureAccount('dev', generateAccountId());
  await keys.putKey({
    keyId: generateKeyId(),
    keyHash: hash,
    accountId: account.accountId,
    accountName: account.name,
    createdAt: new Date().toISOString(),
    usageIdentifier: (await accountMeter({ meters: keys }, account.accountId)).usageIdentifier,
  });
  return account.accountId;
}

/** IMAGER_DEV_SIGNING_SECRET as the dev account's signing secret `dev`, in the keys table and at the edge (idempotent). */
async function seedDevSigningSecret(secrets: DynamoSigningSecrets, edge: FileEdgeStore, accountId: string, secret: string): Promise<void> {
  const { secrets: current } = await secrets.list(accountId);
  if (current.some((stored) => stored.kid === 'dev' && stored.secret === secret)) {
    edge.updateNow({ puts: [{ key: secretKey('dev'), value: secretValue(accountId, secret) }] });
    return;
  }
  await createSigningSecret({ secrets, edge }, accountId, { kid: 'dev', secret });
}

/**
 * Starts the whole API in this process: emulators, the unchanged handler modules, the local
 * gateway. Used by `npm start` and by the integration tests.
 */
export async function startLocalApi(
  settings: LocalSettings,
  options: {
    writeRuntimeFile?: boolean;
    /** Where confirmation codes go besides `confirmationCodes` (npm start prints them). */
    onConfirmationMessage?: (message: ConfirmationMessage) => void;
    /** The gateway's clock (usage plan, authorizer cache); tests move it instead of sleeping. */
    now?: () => number;
    /**
     * The webhook worker's outbound client. Only tests give one (a resolver, root of trust and
     * address policy that reach their HTTPS receiver on loopback); npm start and every setting
     * keep the public-address rule of production.
     */
    webhookOutbound?: { readonly http: PublicHttp; readonly checkHost: HostCheck };
  } = {},
): Promise<LocalApi> {
  mkdirSync(settings.dataDir, { recursive: true });
  const emulators = await startEmulators({ dataDir: settings.dataDir });
  const confirmationCodes = new Map<string, string>();
  const cognito = await startLocalCognito({
    dataDir: settings.dataDir,
    onMessage(message) {
      confirmationCodes.set(message.email, message.code);
      options.onConfirmationMessage?.(message);
    },
  });
  const edgeStoreFile = join(settings.dataDir, EDGE_STORE_FILE);
  const worker = functionDefinition('DeliverWebhooks').trigger;
  const webhookQueue = await startLocalWebhookQueue({
    file: join(settings.dataDir, WEBHOOK_QUEUE_FILE),
    visibilitySeconds: functionDefinition('DeliverWebhooks').timeoutSeconds * 6,
    maxReceives: worker.type === 'queue' ? worker.maxReceives : 1,
    now: options.now,
  });
  Object.assign(process.env, localEnvironment({ ...emulators, edgeStoreFile, webhookQueue }), {
    // Account deletion checks the password with the console's client and deletes the user (docs/account-deletion.md).
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
    USER_POOL_ID: cognito.userPoolId,
    USER_POOL_CLIENT_ID: cognito.clientId,
    // The key authorizer also takes the console's session on the image routes: cognito-local's
    // tokens, checked by the same code as on AWS; the sessions' meter is the local gateway's own.
    SESSION_ISSUER: cognito.issuer,
    SESSION_CLIENT_ID: cognito.clientId,
    CONSOLE_USAGE_ID: LOCAL_CONSOLE_USAGE_ID,
  });
  const edgeStore = new FileEdgeStore(edgeStoreFile);

  // Handlers read their configuration and create their clients at import: after the env is set.
  // Each is the file the function table names (TransformImage's parts run behind the local CDN).
  const handlerOf = async (name: FunctionName): Promise<unknown> => (await import(`../functions/${FUNCTIONS[name].file}.ts`)).handler;
  const modules = {} as Record<HandlerName, ProxyHandler>;
  for (const name of Object.keys(HANDLERS) as HandlerName[]) modules[name] = (await handlerOf(name)) as ProxyHandler;
  const authorizer = (await handlerOf('Authorizer')) as TokenAuthorizer;
  const finalize = (await handlerOf('FinalizeUpload')) as (event: S3Event) => Promise<unknown>;
  const sweepHandler = (await handlerOf('Sweep')) as () => Promise<unknown>;
  const purge = (await handlerOf('PurgeImage')) as (event: S3Event) => Promise<unknown>;
  const analyze = (await handlerOf('AnalyzeImage')) as (event: S3Event) => Promise<unknown>;
  const buildExport = (await handlerOf('BuildAccountExport')) as (event: S3Event) => Promise<unknown>;
  const eraseAccount = (await handlerOf('EraseAccount')) as (event: S3Event) => Promise<unknown>;
  const webhooks = (await import('../functions/deliver-webhooks.ts')) as typeof import('../functions/deliver-webhooks');
  const outbound = options.webhookOutbound;
  webhookQueue.start(outbound ? webhooks.createDeliverWebhooksHandler({ ...webhooks.deliverWebhooksDeps(), http: outbound.http }) : webhooks.handler);
  if (outbound) {
    const endpoints = (await import('../functions/webhook-endpoints.ts')) as typeof import('../functions/webhook-endpoints');
    modules.WebhookEndpoints = endpoints.createWebhookEndpointsHandler({ ...endpoints.webhookEndpointsDeps(), checkHost: outbound.checkHost }) as ProxyHandler;
  }

  const dynamodb = new DynamoDBClient({});
  const keys = new DynamoKeyStore(dynamodb, LOCAL_RESOURCES.keysTable);
  const devKey = devKeyFor(settings);
  const devAccountId = await seedDevKey(keys, devKey);
  if (settings.devSigningSecret) {
    await seedDevSigningSecret(new DynamoSigningSecrets(dynamodb, LOCAL_RESOURCES.keysTable), edgeStore, devAccountId, settings.devSigningSecret);
  }
  dynamodb.destroy();

  // CloudFront's viewer functions, the deployed files over local mode's store, on the gateway's clock.
  const unsigned = readEdgeSettings(process.env).unsigned;
  const edgeOptions = { store: (key: string) => edgeStore.get(key), now: options.now };
  const edge = {
    request: loadEdgeFunction(edgeFunctionCode('viewer-request.js', unsigned), edgeOptions),
    response: loadEdgeFunction(edgeFunctionCode('viewer-response.js'), edgeOptions),
  };

  // CloudFront's part: /image/<id> straight from the bucket, as the distribution serves it.
  const cdnS3 = new S3Client({ forcePathStyle: true });
  const limits = readLimits(process.env);
  const gateway = createLocalGateway({
    cdn: createLocalCdn({
      s3: cdnS3,
      bucketName: LOCAL_RESOURCES.bucketName,
      edge,
      // Transforms (docs/transforms.md): the transform function's parser, renderer and S3 adapter.
      variants: createLocalVariants({ s3: cdnS3, bucketName: LOCAL_RESOURCES.bucketName }),
    }),
    handlers: modules,
    authorizer,
    sessionVerifier: cognito.verifySession,
    site: {
      dir: CONSOLE_DIST,
      config: () => ({
        apiUrl: '',
        region: cognito.region,
        userPoolId: cognito.userPoolId,
        clientId: cognito.clientId,
        cognitoEndpoint: cognito.endpoint,
        maxImageBytes: limits.maxImageBytes,
        maxLargeImageBytes: limits.maxLargeImageBytes,
      }),
    },
    usagePlan: { rate: settings.throttleRate, burst: settings.throttleBurst, dailyQuota: settings.dailyQuota, unlimited: [LOCAL_CONSOLE_USAGE_ID] },
    authCacheSeconds: settings.authCacheSeconds,
    now: options.now,
    // What the access log's responseType shows on AWS: the usage plan's 429s, in the local log.
    onUsagePlanRefusal: (responseType, keyId) => logger.warn('usage plan refused the request', { responseType, status: 429, keyId }),
  });

  // s3rver emits S3 event notifications; deliver them as the bucket's notifications do on AWS.
  const inFlight = new Set<Promise<unknown>>();
  const deliver = (name: string, handler: (event: S3Event) => Promise<unknown>, records: S3ObjectCreatedEvent['Records']) => {
    if (records.length === 0) return;
    const run = handler({ Records: records } as unknown as S3Event)
      .catch((error: unknown) => console.error(`${name} failed`, error))
      .finally(() => inFlight.delete(run));
    inFlight.add(run);
  };
  emulators.onS3Event((event) => {
    const under = (prefix: string, type: string) =>
      event.Records.filter((record) => record.eventName.startsWith(type) && record.s3.object.key.startsWith(prefix));
    deliver('finalize', finalize, under(LARGE_UPLOAD_PREFIX, 'ObjectCreated:'));
    deliver('purge', purge, under(PUBLISHED_PREFIX, 'ObjectRemoved:'));
    deliver('analyze', analyze, under(PUBLISHED_PREFIX, 'ObjectCreated:'));
    deliver('export', buildExport, under(EXPORT_REQUEST_PREFIX, 'ObjectCreated:'));
    deliver('erase', eraseAccount, under(DELETION_REQUEST_PREFIX, 'ObjectCreated:'));
  });

  const url = await gateway.listen(settings.port);

  const runtimeFile = join(settings.dataDir, RUNTIME_FILE);
  if (options.writeRuntimeFile !== false) {
    const info: LocalRuntimeInfo = {
      pid: process.pid,
      url,
      dynamodbEndpoint: emulators.dynamodbEndpoint,
      s3Endpoint: emulators.s3Endpoint,
      cognitoEndpoint: cognito.endpoint,
      edgeStoreFile,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(runtimeFile, `${JSON.stringify(info, null, 2)}\n`);
  }

  const sweepTimer =
    settings.sweepMinutes > 0
      ? setInterval(() => {
          sweepHandler().catch((error: unknown) => console.error('sweep failed', error));
        }, settings.sweepMinutes * 60_000)
      : undefined;
  sweepTimer?.unref();

  return {
    url,
    devKey,
    emulators,
    gateway,
    cognito,
    edgeStore,
    handlers: modules,
    authorizer,
    confirmationCodes,
    webhookQueue,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await webhookQueue.idle();
    },
    sweep: () => sweepHandler(),
    async close() {
      if (sweepTimer) clearInterval(sweepTimer);
      await gateway.close();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await webhookQueue.close();
      cdnS3.destroy();
      await emulators.close();
      await cognito.close();
      if (options.writeRuntimeFile !== false) rmSync(runtimeFile, { force: true });
    },
  };
}
