import { CfnResource, Stack, Token, Validations } from 'aws-cdk-lib';
import type { Method, RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { ROUTES } from '../functions/routes';
import type { Delivery } from './delivery';

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

/**
 * How cdk-nag prints a pseudo parameter inside an ARN of a finding id: `<AWS::Region>` while it
 * is a token, the value once the stack has an environment (`cdk synth` with a default region,
 * `cdk deploy` with credentials). Acknowledgements must use the form this synth produces.
 */
export function nagPseudo(value: string, pseudo: 'Partition' | 'Region' | 'AccountId'): string {
  return Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
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
  readonly delivery: Delivery;
  readonly purgeDeadLetters: IConstruct;
  /** IMAGER_WEB_ACL_ID is set: the distribution has a web ACL (no CFR2 finding). */
  readonly hasWebAcl: boolean;
  /** IMAGER_CERTIFICATE_ARN is set: the distribution has its own certificate and TLS 1.2 (no CFR4 finding). */
  readonly hasCertificate: boolean;
}

/** The public documentation routes (SPEC §14). */
const REFERENCE_ROUTES = new Set(['GET /api/openapi.json', 'GET /docs']);

/** Acknowledges the stack-level findings: the API's authorization model, WAF, CDK-owned helpers. */
export function acknowledgeStackFindings({ stack, restApi, delivery, purgeDeadLetters, hasWebAcl, hasCertificate }: NagScope): void {
  const publicRoutes = new Set(ROUTES.filter((route) => route.auth === 'none').map((route) => `${route.method} ${route.path}`));
  const sessionRoutes = new Set(ROUTES.filter((route) => route.auth === 'session').map((route) => `${route.method} ${route.path}`));
  for (const method of restApi.methods as Method[]) {
    if (method.httpMethod === 'OPTIONS') continue;
    // Account routes use the Cognito user pool authorizer: COG4 is satisfied there.
    if (sessionRoutes.has(`${method.httpMethod} ${method.resource.path}`)) continue;
    acknowledge(
      method,
      'AwsSolutions-COG4',
      'Clients are programs holding API keys, not Cognito users (SPEC): /api methods use the Lambda TOKEN authorizer on "Authorization: Bearer <key>", which also supplies the usage-plan key.',
    );
    const route = `${method.httpMethod} ${method.resource.path}`;
    if (publicRoutes.has(route)) {
      acknowledge(
        method,
        'AwsSolutions-APIG4',
        REFERENCE_ROUTES.has(route)
          ? 'The API description (GET /api/openapi.json) and its reference page (GET /docs) are public documentation (SPEC §14), like any API reference: they read no data and reveal only the contract.'
          : 'The public image link (GET /image/{image_id}) is meant to be opened by anyone who has the URL, like a shared photo link; the 128-bit random id is the capability, and the answer is only a short-lived presigned redirect.',
      );
    }
  }

  acknowledge(
    restApi.deploymentStage,
    'AwsSolutions-APIG3',
    'Without WAF, abuse is bounded in three layers: stage and method throttles (every method, all callers together, which applies before the authorizer and so also caps how often random well-formed tokens can invoke it; a lower one on each unauthenticated method: the public view and CORS preflights), reserved concurrency per function (a flood on one route cannot take the others\' capacity), and per key the usage plan (throttle, daily quota) and the exact hourly window in DynamoDB. Per-key limits do not stop unauthenticated or random-token floods; the stage throttles do, at the price of also refusing legitimate callers during one. A WAF web ACL (a monthly charge per ACL and rule) is left to deployments that need per-IP rules.',
  );

  const cloudWatchRole = restApi.node.tryFindChild('CloudWatchRole');
  if (cloudWatchRole) {
    acknowledge(
      cloudWatchRole,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The account-level role API Gateway uses to write execution and access logs; AWS documents this managed policy for it, and API Gateway creates its log groups by name at run time.',
    );
  }

  // The singleton Lambdas that CDK adds for custom resources: bucket notifications, and the SDK
  // call that writes the distribution's 404 body (its own policy allows one PutObject on one key).
  for (const child of stack.node.children) {
    const id = child.node.id;
    const helper = id.startsWith('BucketNotificationsHandler')
      ? 'BucketNotificationsHandler, which sets the bucket notifications'
      : id === AWS_SDK_CALL_SINGLETON_ID
        ? 'AwsCustomResource, which puts errors/not-found.json'
        : undefined;
    if (!helper) continue;
    acknowledge(
      child,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `CDK-owned custom resource (${helper}) at deploy time; its execution role and this managed policy are defined by aws-cdk-lib, not by Imager.`,
    );
  }

  const distribution = delivery.distribution;
  acknowledge(
    distribution,
    'AwsSolutions-CFR1',
    'An image host serves embeds to readers everywhere; restricting countries would break pages that embed our URLs. A deployment that must can add a geoRestriction to the Delivery construct.',
  );
  if (!hasWebAcl) {
    acknowledge(
      distribution,
      'AwsSolutions-CFR2',
      'No WAF by default: a web ACL costs a monthly fee per ACL and rule plus $0.60 per million requests, more than delivery itself at low volume. Views run no function of ours (cache hits cost only CloudFront); to add one, create a WAFv2 web ACL with CLOUDFRONT scope in us-east-1 and deploy with -c IMAGER_WEB_ACL_ID=<its ARN>.',
    );
  }
  if (!hasCertificate) {
    acknowledge(
      distribution,
      'AwsSolutions-CFR4',
      'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes (TLSv1); viewers still get HTTPS only (HTTP redirects). With -c IMAGER_CERTIFICATE_ARN (and IMAGER_PUBLIC_BASE_URL) it uses that ACM certificate with TLSv1.2_2021 and this finding does not arise.',
    );
  }
  acknowledge(
    purgeDeadLetters,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter destination of PurgeImage (Lambda on-failure destination after two retries): its messages are for inspection and redrive, and a queue behind it would only move them once more.',
  );
}

/** The construct id CDK gives the singleton function behind every AwsCustomResource. */
const AWS_SDK_CALL_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';
