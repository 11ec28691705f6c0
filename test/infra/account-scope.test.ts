import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { NAME_LIMITS, scopedName } from '../../lib/names';
import { resourcesOfType, type Synthesized, synthImager } from './synth';

/**
 * One account can hold Imager twice: in a second region, or under a second stack name. CloudFront
 * (and so its policies, origin access controls and functions) and CloudWatch dashboards are
 * global to the account, so any name they are given explicitly must differ per stack and region;
 * regional names (the REST API, a web ACL) must differ per stack.
 */

const ACCOUNT = '123456789012';
const REGIONS = ['eu-west-1', 'us-east-1'] as const;
const STACKS = ['Imager', 'ImagerStaging'] as const;

/** Where a resource type keeps its explicit name, and how far the name must be unique. */
const NAMED: Readonly<Record<string, { readonly path: readonly string[]; readonly unique: 'account' | 'region' }>> = {
  'AWS::CloudFront::CachePolicy': { path: ['CachePolicyConfig', 'Name'], unique: 'account' },
  'AWS::CloudFront::ResponseHeadersPolicy': { path: ['ResponseHeadersPolicyConfig', 'Name'], unique: 'account' },
  'AWS::CloudFront::OriginRequestPolicy': { path: ['OriginRequestPolicyConfig', 'Name'], unique: 'account' },
  'AWS::CloudFront::OriginAccessControl': { path: ['OriginAccessControlConfig', 'Name'], unique: 'account' },
  'AWS::CloudFront::Function': { path: ['Name'], unique: 'account' },
  'AWS::CloudFront::KeyValueStore': { path: ['Name'], unique: 'account' },
  'AWS::CloudWatch::Dashboard': { path: ['DashboardName'], unique: 'account' },
  'AWS::IAM::Role': { path: ['RoleName'], unique: 'account' },
  'AWS::IAM::ManagedPolicy': { path: ['ManagedPolicyName'], unique: 'account' },
  'AWS::S3::Bucket': { path: ['BucketName'], unique: 'account' },
  'AWS::ApiGateway::RestApi': { path: ['Name'], unique: 'region' },
  'AWS::WAFv2::WebACL': { path: ['Name'], unique: 'region' },
  'AWS::Logs::LogGroup': { path: ['LogGroupName'], unique: 'region' },
  'AWS::Lambda::Function': { path: ['FunctionName'], unique: 'region' },
  'AWS::DynamoDB::Table': { path: ['TableName'], unique: 'region' },
  'AWS::SQS::Queue': { path: ['QueueName'], unique: 'region' },
  'AWS::SNS::Topic': { path: ['TopicName'], unique: 'region' },
  'AWS::CloudWatch::Alarm': { path: ['AlarmName'], unique: 'region' },
  'AWS::Cognito::UserPool': { path: ['UserPoolName'], unique: 'region' },
};

/** Name-like properties that are not names in an account-wide namespace (scoped to a parent, or a label). */
const NOT_NAMES = new Set([
  'AWS::ApiGateway::Stage StageName',
  'AWS::ApiGateway::Authorizer Name',
  'AWS::Cognito::UserPoolClient ClientName',
  'AWS::IAM::Policy PolicyName',
  'AWS::SNS::Topic DisplayName',
  'AWS::CloudWatch::Alarm MetricName',
]);

interface Deployed {
  readonly stack: string;
  readonly region: string;
  readonly synth: Synthesized;
}

let deployed: Deployed[];
beforeAll(() => {
  deployed = STACKS.flatMap((stack) => REGIONS.map((region) => ({ stack, region, synth: synthImager({}, { id: stack, env: { account: ACCOUNT, region } }) })));
});

/** A literal name, pseudo parameters filled in; undefined when it refers to a resource of the stack (unique by construction). */
function literal(value: unknown, where: Deployed): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const pseudo: Record<string, string> = { 'AWS::Region': where.region, 'AWS::AccountId': ACCOUNT, 'AWS::StackName': where.stack, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
    if (typeof object.Ref === 'string') return pseudo[object.Ref];
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      const resolved = parts.map((part) => literal(part, where));
      return resolved.every((part) => part !== undefined) ? resolved.join(separator) : undefined;
    }
  }
  return undefined;
}

/** Every explicit, literal name-like property (top-level `...Name`, or `Name` inside a `...Config`), by type and property. */
function nameLikeProperties(where: Deployed): Array<{ type: string; property: string; name: string }> {
  const found: Array<{ type: string; property: string; name: string }> = [];
  for (const resource of Object.values(where.synth.template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)) {
    for (const [key, value] of Object.entries(resource.Properties ?? {})) {
      const candidates: Array<[string, unknown]> = /Name$/.test(key) ? [[key, value]] : [];
      if (/Config$/.test(key) && value && typeof value === 'object' && 'Name' in value) candidates.push([`${key}.Name`, (value as Record<string, unknown>).Name]);
      for (const [property, raw] of candidates) {
        const name = literal(raw, where);
        if (name !== undefined) found.push({ type: resource.Type, property, name });
      }
    }
  }
  return found;
}

describe('names in one account', () => {
  it('every explicit name is of a known kind: account-global, regional, or scoped to its parent', () => {
    const unknown = new Set<string>();
    for (const where of deployed) {
      for (const { type, property } of nameLikeProperties(where)) {
        const named = NAMED[type];
        if (named?.path.join('.') === property || NOT_NAMES.has(`${type} ${property}`)) continue;
        unknown.add(`${type} ${property}`);
      }
    }
    expect([...unknown]).toEqual([]);
  });

  it('two regions and two stack names never repeat a name where the namespace is shared', () => {
    const seen = new Map<string, string>();
    const repeats: string[] = [];
    let count = 0;
    for (const where of deployed) {
      for (const { type, property, name } of nameLikeProperties(where)) {
        const named = NAMED[type];
        if (named?.path.join('.') !== property) continue;
        count += 1;
        const key = named.unique === 'account' ? `${type} ${name}` : `${type} ${where.region} ${name}`;
        const owner = `${where.stack}@${where.region}`;
        const first = seen.get(key);
        if (first !== undefined && first !== owner) repeats.push(`${key} (${first} and ${owner})`);
        else if (first === undefined) seen.set(key, owner);
      }
    }
    expect(repeats).toEqual([]);
    // The CloudFront policies, origin access controls, functions, the dashboard and the API, in each of the four.
    expect(count).toBeGreaterThanOrEqual(4 * 9);
  });

  it('CloudFront and dashboard names carry the stack name and the region', () => {
    for (const where of deployed) {
      for (const { type, property, name } of nameLikeProperties(where)) {
        if (NAMED[type]?.unique !== 'account' || NAMED[type]?.path.join('.') !== property) continue;
        expect(name, `${type} in ${where.stack}@${where.region}`).toContain(where.stack);
        expect(name, `${type} in ${where.stack}@${where.region}`).toContain(where.region);
      }
    }
  });
});

describe('the REST API', () => {
  it('is named after its stack, and every alarm and dashboard metric of the API names that API', () => {
    for (const where of deployed) {
      const apis = Object.values(resourcesOfType(where.synth.template, 'AWS::ApiGateway::RestApi'));
      expect(apis).toHaveLength(1);
      const name = literal(apis[0].Properties.Name, where);
      expect(name).toBe(where.stack);
      const json = JSON.stringify(where.synth.template.toJSON());
      const alarmApiNames = [...json.matchAll(/\{"Name":"ApiName","Value":"([^"]*)"\}/g)].map((match) => match[1]);
      expect(alarmApiNames.length).toBeGreaterThan(0);
      expect(new Set(alarmApiNames)).toEqual(new Set([where.stack]));
      const widgetApiNames = [...json.matchAll(/\\"ApiName\\",\\"([^\\]*)\\"/g)].map((match) => match[1]);
      expect(widgetApiNames.length).toBeGreaterThan(0);
      expect(new Set(widgetApiNames)).toEqual(new Set([where.stack]));
    }
  });
});

describe('scopedName', () => {
  it('fits each service limit, also for the longest stack name CloudFormation allows, and stays distinct', () => {
    const longest = `I${'x'.repeat(127)}`;
    const app = new App();
    const names = new Set<string>();
    for (const [stackName, region] of [[longest, 'ap-southeast-4'], [`${longest.slice(0, 127)}y`, 'ap-southeast-4'], ['Imager', 'eu-west-1']] as const) {
      const stack = new Stack(app, stackName, { env: { region } });
      for (const [kind, limit] of Object.entries(NAME_LIMITS)) {
        const name = scopedName(stack, 'ImageHeaders', limit);
        expect(name.length, kind).toBeLessThanOrEqual(limit);
        expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(name).toContain(region);
        names.add(`${kind} ${name}`);
      }
    }
    expect(names.size).toBe(3 * Object.keys(NAME_LIMITS).length);
  });

  it('names a region-agnostic stack by the region it is deployed to', () => {
    const stack = new Stack(new App(), 'Imager');
    expect(stack.resolve(scopedName(stack, 'Dashboard', NAME_LIMITS.dashboard))).toEqual({ 'Fn::Join': ['', ['Imager-Dashboard-', { Ref: 'AWS::Region' }]] });
  });
});
