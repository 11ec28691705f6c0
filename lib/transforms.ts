import { Duration } from 'aws-cdk-lib';
import {
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  FunctionUrlOriginAccessControl,
  type IOrigin,
  Signing,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin, OriginGroup } from 'aws-cdk-lib/aws-cloudfront-origins';
import { type FunctionUrl, FunctionUrlAuthType, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Limits } from '../functions/core/config';
import { PARAMETER_NAMES } from '../functions/core/transform-params';
import { functionDefinition } from '../functions/function-table';
import { NAME_LIMITS, scopedName } from './names';
import { type ImagerFunction, tableFunction } from './imager-function';

/** CloudFront's origin response timeout without a quota increase: 1 to 60 seconds (docs/aws-limits.md). */
const MAX_READ_TIMEOUT_SECONDS = 60;

/** How long CloudFront waits for the transform function URL: 5 s past the function's own timeout. */
export function transformReadTimeout(): Duration {
  const seconds = functionDefinition('TransformImage').timeoutSeconds + 5;
  if (seconds > MAX_READ_TIMEOUT_SECONDS) throw new Error(`TransformImage's timeout leaves CloudFront no read timeout above it within ${MAX_READ_TIMEOUT_SECONDS} s`);
  return Duration.seconds(seconds);
}

export interface TransformsProps {
  /** The private image bucket: originals under `images/`, variants under `variants/`. */
  readonly bucket: IBucket;
  /** `maxPixels` becomes sharp's `limitInputPixels`. */
  readonly limits: Pick<Limits, 'maxPixels'>;
  /** Stored variants per image, at most (IMAGER_MAX_VARIANTS_PER_IMAGE). */
  readonly maxVariantsPerImage: number;
  /** The longest CloudFront keeps a copy (IMAGER_EDGE_TTL_SECONDS): the deny-list must outlive it (docs/edge.md). */
  readonly edgeTtl: Duration;
  /**
   * False (the default: IMAGER_RESERVED_CONCURRENCY unset): reserve nothing, for accounts with a small limit.
   * Otherwise the function table's reservation (a flood of misses cannot take the account's pool).
   */
  readonly reserveConcurrency?: boolean;
}

/**
 * Transforms (docs/transforms.md): the sharp function that renders variants, its function URL (IAM
 * auth, reached only by CloudFront through an origin access control of type lambda) and the
 * cache policy of `/image/*`. The edge functions that validate and normalise the query are the
 * edge rules' (lib/edge/edge-rules.ts).
 *
 * The distribution (lib/delivery.ts) composes them: behaviour `/image/*` with
 * `origin: transforms.originGroup(<S3 origin with OAC>)` and `cachePolicy: transforms.cachePolicy`.
 * Binding the origin to the distribution adds the `lambda:InvokeFunctionUrl` (and
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

  constructor(scope: Construct, id: string, props: TransformsProps) {
    super(scope, id);
    // TransformImage of the function table: memory, timeout, reservation, grants and the sharp install.
    this.function = tableFunction(this, 'TransformImage', {
      settings: { IMAGER_MAX_PIXELS: String(props.limits.maxPixels), IMAGER_MAX_VARIANTS_PER_IMAGE: String(props.maxVariantsPerImage) },
      reserveConcurrency: props.reserveConcurrency !== false,
      bucket: props.bucket,
    });

    this.functionUrl = this.function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM, invokeMode: InvokeMode.BUFFERED });
    // CloudFront names are global to the account: scoped by stack and region (lib/names.ts).
    this.originAccessControl = new FunctionUrlOriginAccessControl(this, 'OriginAccessControl', {
      originAccessControlName: scopedName(this, 'TransformOac', NAME_LIMITS.originAccessControl),
      description: 'CloudFront signs requests to the transform function URL',
      signing: Signing.SIGV4_ALWAYS,
    });
    this.origin = FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
      originAccessControl: this.originAccessControl,
      // One attempt, and a wait longer than the function may run: CloudFront's default (3 attempts,
      // 30 s, the function's own timeout) could start a slow render again, twice.
      connectionAttempts: 1,
      readTimeout: transformReadTimeout(),
    });

    this.cachePolicy = new CachePolicy(this, 'ImageCache', {
      cachePolicyName: scopedName(this, 'TransformCache', NAME_LIMITS.cloudFrontPolicy),
      comment: 'Imager /image/*: originals and variants, keyed by the normalised path',
      queryStringBehavior: CacheQueryStringBehavior.allowList(...PARAMETER_NAMES),
      // Accept is folded into the path by the request function (format=auto): no header in the key.
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      // Zero minimum so a `Cache-Control: no-store` answer (the 307 of a large variant) is not cached.
      // At most the edge TTL however long the object says (a year): the deny-list of removed
      // images only has to outlive that (docs/edge.md, "How entries leave").
      minTtl: Duration.seconds(0),
      defaultTtl: props.edgeTtl,
      maxTtl: props.edgeTtl,
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
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
