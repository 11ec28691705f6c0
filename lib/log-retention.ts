import { CfnResource, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnLogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** How long every log group of the stack keeps its events: the functions' own retention. */
export const LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * API Gateway's execution log (`API-Gateway-Execution-Logs_<api id>/<stage>`), created by the
 * stack with a retention. API Gateway would create it itself on the first error it logs, with
 * none; the stage is made to wait for it, so the group exists before anything can write to it.
 * `stageName` is the stage's name as the API construct chose it.
 */
export function retainExecutionLogs(api: RestApi, stageName: string): LogGroup {
  const stage = api.deploymentStage;
  // The literal stage name: the stage's own Ref would make the group depend on the stage it must precede.
  const group = new LogGroup(api, 'ExecutionLogs', {
    logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${stageName}`,
    retention: LOG_RETENTION,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  stage.node.addDependency(group);
  return group;
}

/**
 * Every function of the stack that has no log group of its own (CDK's helpers: the bucket
 * notifications handler, the SDK-call custom resource, providers) gets one with a retention, by
 * LoggingConfig: the function then depends on its group, so no invocation can make Lambda create
 * `/aws/lambda/<name>` first (without a retention, and in the way of the group's creation).
 * A CDK-managed group by name (`/aws/lambda/<function>`) that has a retention is left alone.
 * Functions CDK writes as a plain CfnResource (the notifications handler) never set LoggingConfig.
 */
export function retainHelperLogs(stack: Stack): void {
  const named = new Set<string>();
  for (const construct of stack.node.findAll()) {
    if (construct instanceof CfnLogGroup && construct.retentionInDays !== undefined && construct.logGroupName !== undefined) {
      named.add(JSON.stringify(stack.resolve(construct.logGroupName)));
    }
  }
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof CfnResource) || construct.cfnResourceType !== CfnFunction.CFN_RESOURCE_TYPE_NAME) continue;
    if (construct instanceof CfnFunction && (construct.loggingConfig as CfnFunction.LoggingConfigProperty | undefined)?.logGroup !== undefined) continue;
    const byName = JSON.stringify({ 'Fn::Join': ['', ['/aws/lambda/', { Ref: stack.resolve(construct.logicalId) }]] });
    if (named.has(byName)) continue;
    const group = new LogGroup(construct.node.scope as Construct, `${construct.node.id}Logs`, { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY });
    construct.addPropertyOverride('LoggingConfig.LogGroup', group.logGroupName);
  }
}
