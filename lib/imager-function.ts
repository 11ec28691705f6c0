import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { Grant, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeObjectPrefixGrant, acknowledgeTracingGrant } from './nag-suppressions';

/** The repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The Lambda runtime of every Imager function (the newest Node.js LTS that Lambda offers). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

export interface ImagerFunctionProps {
  /** File name in functions/, without extension (e.g. `upload-image`). */
  readonly file: string;
  readonly description: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Defaults to 1024 MB (README, "Performance": the benchmark's choice). */
  readonly memorySize?: number;
  /** At most 29 s for API routes (the API Gateway integration limit). Defaults to 10 s. */
  readonly timeout?: Duration;
  /**
   * Concurrent executions reserved for (and the most allowed to) this function, so a flood on
   * one route cannot take the account's whole pool from the others. Undefined: none reserved
   * (the unreserved pool, shared). See README, "Quotas", for the numbers and the account limit.
   */
  readonly reservedConcurrency?: number;
  /** Bundling settings laid over the defaults (e.g. a native module kept external and installed for the target). */
  readonly bundling?: Partial<BundlingOptions>;
  /** Shell commands run after bundling with the asset directory, to add files the handler reads beside index.mjs. */
  readonly afterBundling?: (outputDir: string) => string[];
}

/**
 * Every Imager function with its defaults set once: Node.js 24 on arm64, a minified ESM bundle
 * built by the local esbuild with the AWS SDK inside (so the tested version ships), source
 * maps, X-Ray tracing, and its own log group with a retention.
 *
 * Its role starts empty except for writing to that one log group (not the managed
 * AWSLambdaBasicExecutionRole, which may create and write any log group); everything else is
 * added with {@link useTable}, {@link queryIndex}, {@link useObjects}, {@link allowList} and
 * {@link useDistribution}.
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
        // CommonJS dependencies (busboy) call require() for Node built-ins.
        banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
        forceDockerBundling: false,
        // Lambda always passes the role's credentials in environment variables: bundle an
        // env-only provider instead of the default chain (SSO, INI, IMDS, STS clients...).
        esbuildArgs: { '--alias:@aws-sdk/credential-provider-node': `${ROOT}functions/runtime/lambda-credentials.ts` },
        ...(props.afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, outputDir: string) => props.afterBundling!(outputDir),
              },
            }
          : {}),
        ...props.bundling,
      },
    });
    this.executionRole = role;
    acknowledgeTracingGrant(role);
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
    for (const prefix of prefixes) acknowledgeObjectPrefixGrant(this.executionRole, bucket, prefix);
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
   * Sets the distribution's id in `envName` and grants `cloudfront:CreateInvalidation` on that
   * one distribution.
   */
  useDistribution(envName: string, distribution: IDistribution): this {
    this.addEnvironment(envName, distribution.distributionId);
    Grant.addToPrincipal({ grantee: this, actions: ['cloudfront:CreateInvalidation'], resourceArns: [distribution.distributionArn] });
    return this;
  }
}
