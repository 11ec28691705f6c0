import { readFileSync } from 'node:fs';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ImagerStack } from '../../lib/imager-stack';
import { validateTemplate } from './cfn-schema';

/** The context of cdk.json (feature flags and the IMAGER_* settings), as `cdk synth` sees it. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;

/** No asset bundling (no esbuild), and no construct stack traces (they triple synth time). */
export const TEST_CONTEXT = { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true } as const;

export interface Synthesized {
  readonly app: App;
  readonly stack: ImagerStack;
  readonly template: Template;
}

/**
 * The template of `stack`, refused unless it matches the CloudFormation resource schemas
 * (test/infra/cfn-schema.ts): every template a test synthesizes is checked this way.
 */
export function checkedTemplate(stack: Stack): Template {
  const template = Template.fromStack(stack);
  const findings = validateTemplate(template.toJSON());
  if (findings.length > 0) {
    throw new Error(`${stack.stackName} does not match the CloudFormation schemas:\n${findings.map((f) => `  ${f.path}: ${f.message}`).join('\n')}`);
  }
  return template;
}

export interface SynthOptions {
  /** The stack's construct id, which is its name (`Test` unless given). */
  readonly id?: string;
  /** A concrete account and region, as `cdk synth` resolves them from the credentials; region-agnostic unless given. */
  readonly env?: { readonly account?: string; readonly region?: string };
}

/**
 * The Imager stack as `cdk synth` builds it (cdk.json context, plus `extra` the way `-c NAME=value`
 * adds it), with asset bundling skipped so no esbuild runs. CDK's built-in CloudFormation
 * schema validation still runs (cdk.json turns its findings into errors), and the template is
 * checked against the registry schemas too ({@link checkedTemplate}).
 */
export function synthImager(extra: Readonly<Record<string, unknown>> = {}, options: SynthOptions = {}): Synthesized {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...extra, ...TEST_CONTEXT } });
  const stack = new ImagerStack(app, options.id ?? 'Test', options.env ? { env: options.env } : {});
  return { app, stack, template: checkedTemplate(stack) };
}

/** The logical id of a construct's CloudFormation resource (its default child for L2s). */
export function logicalId(construct: IConstruct): string {
  const cfn = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!CfnResource.isCfnResource(cfn)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).resolve(cfn.logicalId) as string;
}

/**
 * A CloudFormation value as one readable string: `{Fn::GetAtt:[X,'Arn']}` -> `X.Arn`,
 * `{Ref:X}` -> `X`, `Fn::Join` concatenated, `Fn::Select`/`Fn::Split` spelled out. Anything else is an error, so a test never
 * compares something it did not understand.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Fn::GetAtt' in object) return (object['Fn::GetAtt'] as string[]).join('.');
    if ('Ref' in object) return String(object.Ref);
    if ('Fn::Select' in object) {
      const [index, list] = object['Fn::Select'] as [number, unknown];
      return `select(${index},${flatten(list)})`;
    }
    if ('Fn::Split' in object) {
      const [separator, source] = object['Fn::Split'] as [string, unknown];
      return `split(${separator},${flatten(source)})`;
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(separator);
    }
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
  readonly NotAction?: unknown;
  readonly NotResource?: unknown;
}

/** `{StringLike: {'s3:prefix': ['a/*']}}` -> ` if StringLike s3:prefix=a/*` (several values joined by `|`). */
function conditionSuffix(condition: unknown): string {
  if (condition === undefined) return '';
  const parts: string[] = [];
  for (const [operator, keys] of Object.entries(condition as Record<string, Record<string, unknown>>)) {
    for (const [key, values] of Object.entries(keys)) {
      parts.push(`${operator} ${key}=${([] as unknown[]).concat(values).map(flatten).join('|')}`);
    }
  }
  return ` if ${parts.sort().join(' and ')}`;
}

/**
 * Every permission the role of `roleLogicalId` gets from the template's IAM policies, inline
 * policies and managed policies, as sorted `action on resource` lines (a condition is spelled
 * out after the line: `action on resource if StringLike key=value`). Statements the
 * flattening does not cover (Deny, NotAction, NotResource) make it throw.
 */
export function permissionsOf(template: Template, roleLogicalId: string): string[] {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  const role = resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  const managed = (role.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? [];
  const lines = managed.map((arn) => `managed-policy ${flatten(arn)}`);
  const statements: Statement[] = [];
  for (const policy of (role.Properties?.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }> | undefined) ?? []) {
    statements.push(...policy.PolicyDocument.Statement);
  }
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = ((resource.Properties?.Roles as unknown[] | undefined) ?? []).map(flatten);
    if (!roles.includes(roleLogicalId)) continue;
    statements.push(...(resource.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  for (const statement of statements) {
    if (statement.Effect !== 'Allow' || statement.NotAction || statement.NotResource) {
      throw new Error(`unexpected statement ${JSON.stringify(statement)}`);
    }
    const actions = ([] as string[]).concat(statement.Action);
    const targets = ([] as unknown[]).concat(statement.Resource).map(flatten);
    const condition = conditionSuffix(statement.Condition);
    for (const action of actions) for (const target of targets) lines.push(`${action} on ${target}${condition}`);
  }
  return [...new Set(lines)].sort();
}

export interface TemplateResource {
  readonly Properties: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

/** Resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, TemplateResource> {
  return template.findResources(type) as Record<string, TemplateResource>;
}
