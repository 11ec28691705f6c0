import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import {
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionRuntime,
  FunctionUrlOriginAccessControl,
  type IOrigin,
  Signing,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin, OriginGroup } from 'aws-cdk-lib/aws-cloudfront-origins';
import { type FunctionUrl, FunctionUrlAuthType, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Limits } from '../functions/core/config';
import { DIRECT_PREFIX, VARIANT_PREFIX } from '../functions/core/ids';
import { PARAMETER_NAMES } from '../functions/core/transform-params';
import { ImagerFunction } from './imager-function';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Memory of the transform function: 1,769 MB, where Lambda gives exactly one vCPU (CPU grows in
 * proportion to memory). Peak RSS of the worst benchmark render (12 MP JPEG to 1200 px AVIF) is
 * about 240 MiB, so memory itself never decides; CPU does. Below 1,769 MB a render gets a
 * fraction of a vCPU and takes proportionally longer (same cost, slower first view); above it
 * the extra share is a second vCPU, which libvips used for a x1.1 (AVIF) to x1.3 (WebP
 * thumbnail) speed-up in the benchmark, for x1.5 the price per ms at 2 vCPUs. README
 * "Transforms" has the figures.
 */
export const TRANSFORM_MEMORY_MB = 1769;

/** The sharp version the asset installs for linux-arm64: exactly the one the tests ran with. */
export function lockedSharpVersion(lockFile = `${ROOT}package-lock.json`): string {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages?: Record<string, { version?: string }> };
  const version = lock.packages?.['node_modules/sharp']?.version;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error('sharp is missing from package-lock.json');
  return version;
}

/** The command that puts sharp's linux-arm64 build into the bundle's directory (no Docker). */
export function sharpInstallCommand(outputDir: string, version = lockedSharpVersion()): string {
  return [
    'npm install',
    '--no-save --no-package-lock --no-audit --no-fund --ignore-scripts --prefer-offline',
    '--os=linux --cpu=arm64 --libc=glibc',
    `--prefix "${outputDir}"`,
    `sharp@${version}`,
  ].join(' ');
}

export interface TransformsProps {
  /** The private image bucket: originals under `images/`, variants under `variants/`. */
  readonly bucket: IBucket;
  /** `maxPixels` becomes sharp's `limitInputPixels`. */
  readonly limits: Pick<Limits, 'maxPixels'>;
  /** Concurrency cap of the transform function (a flood of misses cannot take the account's pool). Default 20. */
  readonly reservedConcurrency?: number;
  /** False: reserve nothing (IMAGER_RESERVED_CONCURRENCY=false, for accounts with a small limit). */
  readonly reserveConcurrency?: boolean;
  /** Default {@link TRANSFORM_MEMORY_MB}. */
  readonly memorySize?: number;
}

/**
 * Transforms (SPEC §12): the sharp function that renders variants, its function URL (IAM
 * auth, reached only by CloudFront through an origin access control of type lambda), the
 * cache policy of `/image/*`, and the CloudFront Functions that validate and normalise the
 * query at the edge.
 *
 * The distribution (lib/delivery.ts) composes them: behaviour `/image/*` with
 * `origin: transforms.originGroup(<S3 origin with OAC>)`, `cachePolicy: transforms.cachePolicy`,
 * `transforms.requestFunction` on viewer request and `transforms.responseFunction` on viewer
 * response. Binding the origin to the distribution adds the `lambda:InvokeFunctionUrl` (and
 * `lambda:InvokeFunction` via the URL) permissions for `cloudfront.amazonaws.com`, scoped by
 * `AWS:SourceArn` to that distribution.
 */
export class Transforms extends Construct {
  readonly function: ImagerFunction;
  readonly functionUrl: FunctionUrl;
  readonly originAccessControl: FunctionUrlOriginAccessControl;
  /** The transform function as a CloudFront origin (OAC-signed requests to its function URL). */
  readonly origin: IOrigin;
  /** `/image/*`: the path is the key; the allow-listed parameters only if a query ever reaches it. */
  readonly cachePolicy: CachePolicy;
  /** Viewer request: validates the query, resolves `format=auto`, rewrites to `/images/<id>` or `/variants/<id>/<canonical>`. */
  readonly requestFunction: CloudFrontFunction;
  /** Viewer response: `Vary: Accept` when the viewer asked for `format=auto`. */
  readonly responseFunction: CloudFrontFunction;

  constructor(scope: Construct, id: string, props: TransformsProps) {
    super(scope, id);
    const version = lockedSharpVersion();

    this.function = new ImagerFunction(this, 'TransformImage', {
      file: 'transform-image',
      description: 'Renders image variants (CloudFront failover origin for /variants/*)',
      memorySize: props.memorySize ?? TRANSFORM_MEMORY_MB,
      // CloudFront waits 30 s for an origin by default; sharp's own timeout (20 s) answers first.
      timeout: Duration.seconds(30),
      // undefined (none reserved, the shared pool) when the stack turns reservation off.
      reservedConcurrency: props.reserveConcurrency === false ? undefined : (props.reservedConcurrency ?? 20),
      environment: { IMAGER_MAX_PIXELS: String(props.limits.maxPixels) },
      bundling: {
        // sharp is native: kept out of the bundle and installed for the target beside it.
        externalModules: ['sharp'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [sharpInstallCommand(outputDir, version)],
        },
      },
    })
      .useObjects(props.bucket, ['s3:GetObject'], [DIRECT_PREFIX])
      .useObjects(props.bucket, ['s3:GetObject', 's3:PutObject'], [VARIANT_PREFIX]);

    this.functionUrl = this.function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM, invokeMode: InvokeMode.BUFFERED });
    this.originAccessControl = new FunctionUrlOriginAccessControl(this, 'OriginAccessControl', {
      description: 'CloudFront signs requests to the transform function URL',
      signing: Signing.SIGV4_ALWAYS,
    });
    this.origin = FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
      originAccessControl: this.originAccessControl,
      readTimeout: Duration.seconds(30),
    });

    this.cachePolicy = new CachePolicy(this, 'ImageCache', {
      comment: 'Imager /image/*: originals and variants, keyed by the normalised path',
      queryStringBehavior: CacheQueryStringBehavior.allowList(...PARAMETER_NAMES),
      // Accept is folded into the path by the request function (format=auto): no header in the key.
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      // Zero minimum so a `Cache-Control: no-store` answer (the 307 of a large variant) is not cached.
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.days(365),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });

    this.requestFunction = new CloudFrontFunction(this, 'RequestFunction', {
      comment: 'Imager: validate and normalise /image/<id> transforms',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromFile({ filePath: `${ROOT}lib/cloudfront/transform-request.js` }),
    });
    this.responseFunction = new CloudFrontFunction(this, 'ResponseFunction', {
      comment: 'Imager: Vary Accept for format=auto',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromFile({ filePath: `${ROOT}lib/cloudfront/transform-response.js` }),
    });
  }

  /**
   * The origin of `/image/*`: S3 first (originals and stored variants), the transform function
   * when S3 answers 403 or 404 (a variant not rendered yet; OAC without ListBucket gets 403 for
   * a missing key).
   */
  originGroup(s3Origin: IOrigin): OriginGroup {
    return new OriginGroup({ primaryOrigin: s3Origin, fallbackOrigin: this.origin, fallbackStatusCodes: [403, 404] });
  }
}
