import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IDistribution, IKeyValueStore } from 'aws-cdk-lib/aws-cloudfront';
import { Grant, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { type FunctionName, functionDefinition, type Grant as TableGrant, reservationOf, TABLE_ENVIRONMENT, type TableName, WEBHOOK_QUEUE_ENVIRONMENT } from '../functions/function-table';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { BUNDLE_BANNER, CREDENTIALS_ALIAS, type ExtraBundling, extraBundling, ROOT } from './bundling';
import { acknowledge, nagArn } from './nag';

/** The Lambda runtime of every Imager function (the newest Node.js LTS that Lambda offers). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

export interface ImagerFunctionProps {
  /** File name in functions/, without extension (e.g. `upload-image`). */
  readonly file: string;
  readonly description: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Defaults to 1024 MB (docs/performance.md: the benchmark's choice). */
  readonly memorySize?: number;
  /** At most 29 s for API routes (the API Gateway integration limit). Defaults to 10 s. */
  readonly timeout?: Duration;
  /**
   * Concurrent executions reserved for (and the most allowed to) this function, so a flood on
   * one route cannot take the account's whole pool from the others. Undefined: none reserved
   * (the unreserved pool, shared). See docs/quotas.md, for the numbers and the account limit.
   */
  readonly reservedConcurrency?: number;
  /** Laid over the default bundling: modules kept external, files added beside index.mjs. */
  readonly extraBundling?: ExtraBundling;
}

/**
 * Every Imager function with its defaults set once: Node.js 24 on arm64, a minified ESM bundle
 * built by the local esbuild with the AWS SDK inside (so the tested version ships), source
 * maps, X-Ray tracing, and its own log group with a retention.
 *
 * Its role starts empty except for writing to that one log group (not the managed
 * AWSLambdaBasicExecutionRole, which may create and write any log group); everything else is
 * added with {@link useTable}, {@link queryIndex}, {@link useObjects}, {@link allowList} and
 * {@link useEdgeStore}.
 */
export class ImagerFunction extends NodejsFunction {
  /** The function's own role (also `role`, typed as the concrete Role). */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: ImagerFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Imager ${props.file}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: `${ROOT}functions/${props.file}.ts`,
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      reservedConcurrentExecutions: props.reservedConcurrency,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        // Source maps ship in the asset but are not applied at start: --enable-source-maps cost
        // about 10 ms of every cold start in the benchmark. Set NODE_OPTIONS to
        // --enable-source-maps on a function while debugging to get original stack traces.
        POWERTOOLS_SERVICE_NAME: 'imager',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // ESM-first resolution: the SDK's ES modules tree-shake far better than its CJS builds.
        mainFields: ['module', 'main'],
        // Bundle the SDK instead of using the runtime's copy: the version we test is the one that runs.
        externalModules: [],
        banner: BUNDLE_BANNER,
        forceDockerBundling: false,
        esbuildArgs: { [`--alias:${CREDENTIALS_ALIAS.from}`]: CREDENTIALS_ALIAS.to },
        ...(props.extraBundling
          ? {
              externalModules: props.extraBundling.externalModules ?? [],
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, outputDir: string) => props.extraBundling!.afterBundling(outputDir),
              },
            }
          : {}),
      },
    });
    this.executionRole = role;
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS requires Resource "*" for them (and only them).',
    );
  }

  /**
   * Sets the table's name in `envName` and grants exactly `actions` on the table itself (not
   * its indexes: see {@link queryIndex}).
   */
  useTable(envName: string, table: ITable, ...actions: string[]): this {
    this.addEnvironment(envName, table.tableName);
    Grant.addToPrincipal({ grantee: this, actions, resourceArns: [table.tableArn] });
    return this;
  }

  /** Sets the table's name in `envName` and grants `dynamodb:Query` on one named index. */
  queryIndex(envName: string, table: ITable, indexName: string): this {
    this.addEnvironment(envName, table.tableName);
    Grant.addToPrincipal({ grantee: this, actions: ['dynamodb:Query'], resourceArns: [`${table.tableArn}/index/${indexName}`] });
    return this;
  }

  /**
   * Sets `BUCKET_NAME` and grants exactly `actions` on the objects under each key prefix
   * (`images/` -> `<bucket ARN>/images/*`), never on the bucket itself.
   */
  useObjects(bucket: IBucket, actions: readonly string[], prefixes: readonly string[]): this {
    this.addEnvironment('BUCKET_NAME', bucket.bucketName);
    Grant.addToPrincipal({
      grantee: this,
      actions: [...actions],
      resourceArns: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
    });
    for (const prefix of prefixes) {
      acknowledge(
        this.executionRole,
        `AwsSolutions-IAM5[Resource::${nagArn(bucket)}/${prefix}*]`,
        `Object keys are generated per image at run time (${prefix}<random id>); the key prefix is the narrowest resource S3 can name, and the actions are listed one by one, without wildcards.`,
      );
    }
    return this;
  }

  /**
   * `s3:ListBucket` on the bucket: for ListObjectsV2, and so that HeadObject on a missing key
   * answers 404 (without it S3 answers 403 and "gone" cannot be told from "forbidden").
   * With `prefixes`, only listings whose `prefix` parameter starts with one of them are allowed.
   */
  allowList(bucket: IBucket, prefixes?: readonly string[]): this {
    this.addEnvironment('BUCKET_NAME', bucket.bucketName);
    if (prefixes === undefined) {
      Grant.addToPrincipal({ grantee: this, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
    } else {
      this.executionRole.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
        }),
      );
    }
    return this;
  }

  /**
   * Sets `EDGE_STORE_ARN` and grants what writing the edge's key-value store takes: reading its
   * version (DescribeKeyValueStore) and UpdateKeys, on that one store.
   */
  useEdgeStore(store: IKeyValueStore): this {
    this.addEnvironment('EDGE_STORE_ARN', store.keyValueStoreArn);
    Grant.addToPrincipal({
      grantee: this,
      actions: ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:UpdateKeys'],
      resourceArns: [store.keyValueStoreArn],
    });
    return this;
  }
}

/** The resources and settings {@link tableFunction} builds a function of the table with. */
export interface TableFunctionContext {
  /**
   * The functions' settings by variable name (functions/core/config.ts `functionEnvironment`,
   * and IMAGER_PUBLIC_BASE_URL where the distribution is known): each function gets those its
   * entry asks for.
   */
  readonly settings: Readonly<Record<string, string>>;
  /** False: reserve no concurrency (the default; IMAGER_RESERVED_CONCURRENCY=true reserves the table's numbers). */
  readonly reserveConcurrency: boolean;
  readonly tables?: Readonly<Record<TableName, ITable>>;
  readonly bucket?: IBucket;
  readonly distribution?: IDistribution;
  /** The edge rules' key-value store (`edge-store` grants). */
  readonly edgeStore?: IKeyValueStore;
  /** The webhook queue (`webhook-queue` grants). */
  readonly webhookQueue?: IQueue;
}

/**
 * Builds the function `name` of the function table (functions/function-table.ts) with its
 * description, timeout, memory, reservation, settings and grants. API key grants (`api-keys`)
 * are left to the API construct, which owns the usage plan; triggers to the construct that owns
 * the event source.
 */
export function tableFunction(scope: Construct, name: FunctionName, context: TableFunctionContext): ImagerFunction {
  const definition = functionDefinition(name);
  const fn = new ImagerFunction(scope, name, {
    file: definition.file,
    description: definition.description,
    environment: settingsFor(name, definition.settings, context.settings),
    memorySize: definition.memoryMb,
    timeout: Duration.seconds(definition.timeoutSeconds),
    reservedConcurrency: context.reserveConcurrency ? reservationOf(name) : undefined,
    extraBundling: definition.bundling && extraBundling(definition.bundling),
  });
  for (const grant of definition.grants) applyGrant(fn, name, grant, context);
  return fn;
}

function settingsFor(name: FunctionName, wanted: 'all' | 'none' | readonly string[], settings: Readonly<Record<string, string>>): Record<string, string> {
  if (wanted === 'all') return { ...settings };
  if (wanted === 'none') return {};
  return Object.fromEntries(
    wanted.map((variable) => {
      const value = settings[variable];
      if (value === undefined) throw new Error(`${name}: no setting ${variable} to give it`);
      return [variable, value];
    }),
  );
}

function applyGrant(fn: ImagerFunction, name: FunctionName, grant: TableGrant, context: TableFunctionContext): void {
  const need = <T>(resource: T | undefined, what: string): T => {
    if (resource === undefined) throw new Error(`${name}: its grants need ${what}`);
    return resource;
  };
  switch (grant.kind) {
    case 'webhook-queue': {
      const queue = need(context.webhookQueue, 'the webhook queue');
      queue.grantSendMessages(fn);
      fn.addEnvironment(WEBHOOK_QUEUE_ENVIRONMENT, queue.queueUrl);
      return;
    }
    case 'table':
      fn.useTable(TABLE_ENVIRONMENT[grant.table], need(context.tables, 'the tables')[grant.table], ...grant.actions);
      return;
    case 'index':
      fn.queryIndex(TABLE_ENVIRONMENT[grant.table], need(context.tables, 'the tables')[grant.table], grant.index);
      return;
    case 'objects':
      fn.useObjects(need(context.bucket, 'the bucket'), grant.actions, grant.prefixes);
      return;
    case 'list':
      fn.allowList(need(context.bucket, 'the bucket'), grant.prefixes);
      return;
    case 'edge-store':
      fn.useEdgeStore(need(context.edgeStore, 'the edge store'));
      return;
    case 'api-keys':
    case 'users':
      return;
  }
}
