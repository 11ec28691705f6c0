import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionDefinition } from '../functions/function-table';

/**
 * The webhook queue (docs/webhooks.md): every image event and every delivery attempt is a
 * message; the delivery worker sets a failed attempt's message visibility to the next wait of the
 * retry schedule. A message received more often than the worker's `maxReceives` (a worker that
 * keeps crashing on it) goes to the dead-letter queue, which the monitoring alarms on.
 */
export class WebhookQueues extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const worker = functionDefinition('DeliverWebhooks');
    if (worker.trigger.type !== 'queue') throw new Error('DeliverWebhooks is not triggered by the webhook queue');
    this.deadLetters = new Queue(this, 'WebhookDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'WebhookQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The schedule's waits add up to about 27 h: a message must outlive them.
      retentionPeriod: Duration.days(4),
      // Six times the worker's timeout, as Lambda's event source asks for.
      visibilityTimeout: Duration.seconds(worker.timeoutSeconds * 6),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: worker.trigger.maxReceives },
    });
  }
}
