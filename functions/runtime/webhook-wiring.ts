import { SQSClient } from '@aws-sdk/client-sqs';
import { API_CLIENT_OPTIONS, BACKGROUND_CLIENT_OPTIONS } from '../adapters/client-options';
import { SqsWebhookQueue } from '../adapters/sqs-webhook-queue';
import { requireString } from '../core/config';

/**
 * Webhooks' wiring (docs/webhooks.md), apart from functions/runtime/wiring.ts so that only the
 * functions that send webhook messages load the SQS client (the store is in wiring.ts: account
 * deletion reads it too; the outbound client in outbound-wiring.ts). Resource names are read here.
 */
type Env = Readonly<Record<string, string | undefined>>;

/** The delivery queue (WEBHOOK_QUEUE_URL: SQS on AWS, local/webhook-queue.ts locally). */
export function webhookQueue(use: 'api' | 'background' = 'background', env: Env = process.env): SqsWebhookQueue {
  return new SqsWebhookQueue(new SQSClient(use === 'api' ? API_CLIENT_OPTIONS : BACKGROUND_CLIENT_OPTIONS), requireString(env, 'WEBHOOK_QUEUE_URL'));
}
