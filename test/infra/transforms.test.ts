import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AllowedMethods, Distribution, FunctionEventType, ViewerProtocolPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockedSharpVersion } from '../../lib/bundling';
import { Transforms, transformReadTimeout } from '../../lib/transforms';
import { EdgeRules } from '../../lib/edge/edge-rules';
import { edgeFunctionCode } from '../../lib/edge/function-code';
import { readEdgeSettings } from '../../functions/core/edge-settings';
import { CDK_JSON_CONTEXT, checkedTemplate, flatten, logicalId, permissionsOf, resourcesOfType } from './synth';

/**
 * A small stack holding what the distribution needs from `Transforms`, synthesized WITH
 * bundling (esbuild, then the afterBundling hook's `npm install --os=linux --cpu=arm64`), so
 * the asset directory can be read: it must hold sharp's linux-arm64 build and not the host's.
 */
let outdir: string;
let stack: Stack;
let transforms: Transforms;
let edge: EdgeRules;
let distribution: Distribution;
let template: Template;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'imager-transforms-synth-'));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:disable-stack-trace': true } });
  stack = new Stack(app, 'TransformsTest');
  const bucket = new Bucket(stack, 'Images');
  transforms = new Transforms(stack, 'Transforms', { bucket, limits: { maxPixels: 100_000_000 }, maxVariantsPerImage: 100, edgeTtl: Duration.days(1) });
  edge = new EdgeRules(stack, 'Edge', { settings: readEdgeSettings({}) });
  distribution = new Distribution(stack, 'Cdn', {
    defaultBehavior: { origin: S3BucketOrigin.withOriginAccessControl(bucket) },
    additionalBehaviors: {
      '/image/*': {
        origin: transforms.originGroup(S3BucketOrigin.withOriginAccessControl(bucket)),
        cachePolicy: transforms.cachePolicy,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        functionAssociations: [
          { function: edge.requestFunction, eventType: FunctionEventType.VIEWER_REQUEST },
          { function: edge.responseFunction, eventType: FunctionEventType.VIEWER_RESPONSE },
        ],
      },
    },
  });
  template = checkedTemplate(stack);
  app.synth();
}, 300_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

function resource(id: string): { Type: string; Properties: Record<string, any>; Metadata?: Record<string, any> } {
  return template.toJSON().Resources[id];
}

describe('transform function asset (bundled here, no Docker)', () => {
  it('holds the ESM bundle with sharp external and sharp for linux-arm64 beside it, not the host build', () => {
    const fn = resource(logicalId(transforms.function));
    expect(fn.Metadata?.['aws:asset:is-bundled']).toBe(true);
    const dir = join(outdir, fn.Metadata?.['aws:asset:path'] as string);
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    // sharp stays an import of the installed package; decode-bmp (pure JS) is inside the bundle.
    expect(bundle).toMatch(/from\s*["']sharp["']/);
    expect(existsSync(join(dir, 'node_modules', 'decode-bmp'))).toBe(false);

    const installed = JSON.parse(readFileSync(join(dir, 'node_modules', 'sharp', 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(lockedSharpVersion());
    const img = readdirSync(join(dir, 'node_modules', '@img')).sort();
    expect(img).toContain('sharp-linux-arm64');
    expect(img).toContain('sharp-libvips-linux-arm64');
    expect(img.filter((name) => name.includes('x64') || name.includes('darwin') || name.includes('musl'))).toEqual([]);
    // The native addon and libvips really are the arm64 ELF builds (e_machine 0xB7 = AArch64).
    const addon = join(dir, 'node_modules', '@img', 'sharp-linux-arm64', 'lib', `sharp-linux-arm64-${lockedSharpVersion()}.node`);
    const header = readFileSync(addon).subarray(0, 20);
    expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(header.readUInt16LE(18)).toBe(0xb7);
    const libs = readdirSync(join(dir, 'node_modules', '@img', 'sharp-libvips-linux-arm64', 'lib'));
    const libvips = libs.find((name) => name.startsWith('libvips-cpp'));
    expect(libvips).toBeDefined();
    expect(readFileSync(join(dir, 'node_modules', '@img', 'sharp-libvips-linux-arm64', 'lib', libvips!)).readUInt16LE(18)).toBe(0xb7);
  });

  it('runs on arm64 Node 24 with the chosen memory, a timeout, and reserved concurrency', () => {
    const fn = resource(logicalId(transforms.function));
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    expect(fn.Properties.MemorySize).toBe(1769);
    expect(fn.Properties.Timeout).toBe(30);
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(20);
    expect(fn.Properties.Environment.Variables.IMAGER_MAX_PIXELS).toBe('100000000');
  });
});

describe('least privilege', () => {
  it('reads originals, reads, writes and lists variants (to count them against the cap), and nothing else', () => {
    const role = logicalId(transforms.function.executionRole);
    const bucket = logicalId(stack.node.findChild('Images'));
    const lines = permissionsOf(template, role).filter((line) => !line.startsWith('xray:') && !line.startsWith('logs:'));
    expect(lines).toEqual(
      [
        `s3:GetObject on ${bucket}.Arn/images/*`,
        `s3:GetObject on ${bucket}.Arn/variants/*`,
        `s3:ListBucket on ${bucket}.Arn if StringLike s3:prefix=variants/*`,
        `s3:PutObject on ${bucket}.Arn/variants/*`,
      ].sort(),
    );
  });
});

describe('CloudFront wiring', () => {
  it('the function URL requires IAM auth and is reached through an OAC of type lambda', () => {
    const urls = resourcesOfType(template, 'AWS::Lambda::Url');
    expect(Object.values(urls)).toHaveLength(1);
    const url = Object.values(urls)[0]!;
    expect(url.Properties.AuthType).toBe('AWS_IAM');
    expect(flatten(url.Properties.TargetFunctionArn)).toBe(`${logicalId(transforms.function)}.Arn`);

    const oacs = Object.values(resourcesOfType(template, 'AWS::CloudFront::OriginAccessControl')).map((o) => o.Properties.OriginAccessControlConfig);
    const lambdaOac = oacs.filter((config) => config.OriginAccessControlOriginType === 'lambda');
    expect(lambdaOac).toHaveLength(1);
    expect(lambdaOac[0]).toMatchObject({ SigningBehavior: 'always', SigningProtocol: 'sigv4' });
  });

  it('only this distribution may invoke the URL (lambda:InvokeFunctionUrl and InvokeFunction via the URL, AWS:SourceArn)', () => {
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === 'cloudfront.amazonaws.com',
    );
    expect(permissions.map((p) => p.Properties.Action).sort()).toEqual(['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl']);
    for (const permission of permissions) {
      // The URL's FunctionArn attribute: the transform function itself.
      expect(flatten(permission.Properties.FunctionName)).toBe(`${logicalId(transforms.functionUrl)}.FunctionArn`);
      expect(flatten(permission.Properties.SourceArn)).toBe(
        `arn:AWS::Partition:cloudfront::AWS::AccountId:distribution/${logicalId(distribution)}`,
      );
    }
    // No other principal may call it at all.
    const all = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission'));
    expect(all.every((p) => p.Properties.Principal === 'cloudfront.amazonaws.com')).toBe(true);
  });

  it('tries the function URL once, and waits longer than the function may run (a slow render is not started again)', () => {
    const config = resource(logicalId(distribution)).Properties.DistributionConfig;
    const urlOrigins = (config.Origins as Array<Record<string, any>>).filter((o) => o.CustomOriginConfig && JSON.stringify(o.DomainName).includes(logicalId(transforms.functionUrl)));
    expect(urlOrigins).toHaveLength(1);
    const timeout = resource(logicalId(transforms.function)).Properties.Timeout as number;
    expect(urlOrigins[0].ConnectionAttempts).toBe(1);
    expect(urlOrigins[0].CustomOriginConfig.OriginReadTimeout).toBeGreaterThan(timeout);
    // CloudFront's range for the response timeout without a quota increase: 1 to 60 seconds.
    expect(urlOrigins[0].CustomOriginConfig.OriginReadTimeout).toBeLessThanOrEqual(60);
  });

  it('/image/* goes to an origin group: S3 first, the function URL on 403/404', () => {
    const config = resource(logicalId(distribution)).Properties.DistributionConfig;
    const groups = config.OriginGroups.Items as Array<{ Id: string; FailoverCriteria: any; Members: any }>;
    expect(groups).toHaveLength(1);
    expect(groups[0]!.FailoverCriteria.StatusCodes.Items.sort()).toEqual([403, 404]);
    const [primary, fallback] = groups[0]!.Members.Items.map((m: { OriginId: string }) => m.OriginId);
    const origins = new Map((config.Origins as Array<{ Id: string }>).map((o) => [o.Id, o as Record<string, any>]));
    expect(origins.get(primary)?.S3OriginConfig).toBeDefined();
    expect(origins.get(fallback)?.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginReadTimeout: transformReadTimeout().toSeconds() });
    expect(origins.get(fallback)?.OriginAccessControlId).toBeDefined();
    const behavior = (config.CacheBehaviors as Array<Record<string, any>>).find((b) => b.PathPattern === '/image/*')!;
    expect(behavior.TargetOriginId).toBe(groups[0]!.Id);
    expect(behavior.FunctionAssociations.map((f: { EventType: string }) => f.EventType).sort()).toEqual(['viewer-request', 'viewer-response']);
  });

  it('the cache policy keys on the path plus only the five allowed parameters: no headers, no cookies', () => {
    const policy = resource(logicalId(transforms.cachePolicy)).Properties.CachePolicyConfig;
    const key = policy.ParametersInCacheKeyAndForwardedToOrigin;
    expect(key.QueryStringsConfig).toEqual({ QueryStringBehavior: 'whitelist', QueryStrings: ['w', 'h', 'fit', 'format', 'q'] });
    expect(key.HeadersConfig).toEqual({ HeaderBehavior: 'none' });
    expect(key.CookiesConfig).toEqual({ CookieBehavior: 'none' });
    expect(policy.MinTTL).toBe(0);
    // At most the edge TTL (a day by default), however long an object says: the deny-list outlives that (docs/edge.md).
    expect(policy.DefaultTTL).toBe(86_400);
    expect(policy.MaxTTL).toBe(86_400);
  });

  it('the edge functions are the code the unit tests and local mode run', () => {
    const functions = Object.values(resourcesOfType(template, 'AWS::CloudFront::Function'));
    const codes = functions.map((f) => f.Properties.FunctionCode as string);
    expect(codes).toContain(edgeFunctionCode('viewer-request.js'));
    expect(codes).toContain(edgeFunctionCode('viewer-response.js'));
    for (const f of functions) expect(f.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
  });
});
