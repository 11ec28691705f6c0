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
import { type ImagerFunction, tableFunction } from './imager-function';

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
   * False: reserve nothing (IMAGER_RESERVED_CONCURRENCY=false, for accounts with a small limit).
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
