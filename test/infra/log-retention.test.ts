import { beforeAll, describe, expect, it } from 'vitest';
import { flatten, logicalId, resourcesOfType, type Synthesized, synthImager } from './synth';

/**
 * No log group of the stack grows forever: every function's (CDK's helpers included: the bucket
 * notifications handler, the SDK-call custom resource, the console deployment) and API Gateway's
 * execution log, which API Gateway would otherwise create itself, without a retention.
 */
let synth: Synthesized;
let groups: Record<string, { Properties: Record<string, any> }>;
beforeAll(() => {
  synth = synthImager();
  groups = resourcesOfType(synth.template, 'AWS::Logs::LogGroup');
});

describe('log retention', () => {
  it('every function of the template writes to a log group of the stack that has a retention', () => {
    const functions = resourcesOfType(synth.template, 'AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThan(17);
    const missing: string[] = [];
    for (const [id, fn] of Object.entries(functions)) {
      const configured = fn.Properties.LoggingConfig?.LogGroup;
      const group = configured
        ? groups[flatten(configured)]
        : Object.values(groups).find((g) => g.Properties.LogGroupName !== undefined && flatten(g.Properties.LogGroupName) === `/aws/lambda/${id}`);
      if (!group || typeof group.Properties.RetentionInDays !== 'number') missing.push(id);
    }
    expect(missing).toEqual([]);
  });

  it('a custom resource runs only after its function\'s log group exists (else Lambda creates it first, without retention)', () => {
    const resources = synth.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;
    for (const [id, resource] of Object.entries(resources)) {
      if (!resource.Type.startsWith('Custom::')) continue;
      const handler = flatten(resource.Properties.ServiceToken).replace(/\.Arn$/, '');
      const fn = resources[handler];
      expect(fn?.Type, id).toBe('AWS::Lambda::Function');
      const group = flatten(fn.Properties.LoggingConfig?.LogGroup ?? 'none');
      // Through LoggingConfig the function itself depends on its group (a Ref), so every invocation does too.
      expect(resources[group]?.Type, `${id} -> ${handler}`).toBe('AWS::Logs::LogGroup');
    }
  });

  it('API Gateway\'s execution log group exists in the stack with a retention, before the stage that writes to it', () => {
    const api = logicalId(synth.stack.api.api);
    const stage = logicalId(synth.stack.api.api.deploymentStage);
    const execution = Object.entries(groups).filter(([, g]) => g.Properties.LogGroupName !== undefined && flatten(g.Properties.LogGroupName) === `API-Gateway-Execution-Logs_${api}/v1`);
    expect(execution).toHaveLength(1);
    expect(execution[0][1].Properties.RetentionInDays).toBe(30);
    const resources = synth.template.toJSON().Resources as Record<string, { DependsOn?: string[] }>;
    expect(resources[stage].DependsOn).toContain(execution[0][0]);
  });

  it('keeps every log group a month, the same as the functions\' own', () => {
    expect(Object.values(groups).map((g) => g.Properties.RetentionInDays)).toEqual(Object.values(groups).map(() => 30));
  });
});
