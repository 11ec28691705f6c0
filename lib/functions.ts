import { Duration, Stack } from 'aws-cdk-lib';
import type { IDistribution, IKeyValueStore } from 'aws-cdk-lib/aws-cloudfront';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { type FunctionName, FUNCTION_NAMES, functionDefinition, type FunctionsTriggeredBy, reservationOf, type TableName } from '../functions/function-table';
import { type ImagerFunction, tableFunction } from './imager-function';
import { acknowledge, BASIC_EXECUTION_POLICY_FINDING } from './nag';

/** The functions this construct builds: all of the table but those behind a function URL (lib/transforms.ts builds those). */
export type StackFunctionName = Exclude<FunctionName, FunctionsTriggeredBy<'url'>>;

export interface FunctionsProps {
  /** The functions' settings by variable name (functionEnvironment and IMAGER_PUBLIC_BASE_URL). */
  readonly settings: Readonly<Record<string, string>>;
  /** False: reserve no concurrency (the default; IMAGER_RESERVED_CONCURRENCY=true reserves). */
  readonly reserveConcurrency: boolean;
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** The image bucket: object grants, and the S3 notifications of `s3` triggers. */
  readonly bucket: IBucket;
  /** The delivery distribution. */
  readonly distribution: IDistribution;
  /** The edge rules' key-value store (`edge-store` grants, docs/edge.md). */
  readonly edgeStore: IKeyValueStore;
  /** The webhook queue (`webhook-queue` grants, and the `queue` trigger; lib/webhooks.ts). */
  readonly webhookQueue: IQueue;
}

/** S3 event names as the table writes them (and events carry them), as CDK names them. */
const S3_EVENT_TYPES: Readonly<Record<string, EventType>> = {
  'ObjectCreated:Put': EventType.OBJECT_CREATED_PUT,
  'ObjectCreated:Post': EventType.OBJECT_CREATED_POST,
  'ObjectCreated:CompleteMultipartUpload': EventType.OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD,
  'ObjectRemoved:*': EventType.OBJECT_REMOVED,
};

/**
 * Every function of the function table (functions/function-table.ts) except the function-URL
 * ones, with the event sources it owns: the bucket's notifications (`s3` triggers, with a
 * dead-letter queue where the entry retries), and EventBridge schedules. API routes and the
 * authorizer are wired by the API construct (lib/api.ts), which reads the same table.
 *
 * Give it the id `Default`: CDK leaves that id out of logical ids, so the functions keep the
 * ones they had when the stack built them itself (a new logical id would replace each function,
 * its role and its log group).
 */
export class Functions extends Construct {
  readonly functions: Readonly<Record<StackFunctionName, ImagerFunction>>;
  /** Where the failed invocations of retried `s3` functions end up (after Lambda's own retries), by function. */
  readonly deadLetterQueues: Readonly<Partial<Record<StackFunctionName, Queue>>>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const functions = {} as Record<StackFunctionName, ImagerFunction>;
    const deadLetterQueues: Partial<Record<StackFunctionName, Queue>> = {};
    for (const name of FUNCTION_NAMES) {
      const trigger = functionDefinition(name).trigger;
      if (trigger.type === 'url') continue;
      const stackName = name as StackFunctionName;
      const onFailure = trigger.type === 's3' ? trigger.onFailure : undefined;
      // The queue before its function, as the stack first created them (resource order only).
      const queue = onFailure && this.deadLetterQueue(name, onFailure);
      const fn = (functions[stackName] = tableFunction(this, name, props));
      if (queue && onFailure) {
        deadLetterQueues[stackName] = queue;
        fn.configureAsyncInvoke({ retryAttempts: onFailure.retryAttempts, onFailure: new SqsDestination(queue) });
      }
      if (trigger.type === 's3') {
        for (const event of trigger.events) {
          const type = S3_EVENT_TYPES[event];
          if (type === undefined) throw new Error(`${name}: no S3 event type for ${event}`);
          props.bucket.addEventNotification(type, new LambdaDestination(fn), { prefix: trigger.prefix });
        }
      } else if (trigger.type === 'queue') {
        // Batch item failures: a delivery put back for later does not bring the batch back with it.
        fn.addEventSource(
          new SqsEventSource(props.webhookQueue, {
            batchSize: trigger.batchSize,
            reportBatchItemFailures: true,
            // No more pollers than the function may run (a throttled batch would count as a
            // receive), and a bound on the outbound requests either way. Two is the least allowed.
            maxConcurrency: Math.max(2, reservationOf(name) ?? 2),
          }),
        );
        // Putting a received message back for the schedule's next wait.
        props.webhookQueue.grant(fn, 'sqs:ChangeMessageVisibility');
      } else if (trigger.type === 'schedule') {
        new Rule(this, trigger.ruleId, {
          description: trigger.description,
          schedule: Schedule.rate(Duration.minutes(trigger.everyMinutes)),
          targets: [new LambdaFunction(fn)],
        });
      }
    }
    this.functions = functions;
    this.deadLetterQueues = deadLetterQueues;
    this.acknowledgeNotificationsHandler();
  }

  /** Encrypted, SSL-only, kept 14 days: long enough to notice the alarm and redrive. */
  private deadLetterQueue(name: FunctionName, onFailure: { readonly retryAttempts: number; readonly deadLetterQueueId: string }): Queue {
    const queue = new Queue(this, onFailure.deadLetterQueueId, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      queue,
      'AwsSolutions-SQS3',
      `This queue is itself the dead-letter destination of ${name} (Lambda on-failure destination after ${onFailure.retryAttempts} retries): its messages are for inspection and redrive, and a queue behind it would only move them once more.`,
    );
    return queue;
  }

  /** The bucket notifications are set by a singleton function CDK adds at the stack root. */
  private acknowledgeNotificationsHandler(): void {
    for (const child of Stack.of(this).node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      acknowledge(
        child,
        BASIC_EXECUTION_POLICY_FINDING,
        'CDK-owned custom resource (BucketNotificationsHandler, which sets the bucket notifications) at deploy time; its execution role and this managed policy are defined by aws-cdk-lib, not by Imager.',
      );
    }
  }
}
