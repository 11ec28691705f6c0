import { beforeAll, describe, expect, it } from 'vitest';
import { validateTemplate } from './cfn-schema';
import { logicalId, type Synthesized, synthImager } from './synth';

/**
 * Every template the infra tests synthesize is checked against the CloudFormation resource
 * schemas (test/infra/synth.ts `checkedTemplate`, with test/infra/cfn-schema.ts). Here: the
 * variants that switch on optional parts, and proof that the check catches what it claims to.
 */
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/imager/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

let synth: Synthesized;
beforeAll(() => {
  synth = synthImager();
});

function mutated(change: (resources: Resources) => void): { Resources: Resources } {
  const template = structuredClone(synth.template.toJSON()) as { Resources: Resources };
  change(template.Resources);
  return template;
}

describe('the synthesized templates match the CloudFormation schemas', () => {
  it('the default stack and every optional part switched on', () => {
    const variants = [
      synth,
      synthImager(
        {
          IMAGER_RESERVED_CONCURRENCY: 'true',
          IMAGER_USER_POOL_WAF: 'true',
          IMAGER_SES_FROM_EMAIL: 'no-reply@example.com',
          IMAGER_SES_VERIFIED_DOMAIN: 'example.com',
          IMAGER_ALARM_EMAIL: 'ops@example.com',
          IMAGER_PUBLIC_BASE_URL: 'https://img.example.com',
          IMAGER_CERTIFICATE_ARN: CERTIFICATE_ARN,
          IMAGER_WEB_ACL_ID: WEB_ACL_ARN,
          IMAGER_CDN_LOG_BUCKET: 'imager-cdn-logs',
        },
        { env: { account: '123456789012', region: 'eu-south-1' } },
      ),
    ];
    for (const variant of variants) {
      expect(validateTemplate(variant.template.toJSON()), variant.stack.stackName).toEqual([]);
      expect(Object.keys(variant.template.toJSON().Resources).length).toBeGreaterThan(200);
    }
  });
});

describe('the check catches a seeded mistake', () => {
  it('an unknown property, also nested', () => {
    const fn = logicalId(synth.stack.functions.GetImage);
    const findings = validateTemplate(
      mutated((r) => {
        r[fn].Properties.Timeoutt = 10;
        r[fn].Properties.LoggingConfig.LogGroupp = 'x';
      }),
    );
    expect(findings.map((f) => `${f.path}: ${f.message.split(' (')[0]}`).sort()).toEqual([
      `${fn}.Properties.LoggingConfig.LogGroupp: unknown property`,
      `${fn}.Properties.Timeoutt: unknown property`,
    ]);
  });

  it('a required property missing', () => {
    const fn = logicalId(synth.stack.functions.GetImage);
    const findings = validateTemplate(mutated((r) => delete r[fn].Properties.Role));
    expect(findings).toEqual([{ path: `${fn}.Properties.Role`, message: 'required property missing' }]);
  });

  it('a value outside an enumeration, a string and an integer one', () => {
    const url = logicalId(synth.stack.transforms.functionUrl);
    const logs = logicalId(synth.stack.api.accessLogs);
    const findings = validateTemplate(
      mutated((r) => {
        r[url].Properties.AuthType = 'IAM';
        r[logs].Properties.RetentionInDays = 31;
      }),
    );
    expect(findings.map((f) => f.path)).toEqual([`${url}.Properties.AuthType`, `${logs}.Properties.RetentionInDays`]);
    expect(findings[0].message).toBe('"IAM" is not one of AWS_IAM, NONE');
    expect(findings[1].message).toMatch(/^31 is not one of 1, 3, 5, 7, 14, 30/);
  });

  it('a value of the wrong type, and an unknown resource type', () => {
    const fn = logicalId(synth.stack.functions.GetImage);
    const findings = validateTemplate(
      mutated((r) => {
        r[fn].Properties.MemorySize = 'a lot';
        r[fn].Properties.Environment = ['not', 'a', 'map'];
        r.Extra = { Type: 'AWS::Lambda::Functionn', Properties: {} };
      }),
    );
    expect(findings.map((f) => `${f.path}: ${f.message}`).sort()).toEqual([
      'Extra: unknown resource type AWS::Lambda::Functionn',
      `${fn}.Properties.Environment: expected an object, got a list`,
      `${fn}.Properties.MemorySize: expected an integer, got string "a lot"`,
    ]);
  });

  it('accepts intrinsics wherever a value is expected (known only at deploy time)', () => {
    const fn = logicalId(synth.stack.functions.GetImage);
    const findings = validateTemplate(
      mutated((r) => {
        r[fn].Properties.MemorySize = { Ref: 'SomeParameter' };
        r[fn].Properties.Environment = { 'Fn::If': ['Cond', { Variables: {} }, { Ref: 'AWS::NoValue' }] };
        r[fn].Properties.Description = { 'Fn::Join': ['', ['a', { Ref: 'AWS::Region' }]] };
      }),
    );
    expect(findings).toEqual([]);
  });
});
