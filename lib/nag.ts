import { CfnResource, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/*
 * How a construct acknowledges its own cdk-nag (AwsSolutions) findings. cdk-nag 3 reads the
 * acknowledgements from construct metadata (`Validations.of(x).acknowledge`); a finding without
 * one fails `cdk synth` (bin/imager.ts) and test/infra/nag.test.ts. Each construct acknowledges
 * what it creates, with the reason, next to the code that makes the finding arise; the findings
 * that could be fixed were fixed instead (least-privilege roles per function, request
 * validation, access and execution logs, X-Ray, SSL-only private buckets, the newest runtime).
 *
 * A leaf: this module imports no other file of lib/, so every construct can use it.
 */

/** Accepts finding `id` (a rule, or a rule with its `[Resource::...]` detail) on `scope`, for `reason`. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
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
export function nagArn(resource: IConstruct): string {
  const cfn = resource.node.defaultChild;
  if (!CfnResource.isCfnResource(cfn)) throw new Error(`${resource.node.path} has no CloudFormation resource`);
  return `<${Stack.of(resource).resolve(cfn.logicalId) as string}.Arn>`;
}

/** The AWS managed policy CDK gives the execution roles of its own helper functions. */
export const BASIC_EXECUTION_POLICY_FINDING =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
