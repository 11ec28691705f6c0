import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ImagerFunctionProps {
  /** File name in functions/, without extension (e.g. `upload-image`). */
  readonly file: string;
  readonly description: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Defaults to 1024 MB (README, "Performance": the benchmark's choice). */
  readonly memorySize?: number;
  /** At most 29 s for API routes (the API Gateway integration limit). Defaults to 10 s. */
  readonly timeout?: Duration;
}

/**
 * Every Imager function with its defaults set once: Node.js 22 on arm64, a minified ESM bundle
 * built by the local esbuild with the AWS SDK inside (so the tested version ships), source
 * maps, X-Ray tracing, and its own log group with a retention.
 */
export class ImagerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ImagerFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: `${ROOT}functions/${props.file}.ts`,
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'imager',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
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
      },
    });
  }

  /** Sets the table's name in `envName` and grants exactly `actions` on it (and its indexes). */
  useTable(envName: string, table: ITable, ...actions: string[]): this {
    this.addEnvironment(envName, table.tableName);
    table.grant(this, ...actions);
    return this;
  }
}
