import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_PREFIX, LARGE_UPLOAD_PREFIX } from '../../functions/core/ids';
import {
  ERRORS_PREFIX,
  IMAGE_CACHE_CONTROL,
  NOT_FOUND_BODY,
  NOT_FOUND_KEY,
  VARIANTS_PREFIX,
} from '../../lib/delivery';
import { CDN_LOG_REFUSING_REGIONS, CDN_LOGS_CONDITION } from '../../lib/cdn-logs';
import type { ImagerStack } from '../../lib/imager-stack';
import { edgeFunctionCode } from '../../lib/edge/function-code';
import { flatten, logicalId, resourcesOfType, type Synthesized, synthImager } from './synth';

/** docs/delivery.md on AWS: the CloudFront distribution in front of the private bucket. */

type FunctionName = keyof ImagerStack['functions'];
/** Functions whose answers carry image `url`s, and ViewImage, which redirects to one. */
const URL_FUNCTIONS: readonly FunctionName[] = ['UploadImage', 'GetImage', 'ListImages', 'DeleteImage', 'StartUpload', 'ViewImage'];

const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/imager/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

let synth: Synthesized;
let resources: Record<string, { Type: string; Properties: Record<string, any> }>;
let ids: { bucket: string; accessLogs: string; distribution: string; requestFn: string; responseFn: string; edgeStore: string; originRequestPolicy: string; imageCachePolicy: string; cachePolicy: string; headersPolicy: string; transformUrl: string };
let config: Record<string, any>;

function only(type: string, source: Synthesized = synth): [string, Record<string, any>] {
  // The web console has its own distribution and origin access control (lib/console-site.ts, test/infra/identity.test.ts).
  const found = Object.entries(resourcesOfType(source.template, type)).filter(([id]) => !id.startsWith('Console'));
  expect(found, type).toHaveLength(1);
  return [found[0][0], found[0][1].Properties];
}

function distributionConfig(source: Synthesized): Record<string, any> {
  return only('AWS::CloudFront::Distribution', source)[1].DistributionConfig;
}

function env(source: Synthesized, name: FunctionName): Record<string, unknown> {
  const resource = source.template.toJSON().Resources[logicalId(source.stack.functions[name])];
  return resource.Properties.Environment.Variables;
}

beforeAll(() => {
  synth = synthImager();
  resources = synth.template.toJSON().Resources;
  const { delivery, storage, transforms, edge } = synth.stack;
  ids = {
    bucket: logicalId(storage.bucket),
    accessLogs: logicalId(storage.accessLogs),
    distribution: logicalId(delivery.distribution),
    requestFn: logicalId(edge.requestFunction),
    responseFn: logicalId(edge.responseFunction),
    edgeStore: logicalId(edge.store),
    originRequestPolicy: logicalId(edge.originRequestPolicy),
    imageCachePolicy: logicalId(transforms.cachePolicy),
    transformUrl: logicalId(transforms.functionUrl),
    cachePolicy: logicalId(delivery.cachePolicy),
    headersPolicy: logicalId(delivery.responseHeadersPolicy),
  };
  config = distributionConfig(synth);
});

describe('distribution', () => {
  it('has two origins in one group: the images bucket (S3 OAC, SigV4 always) first, the transform function URL (lambda OAC) on 403/404', () => {
    // The web console's own origin access control (lib/console-site.ts) is not the delivery's.
    const oacs = Object.entries(resourcesOfType(synth.template, 'AWS::CloudFront::OriginAccessControl')).filter(([id]) => !id.startsWith('Console')) as Array<[string, Record<string, any>]>;
    const s3Oac = oacs.find(([, r]) => r.Properties.OriginAccessControlConfig.OriginAccessControlOriginType === 's3')!;
    const lambdaOac = oacs.find(([, r]) => r.Properties.OriginAccessControlConfig.OriginAccessControlOriginType === 'lambda')!;
    expect(oacs).toHaveLength(2);
    for (const [, oac] of [s3Oac, lambdaOac]) {
      expect(oac.Properties.OriginAccessControlConfig).toMatchObject({ SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    }
    // The bucket appears as an origin of the group and of the error-body behavior: both the same way.
    const s3Origins = config.Origins.filter((o: { S3OriginConfig?: unknown }) => o.S3OriginConfig);
    expect(config.Origins).toHaveLength(s3Origins.length + 1);
    for (const origin of s3Origins) {
      expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [ids.bucket, 'RegionalDomainName'] });
      expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [s3Oac[0], 'Id'] });
      // No legacy origin access identity, no public website origin.
      expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    }
    const [s3] = s3Origins;
    const fn = config.Origins.find((o: { CustomOriginConfig?: unknown }) => o.CustomOriginConfig);
    expect(fn.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [lambdaOac[0], 'Id'] });
    expect(JSON.stringify(fn.DomainName)).toContain(ids.transformUrl);
    const [group] = config.OriginGroups.Items;
    expect(group.FailoverCriteria.StatusCodes.Items.sort()).toEqual([403, 404]);
    const [primary, fallback] = group.Members.Items.map((m: { OriginId: string }) => m.OriginId);
    expect(s3Origins.map((o: { Id: string }) => o.Id)).toContain(primary);
    expect(fallback).toBe(fn.Id);
    expect(s3.Id).toBeDefined();
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe(group.Id);
    expect(Object.keys(resourcesOfType(synth.template, 'AWS::CloudFront::CloudFrontOriginAccessIdentity'))).toEqual([]);
  });

  it('serves HTTPS only (HTTP redirects), GET and HEAD only, over HTTP/2 and HTTP/3, price class 100 by default', () => {
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD']);
      expect(behavior.CachedMethods).toEqual(['GET', 'HEAD']);
      expect(behavior.Compress).toBe(false);
      // /image/* is keyed by the transforms' policy (path only once the request function folded the query in).
      expect(behavior.CachePolicyId).toEqual({ Ref: behavior === config.DefaultCacheBehavior ? ids.imageCachePolicy : ids.cachePolicy });
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: ids.headersPolicy });
      // Nothing is forwarded beyond what the cache key holds (the path) but, on /image/*, the
      // viewer's query for the transform function's 307 (x-imager-query, outside the key).
      expect(behavior.OriginRequestPolicyId).toEqual(behavior === config.DefaultCacheBehavior ? { Ref: ids.originRequestPolicy } : undefined);
    }
    expect(config.HttpVersion).toBe('http2and3');
    expect(config.PriceClass).toBe('PriceClass_100');
    expect(config.Enabled).toBe(true);
    expect(config.DefaultRootObject).toBeUndefined();
  });

  it('runs the transform request and response functions on the default behavior, and only the error body path bypasses them', () => {
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [ids.requestFn, 'FunctionARN'] } },
      { EventType: 'viewer-response', FunctionARN: { 'Fn::GetAtt': [ids.responseFn, 'FunctionARN'] } },
    ]);
    expect(config.DefaultCacheBehavior.LambdaFunctionAssociations).toBeUndefined();
    expect(config.CacheBehaviors.map((b: { PathPattern: string }) => b.PathPattern)).toEqual([`/${ERRORS_PREFIX}*`]);
    expect(config.CacheBehaviors[0].FunctionAssociations).toBeUndefined();
  });

  it('deploys the edge functions of lib/edge as local mode runs them, cloudfront-js-2.0, published, the request function with the key-value store', () => {
    const functions = Object.values(resourcesOfType(synth.template, 'AWS::CloudFront::Function')) as Array<Record<string, any>>;
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
      expect(fn.Properties.AutoPublish).toBe(true);
    }
    const code = functions.map((fn) => fn.Properties.FunctionCode).sort();
    expect(code).toEqual([edgeFunctionCode('viewer-request.js'), edgeFunctionCode('viewer-response.js')].sort());
    const request = resources[ids.requestFn].Properties.FunctionConfig;
    expect(request.KeyValueStoreAssociations).toEqual([{ KeyValueStoreARN: { 'Fn::GetAtt': [ids.edgeStore, 'Arn'] } }]);
    expect(resources[ids.responseFn].Properties.FunctionConfig.KeyValueStoreAssociations).toBeUndefined();
    expect(Object.keys(resourcesOfType(synth.template, 'AWS::CloudFront::KeyValueStore'))).toEqual([ids.edgeStore]);
    // And lib/edge holds the two function files, their code writer and the construct: nothing the stack does not use.
    expect(readdirSync(new URL('../../lib/edge/', import.meta.url)).sort()).toEqual(['edge-rules.ts', 'function-code.ts', 'viewer-request.js', 'viewer-response.js']);
  });

  it('forwards only x-imager-query to the origins (outside the cache key): the transform function\'s 307 keeps the viewer\'s signature', () => {
    const policy = resources[ids.originRequestPolicy].Properties.OriginRequestPolicyConfig;
    expect(policy.HeadersConfig).toEqual({ HeaderBehavior: 'whitelist', Headers: ['x-imager-query'] });
    expect(policy.QueryStringsConfig).toEqual({ QueryStringBehavior: 'none' });
    expect(policy.CookiesConfig).toEqual({ CookieBehavior: 'none' });
  });

  it('turns S3 403 (missing key without ListBucket) and 404 into a 404 with the envelope body, cached 10 seconds', () => {
    expect(config.CustomErrorResponses).toEqual([
      { ErrorCode: 403, ResponseCode: 404, ResponsePagePath: `/${NOT_FOUND_KEY}`, ErrorCachingMinTTL: 10 },
      { ErrorCode: 404, ResponseCode: 404, ResponsePagePath: `/${NOT_FOUND_KEY}`, ErrorCachingMinTTL: 10 },
    ]);
    expect(JSON.parse(NOT_FOUND_BODY)).toEqual({ status: 'error', message: 'Image not found' });
  });

  it('writes the error body at deploy time as JSON with a short cache, with a role that may put that one key only', () => {
    const [crId, cr] = only('Custom::AWS');
    for (const phase of ['Create', 'Update']) {
      // The bucket name is a {Ref} inside the JSON string: flattened, it reads as the logical id.
      const call = JSON.parse(flatten(cr[phase]));
      expect(call, phase).toMatchObject({
        service: 'S3',
        action: 'putObject',
        parameters: {
          Bucket: ids.bucket,
          Key: NOT_FOUND_KEY,
          Body: NOT_FOUND_BODY,
          ContentType: 'application/json; charset=utf-8',
          CacheControl: 'public, max-age=10',
        },
      });
    }
    const policies = Object.values(resourcesOfType(synth.template, 'AWS::IAM::Policy')).filter((p) =>
      flatten(p.Properties.PolicyName).startsWith(crId.replace(/[0-9A-F]{8}$/, '')),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      { Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.bucket, 'Arn'] }, `/${NOT_FOUND_KEY}`]] } },
    ]);
  });

  it('writes standard access logs to the access-log bucket, unless the region is one CloudFront delivers no logs to', () => {
    // Region-agnostic: decided by the region deployed to.
    const condition = (resources[ids.distribution] as { Condition?: string }).Condition;
    expect(condition).toBeUndefined();
    expect(config.Logging).toEqual({
      'Fn::If': [CDN_LOGS_CONDITION, { Bucket: { 'Fn::GetAtt': [ids.accessLogs, 'RegionalDomainName'] }, Prefix: 'cloudfront/' }, { Ref: 'AWS::NoValue' }],
    });
    const conditions = synth.template.toJSON().Conditions as Record<string, unknown>;
    const regions = JSON.stringify(conditions[CDN_LOGS_CONDITION]).match(/[a-z]{2}-[a-z]+-\d/g) ?? [];
    expect(new Set(regions)).toEqual(new Set(CDN_LOG_REFUSING_REGIONS));
    // A concrete region CloudFront delivers to: the bucket itself, no condition.
    const ireland = synthImager({}, { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(distributionConfig(ireland).Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logicalId(ireland.stack.storage.accessLogs), 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
  });

  it('in an opt-in region, logs to the bucket named by IMAGER_CDN_LOG_BUCKET, and refuses to synthesize without one', () => {
    const milan = { env: { account: '123456789012', region: 'eu-south-1' } };
    expect(CDN_LOG_REFUSING_REGIONS).toContain('eu-south-1');
    expect(() => synthImager({}, milan)).toThrow(/IMAGER_CDN_LOG_BUCKET/);
    const elsewhere = synthImager({ IMAGER_CDN_LOG_BUCKET: 'imager-cdn-logs-us-east-1' }, milan);
    expect(distributionConfig(elsewhere).Logging).toEqual({ Bucket: 'imager-cdn-logs-us-east-1.s3.amazonaws.com', Prefix: 'cloudfront/' });
    expect(() => synthImager({ IMAGER_CDN_LOG_BUCKET: 'Not A Bucket' })).toThrow(/IMAGER_CDN_LOG_BUCKET/);
  });

  it('has no custom domain, certificate or web ACL by default', () => {
    expect(config.Aliases).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.WebACLId).toBeUndefined();
  });
});

describe('cache and response headers', () => {
  it('caches on the path alone, a year long, without Accept-Encoding variants', () => {
    const policy = resources[ids.cachePolicy].Properties.CachePolicyConfig;
    expect(policy.ParametersInCacheKeyAndForwardedToOrigin).toEqual({
      QueryStringsConfig: { QueryStringBehavior: 'none' },
      HeadersConfig: { HeaderBehavior: 'none' },
      CookiesConfig: { CookieBehavior: 'none' },
      EnableAcceptEncodingGzip: false,
      EnableAcceptEncodingBrotli: false,
    });
    expect(policy.DefaultTTL).toBe(365 * 24 * 3600);
    expect(policy.MaxTTL).toBe(365 * 24 * 3600);
    expect(policy.MinTTL).toBe(0);
  });

  it('adds immutable caching, nosniff and CORS * for GET/HEAD (without credentials)', () => {
    const policy = resources[ids.headersPolicy].Properties.ResponseHeadersPolicyConfig;
    expect(IMAGE_CACHE_CONTROL).toBe('public, max-age=31536000, immutable');
    expect(policy.CustomHeadersConfig.Items).toEqual([{ Header: 'Cache-Control', Value: IMAGE_CACHE_CONTROL, Override: false }]);
    expect(policy.SecurityHeadersConfig).toEqual({ ContentTypeOptions: { Override: true } });
    expect(policy.CorsConfig).toMatchObject({
      AccessControlAllowOrigins: { Items: ['*'] },
      AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
      AccessControlAllowCredentials: false,
      OriginOverride: true,
    });
    expect(policy.CorsConfig.AccessControlExposeHeaders.Items).toContain('ETag');
    expect(policy.RemoveHeadersConfig).toBeUndefined();
  });
});

describe('bucket access', () => {
  function statements(): Array<Record<string, any>> {
    const policy = Object.values(resourcesOfType(synth.template, 'AWS::S3::BucketPolicy')).find((p) => flatten(p.Properties.Bucket) === ids.bucket);
    return policy!.Properties.PolicyDocument.Statement;
  }

  it('lets only this distribution read, and only images/, variants/ and errors/ (never uploads/)', () => {
    const cloudfront = statements().filter((s) => JSON.stringify(s.Principal ?? {}).includes('cloudfront'));
    expect(cloudfront).toHaveLength(1);
    const [statement] = cloudfront;
    expect(statement.Effect).toBe('Allow');
    expect(statement.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(statement.Action).toBe('s3:GetObject');
    const resources = ([] as unknown[]).concat(statement.Resource).map(flatten).sort();
    expect(resources).toEqual([DIRECT_PREFIX, ERRORS_PREFIX, VARIANTS_PREFIX].map((p) => `${ids.bucket}.Arn/${p}*`).sort());
    expect(resources).not.toContain(`${ids.bucket}.Arn/${LARGE_UPLOAD_PREFIX}*`);
    expect(resources).not.toContain(`${ids.bucket}.Arn/*`);
    expect(Object.keys(statement.Condition)).toEqual(['StringEquals']);
    expect(Object.keys(statement.Condition.StringEquals)).toEqual(['AWS:SourceArn']);
    expect(flatten(statement.Condition.StringEquals['AWS:SourceArn'])).toBe(`arn:AWS::Partition:cloudfront::AWS::AccountId:distribution/${ids.distribution}`);
  });

  it('grants no one else any access, and no listing at all (a missing key stays a 403 to CloudFront, hence 404)', () => {
    for (const statement of statements().filter((s) => s.Effect === 'Allow')) {
      expect(['cloudfront.amazonaws.com']).toContain(statement.Principal?.Service);
      expect(([] as string[]).concat(statement.Action)).not.toContain('s3:ListBucket');
    }
    expect(resources[ids.bucket].Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(resources[ids.bucket].Properties.WebsiteConfiguration).toBeUndefined();
  });
});

describe('public base URL', () => {
  it('is https://<distribution domain> in every function that answers urls, and in ViewImage', () => {
    for (const name of URL_FUNCTIONS) {
      expect(flatten(env(synth, name).IMAGER_PUBLIC_BASE_URL), name).toBe(`https://${ids.distribution}.DomainName`);
    }
  });

  it('is the custom IMAGER_PUBLIC_BASE_URL when set, and the distribution is still the origin of it', () => {
    const custom = synthImager({ IMAGER_PUBLIC_BASE_URL: 'https://img.example.com/' });
    for (const name of URL_FUNCTIONS) expect(env(custom, name).IMAGER_PUBLIC_BASE_URL, name).toBe('https://img.example.com');
    const outputs = custom.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.PublicBaseUrl.Value).toBe('https://img.example.com');
    // Without a certificate the distribution keeps its own domain (a proxy in front serves the custom one).
    expect(distributionConfig(custom).Aliases).toBeUndefined();
  });

  it('with a certificate, a web ACL and another price class: the custom domain is an alias with TLS 1.2, the ACL is attached', () => {
    const custom = synthImager({
      IMAGER_PUBLIC_BASE_URL: 'https://img.example.com',
      IMAGER_CERTIFICATE_ARN: CERTIFICATE_ARN,
      IMAGER_WEB_ACL_ID: WEB_ACL_ARN,
      IMAGER_PRICE_CLASS: 'PriceClass_All',
    });
    const customConfig = distributionConfig(custom);
    expect(customConfig.Aliases).toEqual(['img.example.com']);
    expect(customConfig.ViewerCertificate).toEqual({
      AcmCertificateArn: CERTIFICATE_ARN,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(customConfig.WebACLId).toBe(WEB_ACL_ARN);
    expect(customConfig.PriceClass).toBe('PriceClass_All');
    expect(env(custom, 'GetImage').IMAGER_PUBLIC_BASE_URL).toBe('https://img.example.com');
  });

  it.each([
    [{ IMAGER_PRICE_CLASS: 'PriceClass_50' }, /IMAGER_PRICE_CLASS must be one of PriceClass_100, PriceClass_200, PriceClass_All/],
    [{ IMAGER_CERTIFICATE_ARN: CERTIFICATE_ARN }, /IMAGER_CERTIFICATE_ARN needs IMAGER_PUBLIC_BASE_URL/],
    [{ IMAGER_CERTIFICATE_ARN: CERTIFICATE_ARN, IMAGER_PUBLIC_BASE_URL: 'https://img.example.com/cdn' }, /no path/],
    [{ IMAGER_CERTIFICATE_ARN: CERTIFICATE_ARN, IMAGER_PUBLIC_BASE_URL: 'http://img.example.com' }, /https:\/\//],
    [{ IMAGER_CERTIFICATE_ARN: CERTIFICATE_ARN.replace('us-east-1', 'eu-west-1'), IMAGER_PUBLIC_BASE_URL: 'https://img.example.com' }, /us-east-1/],
    [{ IMAGER_WEB_ACL_ID: WEB_ACL_ARN.replace('global', 'regional') }, /IMAGER_WEB_ACL_ID must be the ARN of a WAFv2 web ACL with CLOUDFRONT scope/],
  ])('refuses %j at synth', (context, message) => {
    expect(() => synthImager(context)).toThrow(message);
  });
});
