import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/function-table';
import { flatten, logicalId, resourcesOfType, type Synthesized, synthImager } from './synth';

/**
 * A large upload whose finalize fails every retry is not dropped: Lambda sends the event to
 * FinalizeUpload's dead-letter queue, an alarm says so, and `npm run redrive` replays it
 * (docs/operations.md, DeadLetters<Queue>).
 */
let synth: Synthesized;
let resources: Record<string, { Type: string; Properties: Record<string, any> }>;
beforeAll(() => {
  synth = synthImager();
  resources = synth.template.toJSON().Resources;
});

describe('finalize failures', () => {
  it('the function table gives FinalizeUpload an on-failure queue after its retries', () => {
    const trigger = FUNCTIONS.FinalizeUpload.trigger;
    expect(trigger.type).toBe('s3');
    expect('onFailure' in trigger && trigger.onFailure).toEqual({ retryAttempts: 2, deadLetterQueueId: 'FinalizeDeadLetters' });
  });

  it('retries twice, then sends the event to an encrypted, SSL-only queue kept 14 days', () => {
    const finalize = logicalId(synth.stack.functions.FinalizeUpload);
    const queue = logicalId(synth.stack.finalizeDeadLetters);
    const configs = Object.values(resourcesOfType(synth.template, 'AWS::Lambda::EventInvokeConfig')).filter((c) => flatten(c.Properties.FunctionName) === finalize);
    expect(configs).toHaveLength(1);
    expect(configs[0].Properties.MaximumRetryAttempts).toBe(2);
    expect(flatten(configs[0].Properties.DestinationConfig.OnFailure.Destination)).toBe(`${queue}.Arn`);
    expect(resources[queue].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const policy = Object.values(resourcesOfType(synth.template, 'AWS::SQS::QueuePolicy')).find((p) => p.Properties.Queues.some((q: unknown) => flatten(q) === queue));
    const statements = policy!.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
  });

  it('alarms on the first message, and names the queue in the outputs for the redrive', () => {
    const queue = logicalId(synth.stack.finalizeDeadLetters);
    const alarm = resourcesOfType(synth.template, 'AWS::CloudWatch::Alarm')[logicalId(synth.stack.monitoring.node.findChild('DeadLettersFinalizeDeadLetters'))];
    expect(alarm.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(flatten(alarm.Properties.Dimensions[0].Value)).toBe(`${queue}.QueueName`);
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(flatten(outputs.FinalizeDeadLetterQueueName.Value)).toBe(`${queue}.QueueName`);
  });

  it('the redrive is an npm script, documented in the runbook', () => {
    const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.redrive).toBe('tsx scripts/redrive.ts');
    const operations = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    expect(operations).toContain('npm run redrive -- --stack');
  });
});
