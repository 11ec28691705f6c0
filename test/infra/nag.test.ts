import { App, type PolicyViolation, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImagerStack } from '../../lib/imager-stack';
import { CDK_JSON_CONTEXT, TEST_CONTEXT } from './synth';

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
  });

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

    // IAM5: only X-Ray's Resource "*" and per-prefix object ARNs; never a wildcard action.
    for (const ack of byRule('AwsSolutions-IAM5')) {
      expect(ack.rule).toMatch(/^AwsSolutions-IAM5\[Resource::(\*|<StorageImages[0-9A-F]{8}\.Arn>\/(images|uploads)\/\*)\]$/);
    }
    // IAM4 (AWS managed policies): only on the roles CDK itself owns.
    const notificationsHandler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    expect(notificationsHandler).toBeDefined();
    expect(byRule('AwsSolutions-IAM4').map((ack) => ack.path).sort()).toEqual(
      [stack.api.api.node.findChild('CloudWatchRole').node.path, notificationsHandler!.node.path].sort(),
    );
    // APIG4 (no authorization): only the public view method.
    expect(byRule('AwsSolutions-APIG4').map((ack) => ack.path)).toEqual(['Test/Api/Api/Default/image/{image_id}/GET']);
    // COG4 (no Cognito): the routed methods, which use the Lambda authorizer instead.
    expect(byRule('AwsSolutions-COG4')).toHaveLength(6);
    // Nothing else is acknowledged: no L1 (runtime), APIG2 (validation), APIG1/6 (logs), S1/S10, DDB3.
    const kinds = new Set(acks.map((ack) => ack.rule.replace(/\[.*$/, '')));
    expect([...kinds].sort()).toEqual(['AwsSolutions-APIG3', 'AwsSolutions-APIG4', 'AwsSolutions-COG4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5']);
  });

  it('lets the stack synthesize with the pack registered the way bin/imager.ts registers it', () => {
    Validations.of(imager.app).addPlugins(new AwsSolutionsChecks(imager.app));
    expect(() => imager.app.synth()).not.toThrow();
  });
});
