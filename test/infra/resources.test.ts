import { DELETION_REQUEST_PREFIX } from '../../functions/core/account-deletion';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { COUNTERS_TABLE_SCHEMA, EXPORTS_TABLE_SCHEMA, IMAGES_TABLE_SCHEMA, KEYS_TABLE_SCHEMA, LOOKUPS_TABLE_SCHEMA, WEBHOOKS_TABLE_SCHEMA } from '../../functions/adapters/table-schemas';
import { API_KEY_STACK_TAG } from '../../functions/core/api-keys';
import { EXPORT_PREFIX, EXPORT_REQUEST_PREFIX } from '../../functions/core/exports';
import { DIRECT_PREFIX, LARGE_UPLOAD_PREFIX } from '../../functions/core/ids';
import { FUNCTION_NAMES, FUNCTIONS, functionsTriggeredBy } from '../../functions/function-table';
import { VARIANTS_PREFIX } from '../../lib/delivery';
import type { StackFunctionName as FunctionName } from '../../lib/functions';
import { flatten, logicalId, permissionsOf, resourcesOfType, type Synthesized, synthImager } from './synth';

/** The functions the stack builds itself (the transform function: test/infra/transforms.test.ts), by handler file. */
const FILES: Readonly<Record<FunctionName, string>> = Object.fromEntries(
  FUNCTION_NAMES.filter((name) => name !== 'TransformImage').map((name) => [name, FUNCTIONS[name].file]),
) as Record<FunctionName, string>;
const API_FUNCTIONS: readonly FunctionName[] = [...functionsTriggeredBy('api'), ...functionsTriggeredBy('authorizer')];

let synth: Synthesized;
let resources: Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;
let ids: { bucket: string; accessLogs: string; images: string; keys: string; counters: string; lookups: string; exports: string; distribution: string; edgeStore: string; webhooks: string; webhookQueue: string };

beforeAll(() => {
  synth = synthImager();
  resources = synth.template.toJSON().Resources;
  const { storage } = synth.stack;
  ids = {
    bucket: logicalId(storage.bucket),
    accessLogs: logicalId(storage.accessLogs),
    images: logicalId(storage.images),
    keys: logicalId(storage.keys),
    counters: logicalId(storage.counters),
    lookups: logicalId(storage.lookups),
    exports: logicalId(storage.exports),
    webhooks: logicalId(storage.webhooks),
    webhookQueue: logicalId(synth.stack.webhooks.queue),
    distribution: logicalId(synth.stack.delivery.distribution),
    edgeStore: logicalId(synth.stack.edge.store),
  };
});

describe('bucket', () => {
  it('is private, encrypted, SSL-only, logged, and cleans up abandoned multipart uploads and stray uploads', () => {
    const buckets = resourcesOfType(synth.template, 'AWS::S3::Bucket');
    // The console's static files have their own bucket (test/infra/identity.test.ts).
    expect(Object.keys(buckets).sort()).toEqual([ids.accessLogs, ids.bucket, logicalId(synth.stack.console.bucket)].sort());
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption, id).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    }
    const images = buckets[ids.bucket].Properties;
    expect(images.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: ids.accessLogs }, LogFilePrefix: 'images/' });
    expect(images.LifecycleConfiguration.Rules).toEqual([
      { Id: 'AbortIncompleteMultipartUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      // Only uploads/: published images (images/) and variants never expire.
      { Id: 'ExpireStrayUploads', Prefix: LARGE_UPLOAD_PREFIX, ExpirationInDays: 2, Status: 'Enabled' },
      // Exports are offered a week (docs/apps.md), their requests kept as long.
      { Id: 'ExpireExports', Prefix: EXPORT_PREFIX, ExpirationInDays: 7, Status: 'Enabled' },
      { Id: 'ExpireExportRequests', Prefix: EXPORT_REQUEST_PREFIX, ExpirationInDays: 7, Status: 'Enabled' },
    ]);
    expect(images.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    // Browsers send large uploads straight to S3 (presigned PUT or POST); nothing else is allowed cross-origin.
    expect(images.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({ AllowedMethods: ['PUT', 'POST'], AllowedOrigins: ['*'], ExposedHeaders: ['ETag'] }),
    ]);
    // The images outlive the stack.
    expect(resources[ids.bucket].DeletionPolicy).toBe('Retain');
  });

  it('denies every request that does not use TLS, on both buckets', () => {
    const policies = Object.values(resourcesOfType(synth.template, 'AWS::S3::BucketPolicy'));
    for (const bucketId of [ids.bucket, ids.accessLogs]) {
      const policy = policies.find((p) => flatten(p.Properties.Bucket) === bucketId);
      expect(policy, bucketId).toBeDefined();
      const statements = policy!.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
      const tls = statements.find((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
      expect(tls, bucketId).toBeDefined();
      expect(tls!.Action).toBe('s3:*');
      expect(tls!.Principal).toEqual({ AWS: '*' });
      expect(([] as unknown[]).concat(tls!.Resource).map(flatten).sort()).toEqual([`${bucketId}.Arn`, `${bucketId}.Arn/*`]);
      // Nothing in either bucket policy allows anyone in but S3 access logging and, on the
      // images bucket, this distribution (test/infra/delivery.test.ts checks that statement).
      for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
        const allowed = bucketId === ids.bucket ? ['logging.s3.amazonaws.com', 'cloudfront.amazonaws.com'] : ['logging.s3.amazonaws.com'];
        expect(allowed, bucketId).toContain(statement.Principal?.Service);
        expect(statement.Principal, bucketId).toEqual({ Service: statement.Principal.Service });
      }
    }
  });

  it('hard-codes no physical names', () => {
    // A name that refers to another resource (FunctionName: {Ref}, "/aws/lambda/" + {Ref}) is a
    // reference, not a hard-coded name; a literal string would be.
    const named = Object.entries(resources).filter(([, r]) =>
      ['BucketName', 'TableName', 'FunctionName', 'RoleName', 'LogGroupName', 'UsagePlanName', 'QueueName'].some((property) => {
        const value = r.Properties?.[property];
        return value !== undefined && JSON.stringify(value).match(/"(Ref|Fn::GetAtt)"/) === null;
      }),
    );
    expect(named.map(([id]) => id)).toEqual([]);
  });
});

/** A global secondary index as CloudFormation declares it: its keys, every attribute projected. */
function projectedIndex(index: { readonly name: string; readonly partitionKey: string; readonly sortKey?: string; readonly keysOnly?: boolean }) {
  const range = index.sortKey === undefined ? [] : [{ AttributeName: index.sortKey, KeyType: 'RANGE' }];
  return { IndexName: index.name, KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }, ...range], Projection: { ProjectionType: index.keysOnly ? 'KEYS_ONLY' : 'ALL' } };
}

describe('tables', () => {
  function table(id: string): Record<string, any> {
    expect(resources[id].Type).toBe('AWS::DynamoDB::Table');
    return resources[id].Properties;
  }

  it('are exactly images, keys, counters, lookups, exports and webhooks: on demand, with point-in-time recovery and encryption', () => {
    const all = [ids.images, ids.keys, ids.counters, ids.lookups, ids.exports, ids.webhooks];
    expect(Object.keys(resourcesOfType(synth.template, 'AWS::DynamoDB::Table')).sort()).toEqual(all.sort());
    for (const id of all) {
      const properties = table(id);
      expect(properties.BillingMode, id).toBe('PAY_PER_REQUEST');
      expect(properties.PointInTimeRecoverySpecification, id).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(properties.SSESpecification, id).toEqual({ SSEEnabled: true });
    }
    expect(resources[ids.images].DeletionPolicy).toBe('Retain');
    expect(resources[ids.keys].DeletionPolicy).toBe('Retain');
    expect(resources[ids.lookups].DeletionPolicy).toBe('Retain');
    expect(resources[ids.exports].DeletionPolicy).toBe('Retain');
    expect(resources[ids.webhooks].DeletionPolicy).toBe('Retain');
  });

  it('webhooks: pk + sk, the log, pending and owner indexes, finished deliveries expired by TTL (docs/webhooks.md)', () => {
    const hooks = table(ids.webhooks);
    expect(hooks.KeySchema).toEqual([
      { AttributeName: WEBHOOKS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: WEBHOOKS_TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ]);
    const indexes = (hooks.GlobalSecondaryIndexes as Array<{ IndexName: string }>).map((index) => index.IndexName).sort();
    expect(indexes).toEqual([WEBHOOKS_TABLE_SCHEMA.byEndpointIndex.name, WEBHOOKS_TABLE_SCHEMA.ownerIndex.name, WEBHOOKS_TABLE_SCHEMA.pendingIndex.name].sort());
    expect(hooks.TimeToLiveSpecification).toEqual({ AttributeName: WEBHOOKS_TABLE_SCHEMA.ttlAttribute, Enabled: true });
  });

  it('lookups: one item per image and metadata pair or hash band, keyed pk + sk, no index, no TTL (docs/apps.md)', () => {
    const lookups = table(ids.lookups);
    expect(lookups.KeySchema).toEqual([
      { AttributeName: LOOKUPS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: LOOKUPS_TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ]);
    expect(lookups.GlobalSecondaryIndexes).toBeUndefined();
    expect(lookups.TimeToLiveSpecification).toBeUndefined();
  });

  it('exports: by account and export id, expired by TTL', () => {
    const exports = table(ids.exports);
    expect(exports.KeySchema).toEqual([
      { AttributeName: EXPORTS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: EXPORTS_TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ]);
    expect(exports.TimeToLiveSpecification).toEqual({ AttributeName: EXPORTS_TABLE_SCHEMA.ttlAttribute, Enabled: true });
  });

  it('images: keyed by id, with the by-account, pending-expiry, by-SHA and image-expiry indexes of table-schemas.ts, no TTL', () => {
    const images = table(ids.images);
    const schema = IMAGES_TABLE_SCHEMA;
    expect(images.KeySchema).toEqual([{ AttributeName: schema.partitionKey, KeyType: 'HASH' }]);
    expect(images.GlobalSecondaryIndexes).toEqual(expect.arrayContaining([schema.byAccountIndex, schema.pendingIndex, schema.byShaIndex, schema.expiryIndex].map(projectedIndex)));
    expect(images.GlobalSecondaryIndexes).toHaveLength(4);
    const attributes: Array<[string, 'S' | 'N']> = [['id', 'S'], ['account_id', 'S'], ['created_key', 'S'], ['pending', 'S'], ['expires_at', 'N'], ['account_sha', 'S'], ['expiring', 'S'], ['image_expires_at', 'N']];
    expect(images.AttributeDefinitions).toEqual(expect.arrayContaining(attributes.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }))));
    // No TTL: DynamoDB could delete a pending record before its late finalize (docs/security-and-reliability.md).
    expect(images.TimeToLiveSpecification).toBeUndefined();
  });

  it('keys: keyed by the key hash record, with the key-id index', () => {
    const keys = table(ids.keys);
    expect(keys.KeySchema).toEqual([{ AttributeName: KEYS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }]);
    expect(keys.GlobalSecondaryIndexes).toEqual([projectedIndex(KEYS_TABLE_SCHEMA.byKeyIdIndex)]);
    // Only a deleted account's tombstone carries the attribute (docs/account-deletion.md).
    expect(keys.TimeToLiveSpecification).toEqual({ AttributeName: KEYS_TABLE_SCHEMA.ttlAttribute, Enabled: true });
  });

  it('counters: one item per key and hour, expired by TTL, with the sparse keys-only index of Idempotency-Key records by account', () => {
    const counters = table(ids.counters);
    expect(counters.KeySchema).toEqual([{ AttributeName: COUNTERS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }]);
    expect(counters.GlobalSecondaryIndexes).toEqual([projectedIndex(COUNTERS_TABLE_SCHEMA.byIdempotencyAccountIndex)]);
    expect(counters.TimeToLiveSpecification).toEqual({ AttributeName: COUNTERS_TABLE_SCHEMA.ttlAttribute, Enabled: true });
  });
});

describe('functions', () => {
  function fn(name: FunctionName): Record<string, any> {
    const resource = resources[logicalId(synth.stack.functions[name])];
    expect(resource.Type).toBe('AWS::Lambda::Function');
    return resource.Properties;
  }

  it('are the thirty-four Imager functions and the transform function (plus the CDK bucket-notification, SDK-call and console-deployment helpers)', () => {
    const functions = Object.keys(resourcesOfType(synth.template, 'AWS::Lambda::Function'));
    // The transform function (sharp beside its bundle) is checked in test/infra/transforms.test.ts.
    const ours = [...(Object.keys(FILES) as FunctionName[]).map((name) => logicalId(synth.stack.functions[name])), logicalId(synth.stack.transforms.function)];
    expect(functions.filter((id) => !ours.includes(id)).sort()).toEqual([
      expect.stringMatching(/^AWS679f53fac002430cb0da5b7982bd2287/),
      expect.stringMatching(/^BucketNotificationsHandler/),
      expect.stringMatching(/^CustomCDKBucketDeployment/),
    ]);
    expect(ours).toHaveLength(35);
  });

  it.each(Object.keys(FILES) as FunctionName[])('%s: Node.js >= 22 on arm64, traced, with its own retained log group', (name) => {
    const properties = fn(name);
    const runtime = /^nodejs(\d+)\.x$/.exec(properties.Runtime);
    expect(runtime, properties.Runtime).not.toBeNull();
    expect(Number(runtime![1])).toBeGreaterThanOrEqual(22);
    expect(properties.Architectures).toEqual(['arm64']);
    expect(properties.Handler).toBe('index.handler');
    expect(properties.TracingConfig).toEqual({ Mode: 'Active' });
    // Source maps ship in the asset but are not applied at start (docs/performance.md).
    expect(properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    const logGroupId = flatten(properties.LoggingConfig.LogGroup);
    expect(resources[logGroupId].Type).toBe('AWS::Logs::LogGroup');
    expect(resources[logGroupId].Properties.RetentionInDays).toBeGreaterThan(0);
    if (API_FUNCTIONS.includes(name)) expect(properties.Timeout).toBeLessThanOrEqual(29);
    expect(properties.Timeout).toBeGreaterThan(0);
    expect(flatten(properties.Role)).toBe(`${logicalId(synth.stack.functions[name].executionRole)}.Arn`);
  });

  /** The resource names a function may be given, each with the resource it must name. */
  const resourceFor = (): Record<string, string> => ({
    BUCKET_NAME: ids.bucket,
    IMAGES_TABLE: ids.images,
    KEYS_TABLE: ids.keys,
    COUNTERS_TABLE: ids.counters,
    LOOKUPS_TABLE: ids.lookups,
    EXPORTS_TABLE: ids.exports,
    DISTRIBUTION_ID: ids.distribution,
  });

  /**
   * Imports a handler with exactly the environment its function has in the template and records
   * every name its module scope reads. The wiring (functions/runtime/wiring.ts) reads resource
   * names there, once per container, so this is every name the function can ever use; a name the
   * template does not set is read as unset (a required one fails the import). Names that are not
   * the stack's to set (AWS_REGION and Lambda's other own variables, the test runner's) come
   * from the real environment.
   */
  async function namesReadAtStart(name: FunctionName): Promise<Set<string>> {
    const variables = fn(name).Environment.Variables as Record<string, unknown>;
    const given: Record<string, string> = {};
    for (const [variable, value] of Object.entries(variables)) {
      // A Ref resolves to a name or id; other tokens here are URLs (the delivery base).
      const ref = (value as { Ref?: unknown }).Ref;
      given[variable] = typeof value === 'string' ? value : typeof ref === 'string' ? ref : 'https://resolved.invalid';
    }
    const stacks = (variable: string) => variable in resourceFor() || variable.startsWith('IMAGER_') || variable === 'REST_API_ID' || variable === 'STAGE_NAME';
    const read = new Set<string>();
    const real = process.env;
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_target, variable) => {
        if (typeof variable !== 'string') return undefined;
        read.add(variable);
        if (Object.hasOwn(given, variable)) return given[variable];
        return stacks(variable) ? undefined : real[variable];
      },
      has: (_target, variable) => typeof variable === 'string' && (Object.hasOwn(given, variable) || (!stacks(variable) && variable in real)),
    });
    vi.resetModules();
    process.env = env;
    try {
      await import(`../../functions/${FILES[name]}.ts`);
    } finally {
      process.env = real;
    }
    return read;
  }

  it.each(Object.keys(FILES) as FunctionName[])('%s: its environment holds exactly the resource names its code reads, each set to the right resource', async (name) => {
    const expected = resourceFor();
    const read = [...(await namesReadAtStart(name))].filter((variable) => variable in expected);
    const variables = fn(name).Environment.Variables as Record<string, unknown>;
    for (const variable of read) {
      expect(variables[variable], variable).toEqual({ Ref: expected[variable] });
    }
    // And no resource name it does not use (each one comes with a grant).
    const names = Object.keys(variables).filter((v) => v in expected);
    expect(names.sort()).toEqual(read.sort());
  });

  it('ViewImage is given no table, bucket or distribution, only the public base URL it redirects to', () => {
    const variables = fn('ViewImage').Environment.Variables as Record<string, unknown>;
    for (const name of ['BUCKET_NAME', 'IMAGES_TABLE', 'KEYS_TABLE', 'COUNTERS_TABLE', 'LOOKUPS_TABLE', 'EXPORTS_TABLE', 'DISTRIBUTION_ID']) {
      expect(variables[name], name).toBeUndefined();
    }
    expect(flatten(variables.IMAGER_PUBLIC_BASE_URL)).toBe(`https://${ids.distribution}.DomainName`);
  });
});

describe('least privilege', () => {
  const objects = (prefix: string) => `${ids.bucket}.Arn/${prefix}*`;

  function permissions(name: FunctionName): string[] {
    return permissionsOf(synth.template, logicalId(synth.stack.functions[name].executionRole));
  }

  /** What every function may do: write its own log group and send X-Ray traces. */
  function baseline(name: FunctionName): string[] {
    const logs = logicalId(synth.stack.functions[name].logGroup);
    return [
      `logs:CreateLogStream on ${logs}.Arn`,
      `logs:PutLogEvents on ${logs}.Arn`,
      'xray:PutTelemetryRecords on *',
      'xray:PutTraceSegments on *',
    ];
  }

  const apigw = 'arn:AWS::Partition:apigateway:AWS::Region::';
  /** The on-failure destination of a retried S3 function (Lambda sends with the function's role). */
  const deadLetters = (name: 'AnalyzeImage' | 'BuildAccountExport' | 'EraseAccount'): string[] => {
    const queue = logicalId(synth.stack.deadLetterQueues[name]!);
    return [`sqs:GetQueueAttributes on ${queue}.Arn`, `sqs:GetQueueUrl on ${queue}.Arn`, `sqs:SendMessage on ${queue}.Arn`];
  };
  /** Writing the edge's key-value store (docs/edge.md): its version and UpdateKeys, on that store only. */
  const edgeWrites = () => [`cloudfront-keyvaluestore:DescribeKeyValueStore on ${ids.edgeStore}.Arn`, `cloudfront-keyvaluestore:UpdateKeys on ${ids.edgeStore}.Arn`];
  /** An account's signing secrets: one item of the keys table, read and (a first one made on demand) written. */
  const signingSecrets = () => [`dynamodb:GetItem on ${ids.keys}.Arn`, `dynamodb:PutItem on ${ids.keys}.Arn`];
  const usagePlan = (): string => logicalId(synth.stack.api.usagePlan);
  const webhookSend = () => [`sqs:GetQueueAttributes on ${ids.webhookQueue}.Arn`, `sqs:GetQueueUrl on ${ids.webhookQueue}.Arn`, `sqs:SendMessage on ${ids.webhookQueue}.Arn`];
  const EXPECTED: Record<FunctionName, () => string[]> = {
    WebhookEndpoints: () => [
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:PutItem on ${ids.keys}.Arn`,
      ...['BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query'].map((action) => `dynamodb:${action} on ${ids.webhooks}.Arn`),
      `dynamodb:Query on ${ids.webhooks}.Arn/index/${WEBHOOKS_TABLE_SCHEMA.byEndpointIndex.name}`,
      ...webhookSend(),
    ],
    // Its event source receives and deletes; it puts messages back (visibility) and sends deliveries.
    DeliverWebhooks: () => [
      `dynamodb:GetItem on ${ids.images}.Arn`,
      ...['DeleteItem', 'GetItem', 'PutItem', 'Query'].map((action) => `dynamodb:${action} on ${ids.webhooks}.Arn`),
      ...webhookSend(),
      `sqs:ChangeMessageVisibility on ${ids.webhookQueue}.Arn`,
      `sqs:DeleteMessage on ${ids.webhookQueue}.Arn`,
      `sqs:ReceiveMessage on ${ids.webhookQueue}.Arn`,
    ],
    // The counters table also holds the Idempotency-Key claims: claimed, read back, kept, released.
    UploadImage: () => [
      `dynamodb:DeleteItem on ${ids.counters}.Arn`,
      `dynamodb:GetItem on ${ids.counters}.Arn`,
      `dynamodb:PutItem on ${ids.counters}.Arn`,
      ...edgeWrites(),
      // The metadata's lookups, and the account's image of the same bytes (docs/apps.md).
      `dynamodb:BatchWriteItem on ${ids.lookups}.Arn`,
      `dynamodb:PutItem on ${ids.images}.Arn`,
      `dynamodb:Query on ${ids.images}.Arn/index/${IMAGES_TABLE_SCHEMA.byShaIndex.name}`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      ...signingSecrets(),
      `s3:DeleteObject on ${objects(DIRECT_PREFIX)}`,
      `s3:PutObject on ${objects(DIRECT_PREFIX)}`,
    ],
    // Reads the account's signing secret for a private image's url; never writes it.
    GetImage: () => [`dynamodb:GetItem on ${ids.images}.Arn`, `dynamodb:UpdateItem on ${ids.counters}.Arn`, `dynamodb:GetItem on ${ids.keys}.Arn`],
    // The reference functions read only what is inside their asset.
    GetOpenApi: () => [],
    GetDocs: () => [],
    ListImages: () => [
      // A page by metadata: its lookups, then exactly those records.
      `dynamodb:BatchGetItem on ${ids.images}.Arn`,
      `dynamodb:Query on ${ids.images}.Arn/index/${IMAGES_TABLE_SCHEMA.byAccountIndex.name}`,
      `dynamodb:Query on ${ids.lookups}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      // The account's signing secret for the urls of private images; never written here.
      `dynamodb:GetItem on ${ids.keys}.Arn`,
    ],
    ListSimilarImages: () => [
      `dynamodb:BatchGetItem on ${ids.images}.Arn`,
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:Query on ${ids.lookups}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `dynamodb:GetItem on ${ids.keys}.Arn`,
    ],
    // Visibility, expiry and metadata (docs/edge.md, docs/apps.md): the edge's entry and the metadata's lookups.
    PatchImage: () => [
      ...edgeWrites(),
      `dynamodb:BatchWriteItem on ${ids.lookups}.Arn`,
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `dynamodb:UpdateItem on ${ids.images}.Arn`,
      ...signingSecrets(),
    ],
    ListSigningSecrets: () => [`dynamodb:GetItem on ${ids.keys}.Arn`, `dynamodb:PutItem on ${ids.keys}.Arn`],
    CreateSigningSecret: () => [...edgeWrites(), `dynamodb:GetItem on ${ids.keys}.Arn`, `dynamodb:PutItem on ${ids.keys}.Arn`],
    RevokeSigningSecret: () => [...edgeWrites(), `dynamodb:GetItem on ${ids.keys}.Arn`, `dynamodb:PutItem on ${ids.keys}.Arn`],
    DeleteImage: () => [
      `dynamodb:BatchWriteItem on ${ids.lookups}.Arn`,
      `dynamodb:DeleteItem on ${ids.images}.Arn`,
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `s3:DeleteObject on ${objects(DIRECT_PREFIX)}`,
      `s3:DeleteObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
    ],
    StartUpload: () => [
      `dynamodb:BatchWriteItem on ${ids.lookups}.Arn`,
      `dynamodb:DeleteItem on ${ids.counters}.Arn`,
      `dynamodb:GetItem on ${ids.counters}.Arn`,
      `dynamodb:PutItem on ${ids.counters}.Arn`,
      ...edgeWrites(),
      `dynamodb:PutItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `s3:AbortMultipartUpload on ${objects(LARGE_UPLOAD_PREFIX)}`,
      ...signingSecrets(),
      `s3:PutObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
    ],
    // The delete link: read the record (its token hash), then the same deletes as DeleteImage.
    // As DeleteImage, the metadata's lookups included.
    DeleteByLink: () => [
      `dynamodb:BatchWriteItem on ${ids.lookups}.Arn`,
      `dynamodb:DeleteItem on ${ids.images}.Arn`,
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `s3:DeleteObject on ${objects(DIRECT_PREFIX)}`,
      `s3:DeleteObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
    ],
    // Resumable uploads: each touches the multipart upload of uploads/<id> only, never an object elsewhere.
    SignUploadParts: () => [`dynamodb:GetItem on ${ids.images}.Arn`, `dynamodb:UpdateItem on ${ids.counters}.Arn`, `s3:PutObject on ${objects(LARGE_UPLOAD_PREFIX)}`],
    ListUploadParts: () => [
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `s3:ListMultipartUploadParts on ${objects(LARGE_UPLOAD_PREFIX)}`,
    ],
    CompleteUpload: () => [
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `s3:ListMultipartUploadParts on ${objects(LARGE_UPLOAD_PREFIX)}`,
      `s3:PutObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
    ],
    AbortUpload: () => [
      `dynamodb:DeleteItem on ${ids.images}.Arn`,
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `s3:AbortMultipartUpload on ${objects(LARGE_UPLOAD_PREFIX)}`,
    ],
    // A 301 to the CDN: no data access at all.
    ViewImage: () => [],
    Authorizer: () => [`dynamodb:GetItem on ${ids.keys}.Arn`],
    GetAccount: () => [
      `dynamodb:BatchGetItem on ${ids.counters}.Arn`,
      `dynamodb:GetItem on ${ids.counters}.Arn`,
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:PutItem on ${ids.keys}.Arn`,
    ],
    ListAccountKeys: () => [
      `dynamodb:BatchGetItem on ${ids.counters}.Arn`,
      `dynamodb:BatchGetItem on ${ids.keys}.Arn`,
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:PutItem on ${ids.keys}.Arn`,
    ],
    CreateAccountKey: () => [
      // An account's first key makes its meter: create the API Gateway key and attach it to the
      // plan; undo both if the meter cannot be stored (or another request stored one first).
      // Only keys tagged as this stack's may be deleted: never another application's in the region.
      `apigateway:DELETE on ${apigw}/apikeys/* if StringEquals aws:ResourceTag/${API_KEY_STACK_TAG}=Test`,
      `apigateway:DELETE on ${apigw}/usageplans/${usagePlan()}/keys/*`,
      `apigateway:GET on ${apigw}/usageplans`,
      `apigateway:POST on ${apigw}/apikeys`,
      `apigateway:POST on ${apigw}/usageplans/${usagePlan()}/keys`,
      `dynamodb:BatchGetItem on ${ids.keys}.Arn`,
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:PutItem on ${ids.keys}.Arn`,
      `dynamodb:UpdateItem on ${ids.keys}.Arn`,
    ],
    RevokeAccountKey: () => [
      // The key record and the account's key slots: no API Gateway key is deleted, no cache flushed.
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:PutItem on ${ids.keys}.Arn`,
      `dynamodb:Query on ${ids.keys}.Arn/index/${KEYS_TABLE_SCHEMA.byKeyIdIndex.name}`,
      `dynamodb:UpdateItem on ${ids.keys}.Arn`,
    ],
    // Reads and deletes the upload, publishes the checked bytes under images/; never writes uploads/.
    FinalizeUpload: () => [
      ...webhookSend(),
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `dynamodb:UpdateItem on ${ids.images}.Arn`,
      `s3:DeleteObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
      `s3:GetObject on ${objects(DIRECT_PREFIX)}`,
      `s3:GetObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
      `s3:ListBucket on ${ids.bucket}.Arn`,
      `s3:PutObject on ${objects(DIRECT_PREFIX)}`,
      // The on-failure destination: an upload that failed every retry is kept for a redrive.
      `sqs:GetQueueAttributes on ${logicalId(synth.stack.finalizeDeadLetters)}.Arn`,
      `sqs:GetQueueUrl on ${logicalId(synth.stack.finalizeDeadLetters)}.Arn`,
      `sqs:SendMessage on ${logicalId(synth.stack.finalizeDeadLetters)}.Arn`,
    ],
    // Also removes expired images and releases the edge's due entries (docs/edge.md).
    Sweep: () => [
      ...edgeWrites(),
      // The lookups of the pending and expired records it removes.
      `dynamodb:BatchWriteItem on ${ids.lookups}.Arn`,
      `dynamodb:BatchGetItem on ${ids.images}.Arn`,
      `dynamodb:DeleteItem on ${ids.counters}.Arn`,
      `dynamodb:DeleteItem on ${ids.images}.Arn`,
      `dynamodb:GetItem on ${ids.counters}.Arn`,
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:Query on ${ids.images}.Arn/index/${IMAGES_TABLE_SCHEMA.expiryIndex.name}`,
      `dynamodb:Query on ${ids.images}.Arn/index/${IMAGES_TABLE_SCHEMA.pendingIndex.name}`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `dynamodb:UpdateItem on ${ids.images}.Arn`,
      `s3:AbortMultipartUpload on ${objects(LARGE_UPLOAD_PREFIX)}`,
      `s3:DeleteObject on ${objects(DIRECT_PREFIX)}`,
      `s3:DeleteObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
      `s3:DeleteObject on ${objects('variants/')}`,
      `s3:GetObject on ${objects(DIRECT_PREFIX)}`,
      `s3:GetObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
      `s3:ListBucket on ${ids.bucket}.Arn`,
      // A late finalize publishes: the checked bytes go to images/.
      `s3:PutObject on ${objects(DIRECT_PREFIX)}`,
    ],
    // The export's record and the request object; signs the link to the zip (so reads exports/).
    StartAccountExport: () => [
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:PutItem on ${ids.exports}.Arn`,
      `dynamodb:PutItem on ${ids.keys}.Arn`,
      `dynamodb:Query on ${ids.exports}.Arn`,
      `s3:GetObject on ${objects(EXPORT_PREFIX)}`,
      `s3:PutObject on ${objects(EXPORT_REQUEST_PREFIX)}`,
    ],
    GetAccountExport: () => [
      `dynamodb:GetItem on ${ids.exports}.Arn`,
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:PutItem on ${ids.keys}.Arn`,
      `dynamodb:Query on ${ids.exports}.Arn`,
      `s3:GetObject on ${objects(EXPORT_PREFIX)}`,
    ],
    // Reads published images only; writes the record's analysis and its similarity lookups.
    AnalyzeImage: () => [
      ...webhookSend(),
      `dynamodb:BatchWriteItem on ${ids.lookups}.Arn`,
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:UpdateItem on ${ids.images}.Arn`,
      `s3:GetObject on ${objects(DIRECT_PREFIX)}`,
      `s3:ListBucket on ${ids.bucket}.Arn if StringLike s3:prefix=${DIRECT_PREFIX}*`,
      ...deadLetters('AnalyzeImage'),
    ],
    // Reads the account's records and originals; writes only under exports/.
    BuildAccountExport: () => [
      `dynamodb:GetItem on ${ids.exports}.Arn`,
      `dynamodb:Query on ${ids.images}.Arn/index/${IMAGES_TABLE_SCHEMA.byAccountIndex.name}`,
      `dynamodb:UpdateItem on ${ids.exports}.Arn`,
      `s3:AbortMultipartUpload on ${objects(EXPORT_PREFIX)}`,
      `s3:GetObject on ${objects(DIRECT_PREFIX)}`,
      `s3:GetObject on ${objects(EXPORT_REQUEST_PREFIX)}`,
      `s3:PutObject on ${objects(EXPORT_PREFIX)}`,
      ...deadLetters('BuildAccountExport'),
    ],
    // Account deletion (docs/account-deletion.md): the route revokes the key records, flushes the
    // stage's authorizer cache (keys and sessions stop at once) and writes the job's request; it
    // deletes no API Gateway key.
    DeleteAccount: () => [
      `apigateway:DELETE on ${apigw}/restapis/${logicalId(synth.stack.api.api)}/stages/v1/cache/authorizers`,
      `dynamodb:BatchGetItem on ${ids.keys}.Arn`,
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:Query on ${ids.keys}.Arn/index/${KEYS_TABLE_SCHEMA.byKeyIdIndex.name}`,
      `dynamodb:UpdateItem on ${ids.keys}.Arn`,
      `s3:PutObject on ${objects(DELETION_REQUEST_PREFIX)}`,
    ],
    // The job: deletes of named items and prefixes only, AdminDeleteUser on this pool only, never a scan.
    // The meter's API Gateway key: only one carrying this stack's tag; the cache is the route's to flush.
    EraseAccount: () => [
      `apigateway:DELETE on ${apigw}/apikeys/* if StringEquals aws:ResourceTag/${API_KEY_STACK_TAG}=Test`,
      `apigateway:DELETE on ${apigw}/usageplans/${usagePlan()}/keys/*`,
      `apigateway:GET on ${apigw}/usageplans`,
      ...edgeWrites(),
      `cognito-idp:AdminDeleteUser on ${logicalId(synth.stack.identity.userPool)}.Arn`,
      `dynamodb:BatchGetItem on ${ids.keys}.Arn`,
      `dynamodb:BatchWriteItem on ${ids.counters}.Arn`,
      `dynamodb:BatchWriteItem on ${ids.exports}.Arn`,
      `dynamodb:BatchWriteItem on ${ids.keys}.Arn`,
      `dynamodb:BatchWriteItem on ${ids.lookups}.Arn`,
      `dynamodb:DeleteItem on ${ids.images}.Arn`,
      `dynamodb:DeleteItem on ${ids.keys}.Arn`,
      `dynamodb:GetItem on ${ids.images}.Arn`,
      `dynamodb:GetItem on ${ids.keys}.Arn`,
      `dynamodb:PutItem on ${ids.keys}.Arn`,
      `dynamodb:Query on ${ids.counters}.Arn/index/${COUNTERS_TABLE_SCHEMA.byIdempotencyAccountIndex.name}`,
      `dynamodb:Query on ${ids.exports}.Arn`,
      `dynamodb:Query on ${ids.images}.Arn/index/${IMAGES_TABLE_SCHEMA.byAccountIndex.name}`,
      `dynamodb:Query on ${ids.keys}.Arn/index/${KEYS_TABLE_SCHEMA.byKeyIdIndex.name}`,
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `dynamodb:UpdateItem on ${ids.keys}.Arn`,
      `s3:AbortMultipartUpload on ${objects(LARGE_UPLOAD_PREFIX)}`,
      `s3:DeleteObject on ${objects(DELETION_REQUEST_PREFIX)}`,
      `s3:DeleteObject on ${objects(EXPORT_REQUEST_PREFIX)}`,
      `s3:DeleteObject on ${objects(EXPORT_PREFIX)}`,
      `s3:DeleteObject on ${objects(DIRECT_PREFIX)}`,
      `s3:DeleteObject on ${objects(LARGE_UPLOAD_PREFIX)}`,
      `s3:ListBucket on ${ids.bucket}.Arn if StringLike s3:prefix=${EXPORT_PREFIX}*|${EXPORT_REQUEST_PREFIX}*`,
      `s3:PutObject on ${objects(DELETION_REQUEST_PREFIX)}`,
      ...deadLetters('EraseAccount'),
      // The webhooks step: owners left announced (the fan-out's reads and writes, its first attempts
      // queued), deliveries still tried looked up, then the account's items removed.
      ...['BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query'].map((action) => `dynamodb:${action} on ${ids.webhooks}.Arn`),
      `dynamodb:Query on ${ids.webhooks}.Arn/index/${WEBHOOKS_TABLE_SCHEMA.ownerIndex.name}`,
      `dynamodb:Query on ${ids.webhooks}.Arn/index/${WEBHOOKS_TABLE_SCHEMA.pendingIndex.name}`,
      ...webhookSend(),
    ],
    // Denies the id at the edge and schedules its release; lists and deletes variants only; never invalidates.
    PurgeImage: () => [
      ...webhookSend(),
      ...edgeWrites(),
      `dynamodb:UpdateItem on ${ids.counters}.Arn`,
      `s3:DeleteObject on ${objects(VARIANTS_PREFIX)}`,
      `s3:ListBucket on ${ids.bucket}.Arn if StringLike s3:prefix=${VARIANTS_PREFIX}*`,
      // The on-failure destination (Lambda sends with the function's role).
      `sqs:GetQueueAttributes on ${logicalId(synth.stack.purgeDeadLetters)}.Arn`,
      `sqs:GetQueueUrl on ${logicalId(synth.stack.purgeDeadLetters)}.Arn`,
      `sqs:SendMessage on ${logicalId(synth.stack.purgeDeadLetters)}.Arn`,
    ],
  };

  it.each(Object.keys(EXPECTED) as FunctionName[])('%s may do exactly what it needs, on the named resources only', (name) => {
    expect(permissions(name)).toEqual([...baseline(name), ...EXPECTED[name]()].sort());
  });

  it('the authorizer can only read one item of the keys table', () => {
    const dataAccess = permissions('Authorizer').filter((line) => !baseline('Authorizer').includes(line));
    expect(dataAccess).toEqual([`dynamodb:GetItem on ${ids.keys}.Arn`]);
  });

  it('the public view touches no data: no DynamoDB or S3 statement at all', () => {
    const data = permissions('ViewImage').filter((line) => /^(dynamodb|s3):/.test(line));
    expect(data).toEqual([]);
  });

  it('no function may invalidate the CDN (removals go on the edge\'s deny-list, docs/edge.md), and only the edge store is written', () => {
    for (const name of Object.keys(FILES) as FunctionName[]) {
      expect(permissions(name).filter((line) => line.startsWith('cloudfront:')), name).toEqual([]);
      for (const line of permissions(name).filter((l) => l.startsWith('cloudfront-keyvaluestore:'))) expect(line, name).toMatch(new RegExp(` on ${ids.edgeStore}\\.Arn$`));
    }
  });

  it('no policy in the stack allows a wildcard action or a whole service (but CDK\'s own console deployment helper)', () => {
    for (const [id, resource] of Object.entries(resources)) {
      // aws-cdk-lib's BucketDeployment provider grants itself s3:GetObject*, s3:List*, ... (acknowledged in lib/console-site.ts).
      if (id.startsWith('CustomCDKBucketDeployment')) continue;
      const document = resource.Properties?.PolicyDocument ?? undefined;
      const inline = resource.Type === 'AWS::IAM::Role' ? ((resource.Properties?.Policies as Array<{ PolicyDocument: unknown }> | undefined)?.map((p) => p.PolicyDocument) ?? []) : [];
      for (const doc of [document, ...inline].filter(Boolean) as Array<{ Statement: Array<Record<string, any>> }>) {
        for (const statement of doc.Statement.filter((s) => s.Effect === 'Allow')) {
          for (const action of ([] as string[]).concat(statement.Action)) {
            expect(action, id).not.toMatch(/\*/);
          }
        }
      }
    }
  });

  it('no Imager role carries a managed policy', () => {
    for (const name of Object.keys(FILES) as FunctionName[]) {
      const role = resources[logicalId(synth.stack.functions[name].executionRole)];
      expect(role.Properties.ManagedPolicyArns, name).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });
});

describe('large uploads and the sweep', () => {
  it('S3 notifies finalize of objects created under uploads/, PurgeImage of objects removed and AnalyzeImage of objects created under images/, and BuildAccountExport of requests', () => {
    const notifications = Object.values(resourcesOfType(synth.template, 'Custom::S3BucketNotifications'));
    expect(notifications).toHaveLength(1);
    const { BucketName, NotificationConfiguration } = notifications[0].Properties;
    expect(BucketName).toEqual({ Ref: ids.bucket });
    const finalizeArn = `${logicalId(synth.stack.functions.FinalizeUpload)}.Arn`;
    const purgeArn = `${logicalId(synth.stack.functions.PurgeImage)}.Arn`;
    const analyzeArn = `${logicalId(synth.stack.functions.AnalyzeImage)}.Arn`;
    const exportArn = `${logicalId(synth.stack.functions.BuildAccountExport)}.Arn`;
    const eraseArn = `${logicalId(synth.stack.functions.EraseAccount)}.Arn`;
    const configurations = (NotificationConfiguration.LambdaFunctionConfigurations as Array<Record<string, any>>).map((c) => ({
      target: flatten(c.LambdaFunctionArn),
      events: c.Events,
      filter: c.Filter,
    }));
    const prefix = (value: string) => ({ Key: { FilterRules: [{ Name: 'prefix', Value: value }] } });
    expect(configurations).toEqual(
      expect.arrayContaining([
        { target: finalizeArn, events: ['s3:ObjectCreated:Put'], filter: prefix(LARGE_UPLOAD_PREFIX) },
        { target: finalizeArn, events: ['s3:ObjectCreated:Post'], filter: prefix(LARGE_UPLOAD_PREFIX) },
        // Resumable uploads: the object S3 assembles from the parts.
        { target: finalizeArn, events: ['s3:ObjectCreated:CompleteMultipartUpload'], filter: prefix(LARGE_UPLOAD_PREFIX) },
        { target: purgeArn, events: ['s3:ObjectRemoved:*'], filter: prefix(DIRECT_PREFIX) },
        { target: analyzeArn, events: ['s3:ObjectCreated:Put'], filter: prefix(DIRECT_PREFIX) },
        { target: exportArn, events: ['s3:ObjectCreated:Put'], filter: prefix(EXPORT_REQUEST_PREFIX) },
        // Account deletion (docs/account-deletion.md): each write of its request runs the job.
        { target: eraseArn, events: ['s3:ObjectCreated:Put'], filter: prefix(DELETION_REQUEST_PREFIX) },
      ]),
    );
    expect(configurations).toHaveLength(7);
    expect(NotificationConfiguration.QueueConfigurations).toBeUndefined();
    expect(NotificationConfiguration.TopicConfigurations).toBeUndefined();

    const permissions = Object.values(resourcesOfType(synth.template, 'AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === 's3.amazonaws.com',
    );
    expect(permissions.map((p) => flatten(p.Properties.FunctionName)).sort()).toEqual([finalizeArn, purgeArn, analyzeArn, exportArn, eraseArn].sort());
    for (const permission of permissions) {
      expect(flatten(permission.Properties.SourceArn)).toBe(`${ids.bucket}.Arn`);
      expect(permission.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    }
  });

  it.each(['PurgeImage', 'AnalyzeImage', 'BuildAccountExport', 'EraseAccount'] as const)('%s is retried twice, then its event goes to an encrypted, SSL-only dead-letter queue kept 14 days', (name) => {
    const fnId = logicalId(synth.stack.functions[name]);
    const queue = logicalId(synth.stack.deadLetterQueues[name]!);
    // These four and FinalizeUpload (test/infra/finalize-failures.test.ts) have one each.
    expect(Object.values(resourcesOfType(synth.template, 'AWS::Lambda::EventInvokeConfig'))).toHaveLength(5);
    const configs = Object.values(resourcesOfType(synth.template, 'AWS::Lambda::EventInvokeConfig')).filter((c) => flatten(c.Properties.FunctionName) === fnId);
    expect(configs).toHaveLength(1);
    expect(configs[0].Properties.MaximumRetryAttempts).toBe(2);
    expect(flatten(configs[0].Properties.DestinationConfig.OnFailure.Destination)).toBe(`${queue}.Arn`);
    expect(configs[0].Properties.DestinationConfig.OnSuccess).toBeUndefined();

    expect(resources[queue].Type).toBe('AWS::SQS::Queue');
    expect(resources[queue].Properties.SqsManagedSseEnabled).toBe(true);
    expect(resources[queue].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    const policy = Object.values(resourcesOfType(synth.template, 'AWS::SQS::QueuePolicy')).find((p) =>
      p.Properties.Queues.some((q: unknown) => flatten(q) === queue),
    );
    const tls = (policy!.Properties.PolicyDocument.Statement as Array<Record<string, any>>).find(
      (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    expect(tls).toBeDefined();
    // The function may send to it (the on-failure destination is delivered with its role).
    expect(permissionsOf(synth.template, logicalId(synth.stack.functions[name].executionRole))).toContain(`sqs:SendMessage on ${queue}.Arn`);
  });

  it('runs the sweep every 15 minutes (each run a bounded slice: see test/unit/sweep-scale.test.ts)', () => {
    const rules = Object.entries(resourcesOfType(synth.template, 'AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0];
    const sweepArn = `${logicalId(synth.stack.functions.Sweep)}.Arn`;
    expect(rule.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.Properties.State).toBe('ENABLED');
    expect(rule.Properties.Targets.map((t: { Arn: unknown }) => flatten(t.Arn))).toEqual([sweepArn]);
    const permission = Object.values(resourcesOfType(synth.template, 'AWS::Lambda::Permission')).find(
      (p) => p.Properties.Principal === 'events.amazonaws.com',
    );
    expect(flatten(permission!.Properties.FunctionName)).toBe(sweepArn);
    expect(flatten(permission!.Properties.SourceArn)).toBe(`${ruleId}.Arn`);
  });
});

describe('outputs', () => {
  it('are what the keys CLI and deployers read, each pointing at its resource', () => {
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const named = [
      'AlarmTopicArn',
      'AnalyzeDeadLetterQueueName',
      'ApiUrl',
      'BucketName',
      'ConsoleUrl',
      'CountersTableName',
      'DashboardName',
      'DistributionDomainName',
      'DistributionId',
      'ExportsTableName',
      'FinalizeDeadLetterQueueName',
      'ImagesTableName',
      'KeysTableName',
      'LookupsTableName',
      'PublicBaseUrl',
      'PurgeDeadLetterQueueName',
      'RestApiId',
      'StageName',
      'UsagePlanId',
      'UserPoolClientId',
      'UserPoolId',
    ];
    // RestApi adds its own `Endpoint` output (same URL as ApiUrl); nothing else may appear.
    const extra = Object.keys(outputs).filter((name) => !named.includes(name));
    expect(extra).toEqual([expect.stringMatching(/^ApiEndpoint/)]);
    expect(outputs[extra[0]].Value).toEqual(outputs.ApiUrl.Value);
    for (const name of named) expect(outputs[name], name).toBeDefined();
    const api = logicalId(synth.stack.api.api);
    const stage = logicalId(synth.stack.api.api.deploymentStage);
    expect(outputs.BucketName.Value).toEqual({ Ref: ids.bucket });
    expect(outputs.ImagesTableName.Value).toEqual({ Ref: ids.images });
    expect(outputs.KeysTableName.Value).toEqual({ Ref: ids.keys });
    expect(outputs.CountersTableName.Value).toEqual({ Ref: ids.counters });
    expect(outputs.LookupsTableName.Value).toEqual({ Ref: ids.lookups });
    expect(outputs.ExportsTableName.Value).toEqual({ Ref: ids.exports });
    expect(outputs.RestApiId.Value).toEqual({ Ref: api });
    expect(outputs.StageName.Value).toEqual({ Ref: stage });
    expect(outputs.UsagePlanId.Value).toEqual({ Ref: logicalId(synth.stack.api.usagePlan) });
    expect(outputs.AlarmTopicArn.Value).toEqual({ Ref: logicalId(synth.stack.monitoring.topic) });
    expect(outputs.DashboardName.Value).toEqual({ Ref: logicalId(synth.stack.monitoring.dashboard) });
    expect(flatten(outputs.ApiUrl.Value)).toBe(`https://${api}.execute-api.AWS::Region.AWS::URLSuffix/${stage}/`);
    expect(outputs.DistributionDomainName.Value).toEqual({ 'Fn::GetAtt': [ids.distribution, 'DomainName'] });
    expect(outputs.DistributionId.Value).toEqual({ Ref: ids.distribution });
    expect(flatten(outputs.PublicBaseUrl.Value)).toBe(`https://${ids.distribution}.DomainName`);
    expect(outputs.PurgeDeadLetterQueueName.Value).toEqual({ 'Fn::GetAtt': [logicalId(synth.stack.purgeDeadLetters), 'QueueName'] });
  });
});
