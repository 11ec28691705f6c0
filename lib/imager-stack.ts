import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { IMAGES_TABLE_SCHEMA, KEYS_TABLE_SCHEMA } from '../functions/adapters/table-schemas';
import { DIRECT_PREFIX, LARGE_UPLOAD_PREFIX, VARIANT_PREFIX } from '../functions/core/ids';
import type { HandlerName } from '../functions/routes';
import { ImagerApi } from './api';
import { Delivery, VARIANTS_PREFIX } from './delivery';
import { ConsoleSite } from './console-site';
import { Identity } from './identity';
import { ImagerFunction, ROOT } from './imager-function';
import { ImagerMonitoring } from './monitoring';
import { Transforms } from './transforms';
import { acknowledgeStackFindings } from './nag-suppressions';
import { functionEnvironment } from '../functions/core/config';
import { readStackSettings, type StackSettings } from './settings';
import { Storage } from './storage';

export interface ImagerStackProps extends StackProps {
  /** Overrides the settings read from context (tests). */
  readonly settings?: StackSettings;
}

/**
 * Reserved concurrency per function (README, "Quotas"). 451 in all: AWS keeps at least 100 of an
 * account's concurrency (1,000 by default) unreserved, so this leaves 549 for everything else in
 * the account. The numbers follow each route's share of traffic and its throttle: the authorizer
 * runs on every authorizer-cache miss, uploads are the slowest API route, the public view only
 * redirects to the CDN, the sweep runs alone.
 */
export const RESERVED_CONCURRENCY: Readonly<Record<string, number>> = {
  Authorizer: 100,
  UploadImage: 100,
  GetImage: 40,
  ListImages: 40,
  DeleteImage: 20,
  StartUpload: 20,
  ViewImage: 20,
  FinalizeUpload: 30,
  PurgeImage: 10,
  // The reference (document and page): read by people and tools now and then.
  GetOpenApi: 5,
  GetDocs: 5,
  Sweep: 1,
  // The console's session routes (Cognito-authorized): a person's page loads and key changes.
  GetAccount: 20,
  ListAccountKeys: 20,
  CreateAccountKey: 10,
  RevokeAccountKey: 10,
};

const READ_ITEM = ['dynamodb:GetItem'];
const COUNT = ['dynamodb:UpdateItem'];

/** Imager: storage, delivery (CDN), functions and the API, composed. */
export class ImagerStack extends Stack {
  readonly storage: Storage;
  readonly api: ImagerApi;
  readonly delivery: Delivery;
  /** Where PurgeImage's failed invocations end up (after Lambda's own retries). */
  readonly purgeDeadLetters: Queue;
  readonly monitoring: ImagerMonitoring;
  readonly transforms: Transforms;
  readonly functions: Readonly<Record<HandlerName | 'Authorizer' | 'FinalizeUpload' | 'Sweep' | 'PurgeImage', ImagerFunction>>;
  readonly identity: Identity;
  readonly console: ConsoleSite;

  constructor(scope: Construct, id: string, props: ImagerStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readStackSettings(this.node);
    const storage = (this.storage = new Storage(this, 'Storage'));
    const { bucket, images, keys, counters } = storage;

    // The distribution depends on the bucket only; functions depend on the distribution (their
    // url base, PurgeImage's invalidations), never the other way round.
    // The transform function (sharp, linux-arm64) behind the distribution's S3 origin (SPEC §12).
    const transforms = (this.transforms = new Transforms(this, 'Transforms', {
      bucket,
      limits: settings.limits,
      reserveConcurrency: settings.reservedConcurrency,
    }));
    const delivery = (this.delivery = new Delivery(this, 'Delivery', {
      bucket,
      transforms,
      logBucket: storage.accessLogs,
      priceClass: settings.priceClass,
      publicBaseUrl: settings.publicBaseUrl,
      certificateArn: settings.certificateArn,
      webAclId: settings.webAclId,
    }));

    // The functions' settings from the one reader, and the public base URL of the distribution.
    const shared = { ...functionEnvironment(settings), IMAGER_PUBLIC_BASE_URL: delivery.publicBaseUrl };
    // A function without an entry in RESERVED_CONCURRENCY gets none reserved (the shared pool).
    const fn = (name: string, file: string, description: string, timeout?: Duration): ImagerFunction =>
      new ImagerFunction(this, name, {
        file,
        description,
        environment: shared,
        timeout,
        reservedConcurrency: settings.reservedConcurrency ? RESERVED_CONCURRENCY[name] : undefined,
      });

    const direct = [DIRECT_PREFIX];
    const uploads = [LARGE_UPLOAD_PREFIX];
    const both = [DIRECT_PREFIX, LARGE_UPLOAD_PREFIX];
    const { byAccountIndex, pendingIndex } = IMAGES_TABLE_SCHEMA;

    // Wherever an image appears or disappears, the account's running image totals (an item of
    // the counters table, DynamoAccountTotals) are adjusted: UpdateItem on counters.
    const uploadImage = fn('UploadImage', 'upload-image', 'POST /api/images/upload')
      .useTable('IMAGES_TABLE', images, 'dynamodb:PutItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT)
      // Delete: the cleanup when the record cannot be written after the object was.
      .useObjects(bucket, ['s3:PutObject', 's3:DeleteObject'], direct);

    const getImage = fn('GetImage', 'get-image', 'GET /api/images/{image_id}')
      .useTable('IMAGES_TABLE', images, ...READ_ITEM)
      .useTable('COUNTERS_TABLE', counters, ...COUNT);

    const listImages = fn('ListImages', 'list-images', 'GET /api/images')
      .queryIndex('IMAGES_TABLE', images, byAccountIndex.name)
      .useTable('COUNTERS_TABLE', counters, ...COUNT);

    const deleteImage = fn('DeleteImage', 'delete-image', 'DELETE /api/images/{image_id}')
      .useTable('IMAGES_TABLE', images, 'dynamodb:GetItem', 'dynamodb:DeleteItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT)
      .useObjects(bucket, ['s3:DeleteObject'], both);

    const startUpload = fn('StartUpload', 'start-upload', 'POST /api/images/uploads')
      .useTable('IMAGES_TABLE', images, 'dynamodb:PutItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT)
      // The presigned PUT/POST is signed with this function's role, so it needs the put itself.
      .useObjects(bucket, ['s3:PutObject'], uploads);

    // Links made before the CDN: a 301 to <IMAGER_PUBLIC_BASE_URL>/image/<id>. No data access at all.
    const viewImage = fn('ViewImage', 'view-image', 'GET /image/{image_id}: 301 to the CDN URL');

    // The reference: no table, no bucket, no key (the document and Redoc are inside the asset).
    const reserved = (name: string) => (settings.reservedConcurrency ? RESERVED_CONCURRENCY[name] : undefined);
    const getOpenApi = new ImagerFunction(this, 'GetOpenApi', {
      file: 'get-openapi',
      description: 'GET /api/openapi.json',
      reservedConcurrency: reserved('GetOpenApi'),
    });
    const getDocs = new ImagerFunction(this, 'GetDocs', {
      file: 'get-docs',
      description: 'GET /docs (API reference page)',
      reservedConcurrency: reserved('GetDocs'),
      // The finished page (Redoc inlined, its CSP hashes) is built into the asset: the function reads it.
      afterBundling: (outputDir) => [`"${ROOT}node_modules/.bin/tsx" "${ROOT}scripts/docs-page.ts" "${outputDir}"`],
    });

    const authorizer = fn('Authorizer', 'authorizer', 'Bearer API key authorizer').useTable('KEYS_TABLE', keys, ...READ_ITEM);

    // Reads the upload (one version), checks it whole, writes the stripped bytes to images/,
    // settles the record and deletes the upload. ListBucket: HeadObject of a missing key must
    // answer 404, not 403 (S3ImageObjects.head).
    const finalizeUpload = fn('FinalizeUpload', 'finalize-upload', 'Settles large uploads (S3 ObjectCreated)', Duration.seconds(60))
      .useTable('IMAGES_TABLE', images, 'dynamodb:GetItem', 'dynamodb:UpdateItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT)
      .useObjects(bucket, ['s3:GetObject', 's3:DeleteObject'], uploads)
      .useObjects(bucket, ['s3:GetObject', 's3:PutObject'], direct)
      .allowList(bucket);
    bucket.addEventNotification(EventType.OBJECT_CREATED_PUT, new LambdaDestination(finalizeUpload), { prefix: LARGE_UPLOAD_PREFIX });
    bucket.addEventNotification(EventType.OBJECT_CREATED_POST, new LambdaDestination(finalizeUpload), { prefix: LARGE_UPLOAD_PREFIX });

    // Lists the bucket a slice at a time, deletes orphans, and settles late uploads the way
    // finalize does (which publishes: PutObject on images/). Bounded per run (20,000 objects),
    // continuing from the position it saves in the counters table.
    const sweep = fn('Sweep', 'sweep', 'Every 15 min: expired pending uploads and orphan objects, a bounded slice per run', Duration.minutes(5))
      .useTable('IMAGES_TABLE', images, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem')
      .queryIndex('IMAGES_TABLE', images, pendingIndex.name)
      // The saved position (GetItem, UpdateItem) and the account totals of settled uploads (UpdateItem).
      .useTable('COUNTERS_TABLE', counters, 'dynamodb:GetItem', 'dynamodb:UpdateItem')
      .useObjects(bucket, ['s3:GetObject', 's3:DeleteObject'], both)
      .useObjects(bucket, ['s3:PutObject'], direct)
      .useObjects(bucket, ['s3:DeleteObject'], [VARIANT_PREFIX])
      .allowList(bucket);
    new Rule(this, 'HourlySweep', {
      description: 'Imager sweep: expired pending uploads, orphan objects (a bounded slice per run)',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunction(sweep)],
    });

    // A published image was removed (delete, sweep): invalidate its CDN paths and delete its
    // variants. Asynchronous (S3 notification): Lambda retries twice, then the event is kept in
    // the dead-letter queue for a redrive; the delete itself never waits for or fails on it.
    const purgeDeadLetters = (this.purgeDeadLetters = new Queue(this, 'PurgeDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    }));
    const purgeImage = fn('PurgeImage', 'purge-image', 'Invalidates CDN paths and variants of removed images (S3 ObjectRemoved)', Duration.seconds(60))
      .useDistribution('DISTRIBUTION_ID', delivery.distribution)
      .allowList(bucket, [VARIANTS_PREFIX])
      .useObjects(bucket, ['s3:DeleteObject'], [VARIANTS_PREFIX]);
    purgeImage.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(purgeDeadLetters) });
    bucket.addEventNotification(EventType.OBJECT_REMOVED, new LambdaDestination(purgeImage), { prefix: DIRECT_PREFIX });
    // Account routes (SPEC §13): the person's account record and key slots live in the keys table.
    const ACCOUNT = ['dynamodb:GetItem', 'dynamodb:PutItem'];
    const getAccount = fn('GetAccount', 'get-account', 'GET /api/account')
      .useTable('KEYS_TABLE', keys, ...ACCOUNT)
      .useTable('COUNTERS_TABLE', counters, 'dynamodb:BatchGetItem', 'dynamodb:GetItem');
    const listAccountKeys = fn('ListAccountKeys', 'list-account-keys', 'GET /api/account/keys')
      .useTable('KEYS_TABLE', keys, ...ACCOUNT, 'dynamodb:BatchGetItem')
      .useTable('COUNTERS_TABLE', counters, 'dynamodb:BatchGetItem');
    const createAccountKey = fn('CreateAccountKey', 'create-account-key', 'POST /api/account/keys')
      .useTable('KEYS_TABLE', keys, ...ACCOUNT, 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem');
    const revokeAccountKey = fn('RevokeAccountKey', 'revoke-account-key', 'DELETE /api/account/keys/{key_id}')
      .useTable('KEYS_TABLE', keys, ...ACCOUNT, 'dynamodb:UpdateItem')
      .queryIndex('KEYS_TABLE', keys, KEYS_TABLE_SCHEMA.byKeyIdIndex.name);

    const handlers = {
      UploadImage: uploadImage,
      GetImage: getImage,
      ListImages: listImages,
      DeleteImage: deleteImage,
      StartUpload: startUpload,
      ViewImage: viewImage,
      GetAccount: getAccount,
      ListAccountKeys: listAccountKeys,
      CreateAccountKey: createAccountKey,
      RevokeAccountKey: revokeAccountKey,
      GetOpenApi: getOpenApi,
      GetDocs: getDocs,
    };
    this.functions = { ...handlers, Authorizer: authorizer, FinalizeUpload: finalizeUpload, Sweep: sweep, PurgeImage: purgeImage };

    const identity = (this.identity = new Identity(this, 'Identity', {
      sesFromEmail: settings.sesFromEmail,
      authCacheSeconds: settings.authCacheSeconds,
    }));

    this.api = new ImagerApi(this, 'Api', {
      handlers,
      authorizer,
      sessionAuthorizer: identity.authorizer,
      authCacheSeconds: settings.authCacheSeconds,
      throttleRate: settings.throttleRate,
      throttleBurst: settings.throttleBurst,
      dailyQuota: settings.dailyQuota,
      methodThrottle: settings.apiThrottle,
      publicThrottle: settings.publicThrottle,
    });

    // Keys made in the console are API Gateway keys on the usage plan, like the CLI's.
    this.api.allowKeyCreation(createAccountKey);
    this.api.allowKeyRevocation(revokeAccountKey);

    this.console = new ConsoleSite(this, 'Console', {
      config: {
        apiUrl: this.api.api.url,
        region: this.region,
        userPoolId: identity.userPool.userPoolId,
        clientId: identity.client.userPoolClientId,
      },
      maxImageBytes: settings.limits.maxImageBytes,
      maxLargeImageBytes: settings.limits.maxLargeImageBytes,
    });

    new CfnOutput(this, 'ConsoleUrl', { value: this.console.url, description: 'The web console (sign up, keys, images)' });
    new CfnOutput(this, 'UserPoolId', { value: identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: identity.client.userPoolClientId });
    // Alarms, their topic and the dashboard; later dead-letter queues plug in with
    // monitoring.addDeadLetterQueue.
    this.monitoring = new ImagerMonitoring(this, 'Monitoring', {
      api: this.api.api,
      accessLogs: this.api.accessLogs,
      functions: { ...this.functions, TransformImage: transforms.function },
      authorizer: 'Authorizer',
      sweep: 'Sweep',
      tables: { Images: images, Keys: keys, Counters: counters },
      bucket,
      deadLetterQueues: [purgeDeadLetters],
      distribution: delivery.distribution,
      alarmEmail: settings.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Base URL of the API' });
    new CfnOutput(this, 'RestApiId', { value: this.api.api.restApiId });
    new CfnOutput(this, 'StageName', { value: this.api.api.deploymentStage.stageName });
    new CfnOutput(this, 'UsagePlanId', { value: this.api.usagePlan.usagePlanId, description: 'Usage plan the keys are attached to' });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'ImagesTableName', { value: images.tableName });
    new CfnOutput(this, 'KeysTableName', { value: keys.tableName });
    new CfnOutput(this, 'CountersTableName', { value: counters.tableName });
    new CfnOutput(this, 'DistributionDomainName', { value: delivery.distribution.distributionDomainName, description: 'CloudFront domain serving /image/<id>' });
    new CfnOutput(this, 'DistributionId', { value: delivery.distribution.distributionId });
    new CfnOutput(this, 'PublicBaseUrl', { value: delivery.publicBaseUrl, description: 'Base of every image url (IMAGER_PUBLIC_BASE_URL or the distribution)' });
    new CfnOutput(this, 'PurgeDeadLetterQueueName', { value: purgeDeadLetters.queueName, description: 'Removed images whose CDN purge failed every retry' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn, description: 'SNS topic every alarm notifies' });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });

    acknowledgeStackFindings({ stack: this, restApi: this.api.api, delivery, purgeDeadLetters, hasWebAcl: settings.webAclId !== undefined, hasCertificate: settings.certificateArn !== undefined });
  }
}
