import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { functionEnvironment } from '../functions/core/config';
import { edgeEnvironment } from '../functions/core/edge-settings';
import type { FunctionName } from '../functions/function-table';
import { ImagerApi } from './api';
import { ConsoleSite } from './console-site';
import { Delivery } from './delivery';
import { EdgeRules } from './edge/edge-rules';
import { WebhookQueues } from './webhooks';
import { Functions, type StackFunctionName } from './functions';
import { Identity } from './identity';
import type { ImagerFunction } from './imager-function';
import { retainExecutionLogs, retainHelperLogs } from './log-retention';
import { ImagerMonitoring } from './monitoring';
import { readStackSettings, type StackSettings } from './settings';
import { Storage } from './storage';
import { Transforms } from './transforms';

export interface ImagerStackProps extends StackProps {
  /** Overrides the settings read from context (tests). */
  readonly settings?: StackSettings;
}

/**
 * Imager, composed: storage, transforms and delivery (the CDN), the functions of the function
 * table (functions/function-table.ts), identity, the API, the console and monitoring. Each
 * construct defines its own part and acknowledges its own cdk-nag findings.
 */
export class ImagerStack extends Stack {
  readonly storage: Storage;
  readonly transforms: Transforms;
  /** Signatures, private, expiring and removed images, decided at the edge (docs/edge.md). */
  readonly edge: EdgeRules;
  readonly delivery: Delivery;
  /** Every function of the table but TransformImage (`transforms.function`), by name. */
  readonly functions: Readonly<Record<StackFunctionName, ImagerFunction>>;
  /** Every function of the table, TransformImage included, by name. */
  readonly allFunctions: Readonly<Record<FunctionName, ImagerFunction>>;
  /** Where PurgeImage's failed invocations end up (after Lambda's own retries). */
  /** The webhook queue and its dead-letter queue (docs/webhooks.md). */
  readonly webhooks: WebhookQueues;
  readonly purgeDeadLetters: Queue;
  /** Every retried S3 function's dead-letter queue (PurgeImage's, AnalyzeImage's, BuildAccountExport's), by function. */
  readonly deadLetterQueues: Readonly<Partial<Record<StackFunctionName, Queue>>>;
  /** Where FinalizeUpload's failed invocations end up (after Lambda's own retries), for `npm run redrive`. */
  readonly finalizeDeadLetters: Queue;
  /** Where AnalyzeImage's failed invocations end up, for `npm run redrive -- --queue analyze`. */
  readonly analyzeDeadLetters: Queue;
  readonly identity: Identity;
  readonly api: ImagerApi;
  readonly console: ConsoleSite;
  readonly monitoring: ImagerMonitoring;

  constructor(scope: Construct, id: string, props: ImagerStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readStackSettings(this.node);
    const storage = (this.storage = new Storage(this, 'Storage'));
    const { bucket, images, keys, counters, lookups, exports, webhooks } = storage;
    const webhookQueues = (this.webhooks = new WebhookQueues(this, 'Webhooks'));

    // The distribution depends on the bucket only; functions depend on the distribution (their
    // url base, PurgeImage's deny-list entries in the edge's KeyValueStore), never the other way round.
    const edgeSettings = settings.edge;
    const edge = (this.edge = new EdgeRules(this, 'Edge', { settings: edgeSettings }));
    const transforms = (this.transforms = new Transforms(this, 'Transforms', {
      bucket,
      limits: settings.limits,
      reserveConcurrency: settings.reservedConcurrency,
      maxVariantsPerImage: edgeSettings.maxVariantsPerImage,
      edgeTtl: edge.edgeTtl,
    }));
    const delivery = (this.delivery = new Delivery(this, 'Delivery', {
      bucket,
      transforms,
      edge,
      logBucket: storage.accessLogs,
      cdnLogBucket: settings.cdnLogBucket,
      priceClass: settings.priceClass,
      publicBaseUrl: settings.publicBaseUrl,
      certificateArn: settings.certificateArn,
      webAclId: settings.webAclId,
    }));

    // 'Default' keeps the functions' logical ids (lib/functions.ts says why).
    const functions = new Functions(this, 'Default', {
      settings: { ...functionEnvironment(settings), ...edgeEnvironment(edgeSettings), IMAGER_PUBLIC_BASE_URL: delivery.publicBaseUrl },
      reserveConcurrency: settings.reservedConcurrency,
      tables: { images, keys, counters, lookups, exports, webhooks },
      bucket,
      webhookQueue: webhookQueues.queue,
      distribution: delivery.distribution,
      edgeStore: edge.store,
    });
    this.functions = functions.functions;
    this.allFunctions = { ...this.functions, TransformImage: transforms.function };
    const { PurgeImage: purgeDeadLetters, FinalizeUpload: finalizeDeadLetters } = functions.deadLetterQueues;
    if (!purgeDeadLetters || !finalizeDeadLetters) throw new Error('PurgeImage and FinalizeUpload need their dead-letter queues');
    this.purgeDeadLetters = purgeDeadLetters;
    this.deadLetterQueues = functions.deadLetterQueues;
    this.finalizeDeadLetters = finalizeDeadLetters;
    const analyzeDeadLetters = functions.deadLetterQueues.AnalyzeImage;
    if (!analyzeDeadLetters) throw new Error('AnalyzeImage needs its dead-letter queue');
    this.analyzeDeadLetters = analyzeDeadLetters;

    const identity = (this.identity = new Identity(this, 'Identity', {
      sesFromEmail: settings.sesFromEmail,
      sesVerifiedDomain: settings.sesVerifiedDomain,
      webAcl: settings.userPoolWaf,
      authCacheSeconds: settings.authCacheSeconds,
    }));
    identity.grantUsers(this.functions);
    const api = (this.api = new ImagerApi(this, 'Api', {
      functions: this.functions,
      sessionAuthorizer: identity.authorizer,
      // The ID tokens' `iss`: the pool's provider URL (`cognito-idp.<region>.amazonaws.com/<pool id>`) over HTTPS.
      sessions: { issuer: `https://${identity.userPool.userPoolProviderUrl}`, clientId: identity.client.userPoolClientId },
      authCacheSeconds: settings.authCacheSeconds,
      throttleRate: settings.throttleRate,
      throttleBurst: settings.throttleBurst,
      dailyQuota: settings.dailyQuota,
      methodThrottle: settings.apiThrottle,
      publicThrottle: settings.publicThrottle,
    }));
    this.console = new ConsoleSite(this, 'Console', {
      config: {
        apiUrl: api.api.url,
        region: this.region,
        userPoolId: identity.userPool.userPoolId,
        clientId: identity.client.userPoolClientId,
      },
      maxImageBytes: settings.limits.maxImageBytes,
      maxLargeImageBytes: settings.limits.maxLargeImageBytes,
    });
    // Alarms, their topic and the dashboard; later dead-letter queues plug in with
    // monitoring.addDeadLetterQueue.
    this.monitoring = new ImagerMonitoring(this, 'Monitoring', {
      api: api.api,
      accessLogs: api.accessLogs,
      functions: this.allFunctions,
      authorizer: 'Authorizer',
      sweep: 'Sweep',
      tables: { Images: images, Keys: keys, Counters: counters, Lookups: lookups, Exports: exports, Webhooks: webhooks },
      bucket,
      deadLetterQueues: [...Object.values(functions.deadLetterQueues), webhookQueues.deadLetters],
      distribution: delivery.distribution,
      alarmEmail: settings.alarmEmail,
      transformOrigin: 'TransformImage',
      userPool: { pool: identity.userPool, client: identity.client },
    });
    // Every log group with a retention: API Gateway's execution log, CDK's helper functions.
    retainExecutionLogs(api.api, api.stageName);
    retainHelperLogs(this);
    this.addOutputs();
  }

  /** What the keys CLI, the console's deployers and operators read from the stack. */
  private addOutputs(): void {
    const { bucket, images, keys, counters, lookups, exports } = this.storage;
    const { api, usagePlan } = this.api;
    const { distribution, publicBaseUrl } = this.delivery;
    const outputs: Record<string, { value: string; description?: string }> = {
      ConsoleUrl: { value: this.console.url, description: 'The web console (sign up, keys, images)' },
      UserPoolId: { value: this.identity.userPool.userPoolId },
      UserPoolClientId: { value: this.identity.client.userPoolClientId },
      ApiUrl: { value: api.url, description: 'Base URL of the API' },
      RestApiId: { value: api.restApiId },
      StageName: { value: api.deploymentStage.stageName },
      UsagePlanId: { value: usagePlan.usagePlanId, description: 'Usage plan the keys are attached to' },
      BucketName: { value: bucket.bucketName },
      ImagesTableName: { value: images.tableName },
      KeysTableName: { value: keys.tableName },
      CountersTableName: { value: counters.tableName },
      LookupsTableName: { value: lookups.tableName },
      ExportsTableName: { value: exports.tableName },
      DistributionDomainName: { value: distribution.distributionDomainName, description: 'CloudFront domain serving /image/<id>' },
      DistributionId: { value: distribution.distributionId },
      PublicBaseUrl: { value: publicBaseUrl, description: 'Base of every image url (IMAGER_PUBLIC_BASE_URL or the distribution)' },
      PurgeDeadLetterQueueName: { value: this.purgeDeadLetters.queueName, description: 'Removed images whose CDN purge failed every retry' },
      FinalizeDeadLetterQueueName: { value: this.finalizeDeadLetters.queueName, description: 'Large uploads whose finalize failed every retry (npm run redrive)' },
      AnalyzeDeadLetterQueueName: { value: this.analyzeDeadLetters.queueName, description: 'Published images whose analysis failed every retry (npm run redrive -- --queue analyze)' },
      AlarmTopicArn: { value: this.monitoring.topic.topicArn, description: 'SNS topic every alarm notifies' },
      DashboardName: { value: this.monitoring.dashboard.dashboardName },
    };
    for (const [name, output] of Object.entries(outputs)) new CfnOutput(this, name, output);
  }
}
