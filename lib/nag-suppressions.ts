import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { Method, RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { ROUTES } from '../functions/routes';

/**
 * Every cdk-nag (AwsSolutions) finding Imager accepts, each with the reason. cdk-nag 3 reads
 * these acknowledgements from construct metadata (`Validations.of(x).acknowledge`); a finding
 * without one fails `cdk synth` (bin/imager.ts) and test/infra/nag.test.ts. The findings that
 * could be fixed were fixed instead: least-privilege roles per function, request validation,
 * access and execution logs, X-Ray, SSL-only private buckets, the newest Node.js runtime.
 */

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The `<LogicalId.Arn>` form cdk-nag prints for a resource's ARN in a finding id. */
function nagArn(resource: IConstruct): string {
  const cfn = resource.node.defaultChild;
  if (!CfnResource.isCfnResource(cfn)) throw new Error(`${resource.node.path} has no CloudFormation resource`);
  return `<${Stack.of(resource).resolve(cfn.logicalId) as string}.Arn>`;
}

/** On a function role: the X-Ray statement that Lambda's active tracing adds. */
export function acknowledgeTracingGrant(role: IConstruct): void {
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS requires Resource "*" for them (and only them).',
  );
}

/** On a function role: object access under one key prefix of the image bucket. */
export function acknowledgeObjectPrefixGrant(role: IConstruct, bucket: IBucket, prefix: string): void {
  acknowledge(
    role,
    `AwsSolutions-IAM5[Resource::${nagArn(bucket)}/${prefix}*]`,
    `Object keys are generated per image at run time (${prefix}<random id>); the key prefix is the narrowest resource S3 can name, and the actions are listed one by one, without wildcards.`,
  );
}

/** The parts of the stack that carry acknowledged findings. */
export interface NagScope {
  readonly stack: Stack;
  readonly restApi: RestApi;
}

/** Acknowledges the stack-level findings: the API's authorization model, WAF, CDK-owned helpers. */
export function acknowledgeStackFindings({ stack, restApi }: NagScope): void {
  const publicRoutes = new Set(ROUTES.filter((route) => !route.auth).map((route) => `${route.method} ${route.path}`));
  for (const method of restApi.methods as Method[]) {
    if (method.httpMethod === 'OPTIONS') continue;
    acknowledge(
      method,
      'AwsSolutions-COG4',
      'Clients are programs holding API keys, not Cognito users (SPEC): /api methods use the Lambda TOKEN authorizer on "Authorization: Bearer <key>", which also supplies the usage-plan key.',
    );
    if (publicRoutes.has(`${method.httpMethod} ${method.resource.path}`)) {
      acknowledge(
        method,
        'AwsSolutions-APIG4',
        'The public image link (GET /image/{image_id}) is meant to be opened by anyone who has the URL, like a shared photo link; the 128-bit random id is the capability, and the answer is only a short-lived presigned redirect.',
      );
    }
  }

  acknowledge(
    restApi.deploymentStage,
    'AwsSolutions-APIG3',
    'Abuse is limited per key by the TOKEN authorizer, the usage plan (throttle, daily quota) and the exact hourly window in DynamoDB; a WAF web ACL (a monthly charge per ACL and rule) is left to deployments that need IP-based rules.',
  );

  const cloudWatchRole = restApi.node.tryFindChild('CloudWatchRole');
  if (cloudWatchRole) {
    acknowledge(
      cloudWatchRole,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The account-level role API Gateway uses to write execution and access logs; AWS documents this managed policy for it, and API Gateway creates its log groups by name at run time.',
    );
  }

  // The singleton Lambda that CDK adds to configure bucket notifications (a custom resource).
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
    acknowledge(
      child,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'CDK-owned custom resource (BucketNotificationsHandler) that sets the bucket notification at deploy time; its role and policy are defined by aws-cdk-lib, not by Imager.',
    );
  }
}
