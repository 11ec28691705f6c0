import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readConfig } from './core/config';
import { toApiImage } from './core/images';
import { handleWebhookMessage, type WebhookDeliveryDeps } from './core/webhook-delivery';
import type { WebhookMessage, WebhookQueue } from './core/webhooks';
import { logger } from './runtime/logger';
import { webhookHttp } from './runtime/outbound-wiring';
import { webhookQueue } from './runtime/webhook-wiring';
import { dynamoDB, imageRecords, webhookStore } from './runtime/wiring';

export interface DeliverWebhooksDeps extends WebhookDeliveryDeps {
  readonly queue: WebhookQueue & { retryLater(receiptHandle: string, seconds: number): Promise<void> };
}

/**
 * SQS (the webhook queue) -> fan an event out to the account's endpoints, or attempt one
 * delivery (core/webhook-delivery.ts). A delivery to try again later gets its message's
 * visibility set to the schedule's next wait and is reported as a batch item failure, so SQS
 * keeps it; a message whose handling throws is reported too and comes back after the queue's
 * visibility timeout, and after too many receives lands in the dead-letter queue.
 */
export function createDeliverWebhooksHandler(deps: DeliverWebhooksDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of event.Records) {
      try {
        const message = JSON.parse(record.body) as WebhookMessage;
        const outcome = await handleWebhookMessage(deps, message);
        if (!outcome.done) {
          await deps.queue.retryLater(record.receiptHandle, outcome.retryInSeconds);
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      } catch (error) {
        logger.error('webhook message failed', { messageId: record.messageId, error });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

/** Everything but the outbound client, which local mode's tests replace (local/app.ts). */
export function deliverWebhooksDeps(env: Readonly<Record<string, string | undefined>> = process.env): Omit<DeliverWebhooksDeps, 'http'> {
  const dynamodb = dynamoDB('background');
  const records = imageRecords(dynamodb, env);
  const baseUrl = readConfig(env).publicBaseUrl ?? '';
  return {
    store: webhookStore(dynamodb, env),
    queue: webhookQueue('background', env),
    image: async (imageId) => {
      const record = await records.get(imageId);
      if (!record) return undefined;
      return { accountId: record.accountId, state: record.state, data: toApiImage(record, baseUrl) as unknown as Record<string, unknown>, imageExpiresAt: record.imageExpiresAt };
    },
    log: logger,
  };
}

export const handler = createDeliverWebhooksHandler({ ...deliverWebhooksDeps(), http: webhookHttp() });
