import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  type BehaviorOptions,
  Distribution,
  FunctionEventType,
  HttpVersion,
  type PriceClass,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DIRECT_PREFIX, VARIANT_PREFIX } from '../functions/core/ids';
import { NAME_LIMITS, scopedName } from './names';
import { applyCdnLogCondition, cdnLogTarget } from './cdn-logs';
import { LOG_RETENTION } from './log-retention';
import { acknowledge, BASIC_EXECUTION_POLICY_FINDING } from './nag';
import type { EdgeRules } from './edge/edge-rules';
import type { Transforms } from './transforms';

/** Where transform outputs live (`variants/<id>/<canonical params>`, docs/transforms.md): served, never client-written. */
export const VARIANTS_PREFIX = VARIANT_PREFIX;
/** Where the distribution's own error bodies live (written at deploy time by this construct). */
export const ERRORS_PREFIX = 'errors/';
/** The key prefixes the distribution may read. `uploads/` is deliberately absent: unchecked bytes are never served. */
export const SERVED_PREFIXES: readonly string[] = [DIRECT_PREFIX, VARIANTS_PREFIX, ERRORS_PREFIX];

/** Where the distribution's standard logs go in their bucket. */
export const CDN_LOG_PREFIX = 'cloudfront/';
/** The S3 key of the body CloudFront answers for a missing image. */
export const NOT_FOUND_KEY = `${ERRORS_PREFIX}not-found.json`;
/** That body: the error envelope of docs/api.md. */
export const NOT_FOUND_BODY = JSON.stringify({ status: 'error', message: 'Image not found' });
/** How long a missing image's 404 is cached, at the edge and in browsers (an id may be pending now and ready soon). */
export const NOT_FOUND_TTL = Duration.seconds(10);
/** The cache header of every published image (docs/delivery.md): ids are never reused, so the bytes behind a URL never change. */
export const IMAGE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** The construct id CDK gives the singleton function behind every AwsCustomResource. */
const AWS_SDK_CALL_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

export interface DeliveryProps {
  /** The private images bucket: the origin, read through Origin Access Control. */
  readonly bucket: IBucket;
  /** Receives the distribution's standard access logs (needs ACLs enabled: BucketOwnerPreferred). */
  readonly logBucket: IBucket;
  /** An existing bucket for them instead, in a region CloudFront delivers logs to (IMAGER_CDN_LOG_BUCKET; lib/cdn-logs.ts). */
  readonly cdnLogBucket?: string;
  /** Edge locations paid for (IMAGER_PRICE_CLASS). */
  readonly priceClass: PriceClass;
  /**
   * Custom public base URL (IMAGER_PUBLIC_BASE_URL, e.g. `https://img.example.com`). With
   * {@link certificateArn} its host becomes an alternate domain name of the distribution;
   * without, something in front of the distribution is expected to serve that host.
   */
  readonly publicBaseUrl?: string;
  /** ACM certificate in us-east-1 for the custom domain (IMAGER_CERTIFICATE_ARN). */
  readonly certificateArn?: string;
  /** AWS WAF web ACL (scope CLOUDFRONT, ARN) to attach (IMAGER_WEB_ACL_ID). */
  readonly webAclId?: string;
  /**
   * Transforms (docs/transforms.md): `/image/*` goes to S3 first and to the transform function on a miss
   * (origin group), through the transform request/response functions and cache policy.
   */
  readonly transforms: Transforms;
  /** The edge rules (docs/edge.md): their viewer functions on `/image/*`, before the cache. */
  readonly edge: EdgeRules;
}

/**
 * Public delivery (docs/delivery.md): a CloudFront distribution in front of the private images bucket.
 *
 * - Origin: the bucket through Origin Access Control (SigV4 on every request); the bucket
 *   policy lets this distribution only read `images/*`, `variants/*` and `errors/*`.
 * - `/image/*`: the edge rules' viewer-request function (lib/edge/edge-rules.ts) decides first
 *   (signatures, private, expiring and removed images: docs/edge.md), maps `/image/<id>` to
 *   `images/<id>` and `/image/<id>?<transform>` to `variants/<id>/<canonical>`, and answers
 *   every other path (404), bad query (400) and refused signature (403) itself, in the envelope.
 * - Cache: keyed on the path only, for at most the edge TTL (a day by default: what bounds the
 *   deny-list); no compression (images are compressed already).
 * - Headers: `Cache-Control: public, max-age=31536000, immutable`, `nosniff`, CORS `*` for GET/HEAD.
 * - Missing objects: S3 answers 403 through OAC (no ListBucket); it becomes a 404 with the
 *   envelope body `errors/not-found.json`, cached for 10 seconds.
 */
export class Delivery extends Construct {
  readonly distribution: Distribution;
  /** `IMAGER_PUBLIC_BASE_URL` for the functions: the custom one, or `https://<distribution domain>`. */
  readonly publicBaseUrl: string;
  readonly cachePolicy: CachePolicy;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;
  /** Writes {@link NOT_FOUND_KEY} at deploy time. */
  readonly notFoundPage: AwsCustomResource;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const { bucket, transforms, edge } = props;

    // CloudFront names are global to the account: scoped by stack and region (lib/names.ts).
    this.cachePolicy = new CachePolicy(this, 'ImageCache', {
      cachePolicyName: scopedName(this, 'ImageCache', NAME_LIMITS.cloudFrontPolicy),
      comment: 'Imager images: keyed on the path only, cached for a year',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.days(365),
      maxTtl: Duration.days(365),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      // JPEG, PNG, WebP, AVIF and GIF are compressed already: one cache entry per image, not three.
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });

    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'ImageHeaders', {
      responseHeadersPolicyName: scopedName(this, 'ImageHeaders', NAME_LIMITS.cloudFrontPolicy),
      comment: 'Imager images: immutable caching, nosniff, CORS * for GET/HEAD',
      corsBehavior: {
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD'],
        accessControlAllowHeaders: ['*'],
        accessControlExposeHeaders: ['ETag', 'Content-Range', 'Accept-Ranges'],
        accessControlAllowCredentials: false,
        originOverride: true,
      },
      securityHeadersBehavior: { contentTypeOptions: { override: true } },
      customHeadersBehavior: {
        customHeaders: [
          // Added to every response that has no Cache-Control of its own. Not an override:
          // published objects carry none, so they always get this value, while the 404 body
          // (errors/not-found.json, max-age 10) keeps its short one: an id that is pending now
          // must not be cached as missing for a year.
          { header: 'Cache-Control', value: IMAGE_CACHE_CONTROL, override: false },
        ],
      },
    });

    // The origin is built on an imported reference to the bucket so that S3BucketOrigin cannot
    // add its default grant (GetObject on every key, uploads/ included); the narrower statement
    // is added to the real bucket below.
    const originBucket = Bucket.fromBucketAttributes(this, 'OriginBucket', {
      bucketArn: bucket.bucketArn,
      bucketName: bucket.bucketName,
      bucketRegionalDomainName: bucket.bucketRegionalDomainName,
    });
    const origin = S3BucketOrigin.withOriginAccessControl(originBucket, {
      originAccessControl: new S3OriginAccessControl(this, 'ImagesAccessControl', {
        originAccessControlName: scopedName(this, 'ImagesOac', NAME_LIMITS.originAccessControl),
      }),
    });

    const behavior: BehaviorOptions = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      cachePolicy: this.cachePolicy,
      responseHeadersPolicy: this.responseHeadersPolicy,
      compress: false,
    };

    const logs = cdnLogTarget(this, props.logBucket, props.cdnLogBucket);
    const customDomain = props.certificateArn && props.publicBaseUrl ? new URL(props.publicBaseUrl).hostname : undefined;
    const notFound = { responseHttpStatus: 404, responsePagePath: `/${NOT_FOUND_KEY}`, ttl: NOT_FOUND_TTL };

    const imageBehavior: BehaviorOptions = {
      ...behavior,
      // Originals and stored variants from S3; a variant S3 does not have yet is rendered.
      origin: transforms.originGroup(origin),
      cachePolicy: transforms.cachePolicy,
      originRequestPolicy: edge.originRequestPolicy,
      functionAssociations: [
        { function: edge.requestFunction, eventType: FunctionEventType.VIEWER_REQUEST },
        { function: edge.responseFunction, eventType: FunctionEventType.VIEWER_RESPONSE },
      ],
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Imager public image delivery',
      defaultBehavior: imageBehavior,
      // The error body is fetched through its own behavior, without the viewer-request function
      // (which answers 404 for any path but /image/<id>).
      additionalBehaviors: { [`/${ERRORS_PREFIX}*`]: behavior },
      // Without ListBucket, S3 answers 403 for a key that does not exist (never its XML to viewers).
      errorResponses: [
        { httpStatus: 403, ...notFound },
        { httpStatus: 404, ...notFound },
      ],
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass,
      enableLogging: true,
      logBucket: logs.bucket,
      logFilePrefix: CDN_LOG_PREFIX,
      webAclId: props.webAclId,
      ...(customDomain && props.certificateArn
        ? {
            domainNames: [customDomain],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    applyCdnLogCondition(this.distribution, logs, CDN_LOG_PREFIX);
    // The default grant was deliberately not added (see originBucket): acknowledged, not a gap.
    Annotations.of(this.distribution).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'Delivery adds its own bucket policy statement, scoped to the served prefixes',
    );

    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudFrontReadsServedPrefixes',
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: SERVED_PREFIXES.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
        conditions: { StringEquals: { 'AWS:SourceArn': this.distribution.distributionArn } },
      }),
    );

    const putNotFound = {
      service: 'S3',
      action: 'putObject',
      parameters: {
        Bucket: bucket.bucketName,
        Key: NOT_FOUND_KEY,
        Body: NOT_FOUND_BODY,
        ContentType: 'application/json; charset=utf-8',
        CacheControl: `public, max-age=${NOT_FOUND_TTL.toSeconds()}`,
      },
      physicalResourceId: PhysicalResourceId.of(NOT_FOUND_KEY),
    };
    // One object of a few bytes: a put by the SDK call custom resource with exactly that
    // permission (BucketDeployment would need s3:*Object* and s3:List* on the bucket).
    this.notFoundPage = new AwsCustomResource(this, 'NotFoundPage', {
      onCreate: putNotFound,
      onUpdate: putNotFound,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(NOT_FOUND_KEY)] }),
      ]),
      installLatestAwsSdk: false,
      // Its own log group with a retention (else Lambda's default one, kept forever or two years).
      logGroup: new LogGroup(this, 'NotFoundPageLogs', { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY }),
    });

    this.publicBaseUrl = props.publicBaseUrl ?? `https://${this.distribution.distributionDomainName}`;
    this.acknowledgeFindings(props);
  }

  private acknowledgeFindings(props: DeliveryProps): void {
    const distribution = this.distribution;
    acknowledge(
      distribution,
      'AwsSolutions-CFR1',
      'An image host serves embeds to readers everywhere; restricting countries would break pages that embed our URLs. A deployment that must can add a geoRestriction to the Delivery construct.',
    );
    if (props.webAclId === undefined) {
      acknowledge(
        distribution,
        'AwsSolutions-CFR2',
        'No WAF by default: a web ACL costs a monthly fee per ACL and rule plus $0.60 per million requests, more than delivery itself at low volume. Views run no function of ours (cache hits cost only CloudFront); to add one, create a WAFv2 web ACL with CLOUDFRONT scope in us-east-1 and deploy with -c IMAGER_WEB_ACL_ID=<its ARN>.',
      );
    }
    if (props.certificateArn === undefined) {
      acknowledge(
        distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes (TLSv1); viewers still get HTTPS only (HTTP redirects). With -c IMAGER_CERTIFICATE_ARN (and IMAGER_PUBLIC_BASE_URL) it uses that ACM certificate with TLSv1.2_2021 and this finding does not arise.',
      );
    }
    // The not-found page's SDK call runs in a singleton function CDK adds at the stack root.
    const sdkCall = Stack.of(this).node.tryFindChild(AWS_SDK_CALL_SINGLETON_ID);
    if (sdkCall) {
      acknowledge(
        sdkCall,
        BASIC_EXECUTION_POLICY_FINDING,
        'CDK-owned custom resource (AwsCustomResource, which puts errors/not-found.json) at deploy time; its execution role and this managed policy are defined by aws-cdk-lib, not by Imager.',
      );
    }
  }
}
