import { App, type PolicyViolation, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImagerStack } from '../../lib/imager-stack';
import { CDK_JSON_CONTEXT, TEST_CONTEXT } from './synth';

const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/imager/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

/**
 * cdk-nag 3 is a CDK policy-validation plugin: it reports through `validate`/`validateScope`
 * (and, when registered with `Validations.of(app).addPlugins`, fails synthesis), not through
 * annotations. Acknowledgements are construct metadata written by `Validations.acknowledge`.
 */

interface Finding {
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
}

function findings(violations: readonly PolicyViolation[]): Finding[] {
  return violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, severity: v.severity ?? 'error', path: r.constructPath ?? '?' })),
  );
}

/** A stack built exactly like bin/imager.ts builds it (minus bundling). */
function newImager(): { app: App; stack: ImagerStack } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...TEST_CONTEXT } });
  return { app, stack: new ImagerStack(app, 'Test') };
}

/** The AwsSolutions pack with acknowledgements ignored: every finding, raw. */
function rawFindings(scope: IConstruct): Finding[] {
  const pack = new AwsSolutionsChecks();
  // cdk-nag's private acknowledgement check; if it is ever renamed, this override does nothing
  // and the "every acknowledgement is needed" test below fails loudly.
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return findings(pack.validateScope(scope).violations);
}

interface Acknowledgement {
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

function acknowledgements(scope: IConstruct): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = id.replace(/^annotation::/i, '');
        if (rule.startsWith('AwsSolutions-')) found.push({ path: construct.node.path, rule, reason });
      }
    }
  }
  return found;
}

/** Full synthesis with the pack runs every rule on every construct: minutes on the shared 2-core machine under load. */
const SYNTH_TIMEOUT_MS = 240_000;

let imager: { app: App; stack: ImagerStack };
beforeAll(() => {
  imager = newImager();
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning on the stack', () => {
    const report = new AwsSolutionsChecks().validateScope(imager.stack);
    expect(findings(report.violations)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('reports nothing unacknowledged either with a concrete account and region (as `cdk synth` / `cdk deploy` resolve them)', () => {
    // Acknowledgements name resources (IAM wildcards, the CDK asset bucket) as the template
    // shows them; with a known region those are literal ARNs, not <AWS::Region> tokens.
    for (const region of ['us-east-1', 'eu-west-1']) {
      const app = new App({ context: { ...CDK_JSON_CONTEXT, ...TEST_CONTEXT } });
      const stack = new ImagerStack(app, 'Test', { env: { account: '123456789012', region } });
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(findings(report.violations), region).toEqual([]);
    }
  });

  it('fails validation and synthesis when a finding is not acknowledged', () => {
    const { app, stack } = newImager();
    // A bucket with none of the hardening: no SSL-only policy, no access logs.
    new Bucket(stack, 'Unhardened');
    const unacknowledged = findings(new AwsSolutionsChecks().validateScope(stack).violations);
    expect(unacknowledged).toEqual(
      expect.arrayContaining([
        { rule: 'AwsSolutions-S1', severity: 'error', path: 'Test/Unhardened/Resource' },
        { rule: 'AwsSolutions-S10', severity: 'error', path: 'Test/Unhardened/Resource' },
      ]),
    );
    expect(unacknowledged.every((f) => f.path.startsWith('Test/Unhardened/'))).toBe(true);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  }, SYNTH_TIMEOUT_MS);

  it('needs every acknowledgement: each matches a raw finding on its construct or below', () => {
    const raw = rawFindings(imager.stack);
    const acks = acknowledgements(imager.stack);
    expect(acks.length).toBeGreaterThan(0);
    const stale = acks.filter((ack) => !raw.some((f) => f.rule === ack.rule && (f.path === ack.path || f.path.startsWith(`${ack.path}/`))));
    expect(stale).toEqual([]);
    // And the raw findings are exactly the acknowledged ones (the first test, seen from the other side).
    const uncovered = raw.filter((f) => !acks.some((ack) => ack.rule === f.rule && (f.path === ack.path || f.path.startsWith(`${ack.path}/`))));
    expect(uncovered).toEqual([]);
  });

  it('acknowledges only the accepted kinds of finding, each on a specific construct with a specific reason', () => {
    const acks = acknowledgements(imager.stack);
    for (const ack of acks) {
      // Never stack-wide.
      expect(ack.path).not.toBe('Test');
      expect(ack.reason.length, `${ack.path} ${ack.rule}`).toBeGreaterThanOrEqual(80);
    }
    const byRule = (prefix: string) => acks.filter((ack) => ack.rule === prefix || ack.rule.startsWith(`${prefix}[`));
    const stack = imager.stack;

    const bucketDeployment = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    expect(bucketDeployment).toBeDefined();
    // IAM5: X-Ray's Resource "*", per-prefix object ARNs, API keys created at run time (key
    // management policy); wildcard actions only on CDK's own BucketDeployment provider.
    for (const ack of byRule('AwsSolutions-IAM5')) {
      if (ack.path === bucketDeployment!.node.path) continue;
      expect(ack.rule).toMatch(
        /^AwsSolutions-IAM5\[Resource::(\*|<StorageImages[0-9A-F]{8}\.Arn>\/(images|uploads|variants|exports|export-requests|deletion-requests)\/\*|arn:<AWS::Partition>:apigateway:<AWS::Region>::\/(apikeys|usageplans\/<ApiUsagePlan[0-9A-F]{8}>\/keys)\/\*)\]$/,
      );
    }
    // IAM4 (AWS managed policies): only on the roles CDK itself owns.
    const notificationsHandler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    expect(notificationsHandler).toBeDefined();
    const sdkCallHandler = stack.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    expect(sdkCallHandler).toBeDefined();
    expect(byRule('AwsSolutions-IAM4').map((ack) => ack.path).sort()).toEqual(
      [stack.api.api.node.findChild('CloudWatchRole').node.path, notificationsHandler!.node.path, sdkCallHandler!.node.path, bucketDeployment!.node.path].sort(),
    );
    // CloudFront: geo restriction (CFR1), WAF (CFR2) and the default certificate (CFR4), on the
    // delivery distribution and the console's; the dead-letter queue is the one queue without a DLQ of its own (SQS3).
    const distribution = stack.delivery.distribution.node.path;
    for (const rule of ['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR4']) {
      expect(byRule(rule).map((ack) => ack.path).sort(), rule).toEqual([distribution, stack.console.node.path].sort());
    }
    expect(byRule('AwsSolutions-CFR2').find((ack) => ack.path === distribution)!.reason).toContain('IMAGER_WEB_ACL_ID');
    expect(byRule('AwsSolutions-SQS3').map((ack) => ack.path).sort()).toEqual(Object.values(stack.deadLetterQueues).map((queue) => queue!.node.path).sort());
    expect(Object.keys(stack.deadLetterQueues).sort()).toEqual(['AnalyzeImage', 'BuildAccountExport', 'EraseAccount', 'FinalizeUpload', 'PurgeImage']);
    // L1 (runtime): only CDK's BucketDeployment provider; our functions run the newest runtime.
    expect(byRule('AwsSolutions-L1').map((ack) => ack.path)).toEqual([bucketDeployment!.node.path]);
    // The console's bucket and CDN logs (static public files), and the user pool's plan/MFA choices.
    for (const rule of ['AwsSolutions-S1', 'AwsSolutions-CFR3']) {
      expect(byRule(rule).map((ack) => ack.path)).toEqual([stack.console.node.path]);
    }
    expect(byRule('AwsSolutions-COG2').map((ack) => ack.path)).toEqual([stack.identity.userPool.node.path]);
    expect(byRule('AwsSolutions-COG8').map((ack) => ack.path)).toEqual([stack.identity.userPool.node.path]);
    // APIG4 (no authorization): only the public view method, the public reference and the delete link (docs/api.md).
    expect(byRule('AwsSolutions-APIG4').map((ack) => ack.path).sort()).toEqual(
      [
        'Test/Api/Api/Default/image/{image_id}/GET',
        'Test/Api/Api/Default/api/openapi.json/GET',
        'Test/Api/Api/Default/docs/GET',
        'Test/Api/Api/Default/api/images/{image_id}/delete/{token}/GET',
        'Test/Api/Api/Default/api/images/{image_id}/delete/{token}/POST',
      ].sort(),
    );
    expect(byRule('AwsSolutions-APIG4').find((ack) => ack.path.endsWith('/delete/{token}/POST'))?.reason).toContain('capability URL');
    expect(byRule('AwsSolutions-APIG4').find((ack) => ack.path.endsWith('/docs/GET'))?.reason).toContain('public documentation');
    // COG4 (no Cognito): the key-routed methods, the public view, the public reference and the
    // delete link, which use the Lambda authorizer or none; the account methods have the Cognito authorizer.
    expect(byRule('AwsSolutions-COG4')).toHaveLength(16);
    // Nothing else is acknowledged: no APIG2 (validation), APIG1/6 (logs), S10, DDB3.
    const kinds = new Set(acks.map((ack) => ack.rule.replace(/\[.*$/, '')));
    expect([...kinds].sort()).toEqual([
      'AwsSolutions-APIG3',
      'AwsSolutions-APIG4',
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR3',
      'AwsSolutions-CFR4',
      'AwsSolutions-COG2',
      'AwsSolutions-COG4',
      'AwsSolutions-COG8',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SQS3',
    ]);
  });

  it('with a web ACL and a custom domain certificate, the WAF and TLS findings do not arise and are not acknowledged', () => {
    const app = new App({
      context: {
        ...CDK_JSON_CONTEXT,
        ...TEST_CONTEXT,
        IMAGER_PUBLIC_BASE_URL: 'https://img.example.com',
        IMAGER_CERTIFICATE_ARN: CERTIFICATE_ARN,
        IMAGER_WEB_ACL_ID: WEB_ACL_ARN,
      },
    });
    const stack = new ImagerStack(app, 'Test');
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(findings(report.violations)).toEqual([]);
    // (The console's own distribution has no web ACL or custom domain settings: lib/console-site.ts.)
    const outsideConsole = (path: string): boolean => !path.startsWith(`${stack.console.node.path}/`) && path !== stack.console.node.path;
    const raw = rawFindings(stack).filter((f) => outsideConsole(f.path)).map((f) => f.rule);
    expect(raw).not.toContain('AwsSolutions-CFR2');
    expect(raw).not.toContain('AwsSolutions-CFR4');
    const kinds = new Set(acknowledgements(stack).filter((ack) => outsideConsole(ack.path)).map((ack) => ack.rule.replace(/\[.*$/, '')));
    expect(kinds.has('AwsSolutions-CFR2')).toBe(false);
    expect(kinds.has('AwsSolutions-CFR4')).toBe(false);
  });

  it('lets the stack synthesize with the pack registered the way bin/imager.ts registers it', () => {
    Validations.of(imager.app).addPlugins(new AwsSolutionsChecks(imager.app));
    expect(() => imager.app.synth()).not.toThrow();
  }, SYNTH_TIMEOUT_MS);
});
