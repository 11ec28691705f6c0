import { WEBHOOKS_TABLE_SCHEMA } from './adapters/table-schemas';
import { ACCOUNT, API_FUNCTION, type FunctionDefinition, index, table, WEBHOOK_SEND } from './function-definition';

/**
 * The function table's entries for webhooks (docs/webhooks.md): the account routes of endpoints
 * and deliveries, and the delivery worker behind the webhook queue. Part of `FUNCTIONS`
 * (functions/function-table.ts) like any other entry.
 */
export const WEBHOOK_FUNCTIONS = {
  // All seven account routes of webhooks in one function, called from the console now and then:
  // unreserved, so the total stays at most 500 (docs/quotas.md).
  WebhookEndpoints: {
    file: 'webhook-endpoints',
    description: 'GET /api/account/webhooks (and the other endpoint, secret, delivery-log and redelivery routes)',
    ...API_FUNCTION,
    reservedConcurrency: 'unreserved',
    settings: 'none',
    grants: [
      table('keys', ...ACCOUNT),
      table('webhooks', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'),
      index('webhooks', WEBHOOKS_TABLE_SCHEMA.byEndpointIndex.name),
      // A redelivery is queued.
      WEBHOOK_SEND,
    ],
  },
  // Fans events out to endpoints and attempts deliveries (at least once, the retry schedule by
  // message visibility). Outbound HTTPS to the endpoints, public addresses only.
  DeliverWebhooks: {
    file: 'deliver-webhooks',
    description: 'Delivers webhooks (SQS: the webhook queue)',
    trigger: { type: 'queue', batchSize: 10, maxReceives: 12 },
    // Ten attempts of at most 15 s each, one after the other.
    timeoutSeconds: 180,
    memoryMb: 512,
    // The event source's concurrency is capped at the same two (lib/functions.ts): SQS pollers
    // beyond the reservation would be throttled, and a throttled batch counts as a receive.
    reservedConcurrency: 2,
    settings: ['IMAGER_PUBLIC_BASE_URL'],
    grants: [table('images', 'dynamodb:GetItem'), table('webhooks', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'), WEBHOOK_SEND],
  },
} as const satisfies Readonly<Record<string, FunctionDefinition>>;
