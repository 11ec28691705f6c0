import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookMessage, WebhookQueue } from '../core/webhooks';

/** SQS's longest delay on a message (15 min); longer waits are made with the visibility timeout. */
const MAX_DELAY_SECONDS = 900;
/** SQS's longest visibility timeout (12 h), above every wait of the retry schedule. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** The webhook delivery queue on SQS (docs/webhooks.md): sends, and puts a received message back for later. */
export class SqsWebhookQueue implements WebhookQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: WebhookMessage, delaySeconds = 0): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: Math.min(Math.max(0, Math.round(delaySeconds)), MAX_DELAY_SECONDS) }),
    );
  }

  /** The received message comes back after `seconds` (its receipt handle's visibility timeout). */
  async retryLater(receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.min(Math.max(0, Math.round(seconds)), MAX_VISIBILITY_SECONDS) }),
    );
  }
}
