import { readFileSync } from 'node:fs';
import { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand, GetUsagePlansCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { transformSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiGatewayUsagePlanKeys, METERS_PLAN_TAG } from '../../functions/adapters/api-gateway-usage-keys';
import { type AccountMeter, accountMeter, API_KEYS_PER_REGION, STACK_API_KEYS } from '../../functions/core/account-meters';
import { generateAccountId, generateUsageIdentifier } from '../../functions/core/api-keys';
import { GONE, imageEntryValue, secretKey, secretValue, STORE_CAPACITY_BYTES } from '../../functions/core/edge-entries';
import { newImageId } from '../../functions/core/ids';
import { generateKid, generateSigningSecret } from '../../functions/core/url-signing';
import { functionsTriggeredBy, FUNCTIONS, reservedConcurrencyTotal } from '../../functions/function-table';
import { logicalId, resourcesOfType, type Synthesized, synthImager } from './synth';

/**
 * The AWS limits ledger (docs/aws-limits.md): each hard quota the stack must stay inside,
 * asserted on the synthesized templates. Each test title here is cited by a row of the ledger,
 * and the last test holds the ledger to that.
 */
const LEDGER = new URL('../../docs/aws-limits.md', import.meta.url);

/** Every optional part on: the largest template the stack makes. */
let largest: Synthesized;
let plain: Synthesized;
let reserving: Synthesized;
beforeAll(() => {
  plain = synthImager();
  reserving = synthImager({ IMAGER_RESERVED_CONCURRENCY: 'true' });
  largest = synthImager({
    IMAGER_RESERVED_CONCURRENCY: 'true',
    IMAGER_USER_POOL_WAF: 'true',
    IMAGER_ALARM_EMAIL: 'ops@example.com',
    IMAGER_SES_FROM_EMAIL: 'no-reply@example.com',
    IMAGER_SES_VERIFIED_DOMAIN: 'example.com',
  });
});

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/**
 * A value as CloudFormation will have it after deploy, for measuring: references become a
 * placeholder as long as the longest thing they can stand for (an ARN of a generated name).
 */
const PLACEHOLDER = 'x'.repeat(160);
function measured(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(measured);
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Fn::GetAtt' || keys[0] === 'Fn::ImportValue')) return PLACEHOLDER;
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const [separator, parts] = object['Fn::Join'] as [string, unknown];
      // A join over a computed list (Fn::Split of a reference): as long as a reference can be.
      if (!Array.isArray(parts)) return PLACEHOLDER;
      return parts.map((part) => String(measured(part))).join(separator);
    }
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, measured(item)]));
  }
  return value;
}

/** A template value with `Fn::Join`, `Fn::Split`, `Fn::Select` and the stack id resolved, as CloudFormation does at deploy. */
function resolved(value: unknown, stackId: string): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const [[fn, args]] = Object.entries(value as Record<string, any>);
  if (fn === 'Ref' && args === 'AWS::StackId') return stackId;
  if (fn === 'Fn::Join') {
    const parts = Array.isArray(args[1]) ? (args[1] as unknown[]).map((part) => resolved(part, stackId)) : (resolved(args[1], stackId) as unknown[]);
    return parts.join(args[0]);
  }
  if (fn === 'Fn::Split') return String(resolved(args[1], stackId)).split(args[0]);
  if (fn === 'Fn::Select') return (resolved(args[1], stackId) as unknown[])[Number(args[0])];
  throw new Error(`cannot resolve ${fn}`);
}

const resourcesOf = (s: Synthesized): Resources => s.template.toJSON().Resources as Resources;

describe('Lambda', () => {
  it('reserved concurrency: none by default; turned on, it leaves the 100 unreserved that Lambda keeps of the default 1,000', () => {
    const reserved = (s: Synthesized) =>
      Object.values(resourcesOfType(s.template, 'AWS::Lambda::Function')).reduce((sum, fn) => sum + ((fn.Properties.ReservedConcurrentExecutions as number | undefined) ?? 0), 0);
    expect(reserved(plain)).toBe(0);
    expect(reserved(reserving)).toBe(reservedConcurrencyTotal());
    expect(reserved(reserving) + 100).toBeLessThanOrEqual(1000);
  });

  it('environment variables: at most 4 KB per function', () => {
    for (const [id, fn] of Object.entries(resourcesOfType(largest.template, 'AWS::Lambda::Function'))) {
      const variables = fn.Properties.Environment?.Variables ?? {};
      const bytes = Buffer.byteLength(JSON.stringify(measured(variables)));
      expect(bytes, id).toBeLessThanOrEqual(4096);
    }
  });

  it('timeouts and memory: API functions within the 29 s API Gateway integration limit, every function within 900 s, memory 128 to 10,240 MB', () => {
    for (const name of [...functionsTriggeredBy('api'), ...functionsTriggeredBy('authorizer')]) expect(FUNCTIONS[name].timeoutSeconds, name).toBeLessThanOrEqual(29);
    for (const [id, fn] of Object.entries(resourcesOfType(largest.template, 'AWS::Lambda::Function'))) {
      expect(fn.Properties.Timeout ?? 3, id).toBeLessThanOrEqual(900);
      expect(fn.Properties.MemorySize ?? 128, id).toBeGreaterThanOrEqual(128);
      expect(fn.Properties.MemorySize ?? 128, id).toBeLessThanOrEqual(10_240);
    }
  });
});

describe('IAM', () => {
  it('inline policies: at most 10,240 characters per role, all of its inline policies together', () => {
    const resources = resourcesOf(largest);
    const perRole = new Map<string, number>();
    const add = (role: string, document: unknown) => perRole.set(role, (perRole.get(role) ?? 0) + JSON.stringify(measured(document)).replace(/\s/g, '').length);
    for (const [id, resource] of Object.entries(resources)) {
      if (resource.Type === 'AWS::IAM::Role') for (const policy of resource.Properties.Policies ?? []) add(id, policy.PolicyDocument);
      if (resource.Type === 'AWS::IAM::Policy') for (const role of resource.Properties.Roles ?? []) add(String((role as { Ref?: string }).Ref), resource.Properties.PolicyDocument);
    }
    expect(perRole.size).toBeGreaterThan(17);
    for (const [role, characters] of perRole) expect(characters, role).toBeLessThanOrEqual(10_240);
  });
});

describe('CloudFormation', () => {
  it('template: at most 500 resources, 200 outputs, 1 MB of body (uploaded through S3, as CDK deploys)', () => {
    const template = largest.template.toJSON();
    expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(500);
    expect(Object.keys(template.Outputs ?? {}).length).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(JSON.stringify(template))).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe('CloudFront', () => {
  it('functions: cloudfront-js-2.0, at most 10 KB of code, a script with a handler and no module syntax', () => {
    const functions = Object.entries(resourcesOfType(largest.template, 'AWS::CloudFront::Function'));
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      expect(fn.Properties.FunctionConfig.Runtime, id).toBe('cloudfront-js-2.0');
      const code = fn.Properties.FunctionCode as string;
      expect(Buffer.byteLength(code), id).toBeLessThanOrEqual(10 * 1024);
      // The 2.0 runtime runs a file whose entry point is `handler`, exports nothing, and loads only
      // the runtime's own modules (`import cf from 'cloudfront'`, `crypto`), by import or require.
      expect(() => transformSync(code, { loader: 'js', format: undefined, target: 'es2020' }), id).not.toThrow();
      expect(code, id).toMatch(/(?:^|\n)\s*(?:async\s+)?function\s+handler\s*\(/);
      expect(code, id).not.toMatch(/(?:^|\n)\s*export\s/);
      for (const line of code.split('\n').filter((l) => /^\s*import\s/.test(l))) expect(line, id).toMatch(/^\s*import\s+\w+\s+from\s+'(?:cloudfront|crypto)';\s*$/);
      for (const [, module] of code.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) expect(['crypto', 'cloudfront'], id).toContain(module);
    }
  });

  it('cache behaviours: at most 25 per distribution', () => {
    for (const [id, distribution] of Object.entries(resourcesOfType(largest.template, 'AWS::CloudFront::Distribution'))) {
      const config = distribution.Properties.DistributionConfig;
      expect(1 + (config.CacheBehaviors?.length ?? 0), id).toBeLessThanOrEqual(25);
    }
  });

  it('invalidations: no function may create one (a removed image goes on the deny-list); only the console deployment helper can, once per deploy', () => {
    const resources = resourcesOf(largest);
    const functionRoles = new Set(Object.values(largest.stack.allFunctions).map((fn) => logicalId(fn.role!)));
    expect(functionRoles.size).toBe(Object.keys(largest.stack.allFunctions).length);
    const invalidating = new Set<string>();
    const grants = (document: { Statement: Array<{ Action: string | string[] }> }) =>
      document.Statement.some((statement) => ([] as string[]).concat(statement.Action).some((action) => /^cloudfront:(CreateInvalidation|\*)$/.test(action)));
    for (const [id, resource] of Object.entries(resources)) {
      if (resource.Type === 'AWS::IAM::Role' && (resource.Properties.Policies ?? []).some((policy: { PolicyDocument: never }) => grants(policy.PolicyDocument))) invalidating.add(id);
      if (resource.Type === 'AWS::IAM::Policy' && grants(resource.Properties.PolicyDocument)) for (const role of resource.Properties.Roles ?? []) invalidating.add(String((role as { Ref?: string }).Ref));
    }
    expect([...invalidating].filter((role) => functionRoles.has(role))).toEqual([]);
    expect(invalidating.size).toBeLessThanOrEqual(1);
  });

  it('KeyValueStore: one store, read by the viewer-request function; every entry the functions write within 512-byte keys and 1 KB values', () => {
    const stores = Object.keys(resourcesOfType(largest.template, 'AWS::CloudFront::KeyValueStore'));
    expect(stores).toHaveLength(1);
    const readers = Object.values(resourcesOfType(largest.template, 'AWS::CloudFront::Function')).filter((fn) => fn.Properties.FunctionConfig.KeyValueStoreAssociations);
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0].Properties.FunctionConfig.KeyValueStoreAssociations)).toContain(stores[0]);
    // The largest entries the writers make (functions/core/edge-entries.ts): a secret, a private expiring image, a removed one.
    const far = Math.floor(Date.UTC(9999, 0) / 1000);
    const entries = [
      [secretKey(generateKid()), secretValue(generateAccountId(), generateSigningSecret())],
      [newImageId(), imageEntryValue({ accountId: generateAccountId(), visibility: 'private', expiresAt: far })!],
      [newImageId(), GONE],
    ] as const;
    for (const [key, value] of entries) {
      expect(Buffer.byteLength(key), key).toBeLessThanOrEqual(512);
      expect(Buffer.byteLength(value), key).toBeLessThanOrEqual(1024);
    }
    expect(STORE_CAPACITY_BYTES).toBe(5 * 1024 * 1024);
  });
});

describe('API Gateway', () => {
  it('resources: at most 300 per REST API', () => {
    expect(Object.keys(resourcesOfType(largest.template, 'AWS::ApiGateway::Resource')).length).toBeLessThanOrEqual(300);
  });

  it('API keys: the template makes one (all console sessions), the functions one per account, every value alphanumeric, 20 to 128 characters; alarmed at 80%', () => {
    const keys = resourcesOfType(largest.template, 'AWS::ApiGateway::ApiKey');
    expect(Object.keys(keys)).toEqual([logicalId(largest.stack.api.sessionsKey)]);
    expect(Object.keys(keys)).toHaveLength(STACK_API_KEYS);
    // The sessions key's value as CloudFormation resolves it, for a stack id of the documented shape.
    const value = resolved(Object.values(keys)[0]!.Properties.Value, 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Imager/51af3dc0-da77-11e4-872e-1234567db123');
    expect(value).toBe('imagerconsole51af3dc0da7711e4872e1234567db123');
    expect(value).toMatch(/^[A-Za-z0-9]{20,128}$/);
    for (let i = 0; i < 500; i += 1) expect(generateUsageIdentifier()).toMatch(/^[A-Za-z0-9]{20,128}$/);
    // The ceiling: 10,000 per account and region, not raisable; the alarm at 80% of it.
    expect(API_KEYS_PER_REGION).toBe(10_000);
    const ceiling = resourcesOfType(largest.template, 'AWS::CloudWatch::Alarm')[logicalId(largest.stack.monitoring.node.findChild('ApiGatewayKeysCeiling'))]!;
    expect(ceiling.Properties).toMatchObject({ MetricName: 'ApiGatewayKeys', Threshold: 0.8 * API_KEYS_PER_REGION, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it("control-plane calls: an account's first key makes two, its later keys none", async () => {
    const apigw = mockClient(APIGatewayClient);
    apigw.on(GetUsagePlansCommand).resolves({ items: [{ id: 'p', tags: { [METERS_PLAN_TAG.key]: METERS_PLAN_TAG.value }, apiStages: [{ apiId: 'a', stage: 'v1' }] }] });
    apigw.on(CreateApiKeyCommand).resolves({ id: 'k' });
    apigw.on(CreateUsagePlanKeyCommand).resolves({});
    const stored = new Map<string, AccountMeter>();
    let held = 0;
    const deps = {
      meters: {
        findMeter: async (accountId: string) => stored.get(accountId),
        putMeter: async (meter: AccountMeter) => !stored.has(meter.accountId) && Boolean(stored.set(meter.accountId, meter)),
        countApiGatewayKey: async () => (held += 1),
      },
      usagePlan: new ApiGatewayUsagePlanKeys(new APIGatewayClient({ region: 'eu-west-1' }), { restApiId: 'a', stageName: 'v1', stackName: 'Imager' }),
    };
    for (let key = 0; key < 5; key += 1) await accountMeter(deps, 'acct_1');
    await accountMeter(deps, 'acct_2');
    expect(apigw.calls().map((call) => (call.args[0] as object).constructor.name)).toEqual([
      'GetUsagePlansCommand',
      'CreateApiKeyCommand',
      'CreateUsagePlanKeyCommand',
      'CreateApiKeyCommand',
      'CreateUsagePlanKeyCommand',
    ]);
    apigw.restore();
  });
});

describe('AWS WAF', () => {
  it('rate-based rules: a limit of at least 10 requests per evaluation window', () => {
    for (const [id, acl] of Object.entries(resourcesOfType(largest.template, 'AWS::WAFv2::WebACL'))) {
      for (const rule of acl.Properties.Rules as Array<{ Name: string; Statement: { RateBasedStatement?: { Limit: number } } }>) {
        if (rule.Statement.RateBasedStatement) expect(rule.Statement.RateBasedStatement.Limit, `${id} ${rule.Name}`).toBeGreaterThanOrEqual(10);
      }
    }
    expect(Object.keys(resourcesOfType(largest.template, 'AWS::WAFv2::WebACL'))).toHaveLength(1);
  });
});

describe('the ledger', () => {
  it('lists each quota with its number, its source and a test that exists', () => {
    const rows = readFileSync(LEDGER, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| quota') && !line.startsWith('|---'));
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const row of rows) {
      const cells = row.split('|').slice(1, -1).map((cell) => cell.trim());
      expect(cells, row).toHaveLength(4);
      const [quota, number, source, test] = cells;
      expect(quota.length, row).toBeGreaterThan(0);
      expect(number, row).toMatch(/\d/);
      expect(source, row).toMatch(/^".+" \(.+\)$/);
      // One or more `file`: "title" citations, separated by "; ".
      const citations = test.split(/(?<=")\s*;\s*(?=`)/);
      for (const citation of citations) {
        const cited = /^`(test\/[\w/.-]+\.ts)`: "([^"]+)"$/.exec(citation);
        expect(cited, row).not.toBeNull();
        const file = readFileSync(new URL(`../../${cited![1]}`, import.meta.url), 'utf8');
        expect(file, row).toContain(cited![2]);
      }
    }
  });
});
