import { Aws, CfnCondition, Fn, type ICfnConditionExpression, Stack, Token } from 'aws-cdk-lib';
import type { CfnDistribution, Distribution } from 'aws-cdk-lib/aws-cloudfront';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * Regions whose buckets CloudFront delivers no standard logs (legacy) to: the opt-in regions
 * (CloudFront Developer Guide, "Configure standard logging (legacy)", choosing a bucket).
 * Standard logging v2 can deliver there, but it is configured only through us-east-1, where a
 * stack in another region has no resources (docs/delivery.md).
 */
export const CDN_LOG_REFUSING_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
] as const;

/** The template condition of a region-agnostic stack: true where the stack's own bucket receives CloudFront's logs. */
export const CDN_LOGS_CONDITION = 'CdnDeliversLogsToThisRegion';

/** Where the distribution's standard logs go: `bucket`, always or (`conditional`) only where CloudFront delivers to the stack's region. */
export interface CdnLogTarget {
  readonly bucket: IBucket;
  readonly conditional: boolean;
}

/**
 * The bucket for the distribution's standard logs: `cdnLogBucket` (IMAGER_CDN_LOG_BUCKET, an
 * existing bucket in a region CloudFront delivers to) when set; else the stack's access-log
 * bucket, which an opt-in region cannot be given (synthesis stops, naming the setting), and
 * which a region-agnostic template uses only where the region it is deployed to allows.
 */
export function cdnLogTarget(scope: Construct, accessLogs: IBucket, cdnLogBucket: string | undefined): CdnLogTarget {
  if (cdnLogBucket !== undefined) {
    // The global endpoint name, as CloudFront documents the log bucket: the bucket may be in any region.
    return { bucket: Bucket.fromBucketAttributes(scope, 'CdnLogBucket', { bucketName: cdnLogBucket, bucketRegionalDomainName: `${cdnLogBucket}.s3.amazonaws.com` }), conditional: false };
  }
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region)) return { bucket: accessLogs, conditional: true };
  if ((CDN_LOG_REFUSING_REGIONS as readonly string[]).includes(region)) {
    throw new Error(
      `CloudFront delivers no standard logs to buckets in ${region}: set IMAGER_CDN_LOG_BUCKET to a bucket (ACLs enabled) in a region it delivers to, e.g. one in us-east-1 (docs/delivery.md)`,
    );
  }
  return { bucket: accessLogs, conditional: false };
}

/**
 * For a conditional target, keeps the distribution's logging only where the deployed region is
 * not one of {@link CDN_LOG_REFUSING_REGIONS} (a template condition, since the region is known only then).
 */
export function applyCdnLogCondition(distribution: Distribution, target: CdnLogTarget, prefix: string): void {
  if (!target.conditional) return;
  const stack = Stack.of(distribution);
  const equals = CDN_LOG_REFUSING_REGIONS.map((region) => Fn.conditionEquals(Aws.REGION, region));
  // Fn::Or takes 2 to 10 conditions: one Or per ten regions, under one Or.
  const groups: ICfnConditionExpression[] = [];
  for (let i = 0; i < equals.length; i += 10) groups.push(Fn.conditionOr(...equals.slice(i, i + 10)));
  const refusing = groups.length === 1 ? groups[0]! : Fn.conditionOr(...groups);
  const condition = new CfnCondition(stack, CDN_LOGS_CONDITION, { expression: Fn.conditionNot(refusing) });
  const cfn = distribution.node.defaultChild as CfnDistribution;
  cfn.addPropertyOverride(
    'DistributionConfig.Logging',
    Fn.conditionIf(condition.logicalId, { Bucket: target.bucket.bucketRegionalDomainName, Prefix: prefix }, Aws.NO_VALUE),
  );
}
