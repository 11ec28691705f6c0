import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerImage, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Distribution, HttpVersion, ResponseHeadersPolicy, S3OriginAccessControl, ViewerProtocolPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { type Bucket, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BASIC_EXECUTION_POLICY_FINDING, nagPseudo } from './nag';
import { privateBucket } from './storage';
import { NAME_LIMITS, scopedName } from './names';

const WEB_ROOT = fileURLToPath(new URL('../web', import.meta.url));

/** What the console reads from `/config.json` on AWS (locally the gateway serves the same shape). */
export interface ConsoleConfig {
  /** The API's base URL (stage included). */
  readonly apiUrl: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
}

export interface ConsoleSiteProps {
  readonly config: ConsoleConfig;
  /** Direct upload limit the console uses to choose direct or presigned uploads. */
  readonly maxImageBytes: number;
  readonly maxLargeImageBytes: number;
}

/**
 * The web console on AWS: its built files (Vite, built by the local toolchain at synth, no
 * Docker) and a `config.json` with the API URL and the user pool, in a private bucket served by
 * a CloudFront distribution through Origin Access Control at `/`.
 *
 * The image delivery distribution (lib/delivery.ts) could serve the same bucket as its
 * default behaviour instead (`S3BucketOrigin.withOriginAccessControl(site.bucket)`, root object
 * index.html) and this construct's own distribution dropped: `bucket` and `sources` are public
 * for that.
 */
export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.bucket = privateBucket(this, 'Files', {
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Only build output, redeployed with every stack update; kept (not emptied by a custom
      // resource) if the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'Imager web console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        // Origin access control names are global to the account: scoped by stack and region (lib/names.ts).
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessControl: new S3OriginAccessControl(this, 'FilesAccessControl', {
            originAccessControlName: scopedName(this, 'ConsoleOac', NAME_LIMITS.originAccessControl),
          }),
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
    });

    const built = Source.asset(WEB_ROOT, {
      exclude: ['dist', 'node_modules'],
      bundling: {
        // Only used when local bundling cannot run; the local toolchain is the one tested.
        image: DockerImage.fromRegistry('node:22-alpine'),
        command: ['sh', '-c', 'echo "build the console locally (npm ci)" && exit 1'],
        local: {
          tryBundle(outputDir: string): boolean {
            execFileSync(process.execPath, [join(WEB_ROOT, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outputDir, '--emptyOutDir'], {
              cwd: WEB_ROOT,
              stdio: ['ignore', 'ignore', 'inherit'],
            });
            return true;
          },
        },
      },
    });
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        built,
        Source.jsonData('config.json', {
          ...props.config,
          maxImageBytes: props.maxImageBytes,
          maxLargeImageBytes: props.maxLargeImageBytes,
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 256,
      // An unnamed log group of our own (the default one has a hard-coded name).
      logGroup: new LogGroup(this, 'DeployLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    });

    for (const [rule, reason] of [
      ['AwsSolutions-S1', 'The bucket holds only the public console build (the same files every visitor downloads); access is logged at the distribution level if enabled.'],
      ['AwsSolutions-CFR1', 'The console is a public web app for people anywhere who sign up; restricting countries would lock real users out.'],
      ['AwsSolutions-CFR2', 'Static files of a public web app; a WAF web ACL (monthly charge) adds nothing the API does not already enforce.'],
      ['AwsSolutions-CFR3', 'Access logs of identical static console files add cost without insight; every API call is logged by the API stage access log.'],
      ['AwsSolutions-CFR4', 'The default *.cloudfront.net certificate has a fixed security policy; with a custom domain and an ACM certificate set minimumProtocolVersion TLSv1.2_2021.'],
    ] as const) {
      Validations.of(this).acknowledge({ id: rule, reason });
    }

    // BucketDeployment's provider is a CDK-owned singleton Lambda at the stack root.
    const stack = Stack.of(this);
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      for (const [rule, reason] of [
        [BASIC_EXECUTION_POLICY_FINDING, 'CDK-owned custom resource (BucketDeployment) that copies the console build at deploy time; its role is defined by aws-cdk-lib.'],
        ['AwsSolutions-IAM5[Action::s3:GetBucket*]', 'BucketDeployment (CDK-owned) reads the asset bucket and writes the console bucket; aws-cdk-lib grants these action groups.'],
        ['AwsSolutions-IAM5[Action::s3:GetObject*]', 'BucketDeployment (CDK-owned) reads the staged console asset from the CDK bootstrap asset bucket.'],
        ['AwsSolutions-IAM5[Action::s3:List*]', 'BucketDeployment (CDK-owned) lists the asset and destination buckets to sync the console files.'],
        ['AwsSolutions-IAM5[Action::s3:DeleteObject*]', 'BucketDeployment (CDK-owned) prunes files of older console builds from the console bucket.'],
        ['AwsSolutions-IAM5[Action::s3:Abort*]', 'BucketDeployment (CDK-owned) aborts its own failed multipart uploads into the console bucket.'],
        ['AwsSolutions-IAM5[Resource::*]', 'BucketDeployment (CDK-owned) creates a CloudFront invalidation; CloudFront invalidations take no resource-level permission in its policy.'],
        [`AwsSolutions-IAM5[Resource::<${stack.resolve((this.bucket.node.defaultChild as CfnBucket).logicalId)}.Arn>/*]`, 'BucketDeployment (CDK-owned) writes every console file into the console bucket, so it may write any key of that one bucket.'],
        [`AwsSolutions-IAM5[Resource::arn:${nagPseudo(stack.partition, 'Partition')}:s3:::cdk-hnb659fds-assets-${nagPseudo(stack.account, 'AccountId')}-${nagPseudo(stack.region, 'Region')}/*]`, 'BucketDeployment (CDK-owned) reads the staged console build from the CDK bootstrap asset bucket, whose object keys are asset hashes.'],
        ['AwsSolutions-L1', 'CDK-owned BucketDeployment provider function; its runtime is chosen by aws-cdk-lib, not by Imager.'],
      ] as const) {
        Validations.of(child).acknowledge({ id: rule, reason });
      }
    }
  }

  /** Where people open the console: the distribution's own domain. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
