import { accountOf, type UserAccountStore } from './core/account-keys';
import { parseLimit } from './core/cursor';
import { HttpError } from './core/errors';
import { redeliver } from './core/webhook-delivery';
import { checkedDeliveryId, ownEndpoint } from './core/webhook-endpoints';
import { toApiDelivery, type WebhookQueue, type WebhookStore } from './core/webhooks';
import { webhookQueue, webhookStore } from './runtime/webhook-wiring';
import { dynamoDB, userAccounts } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { success } from './transport/http';
import { sessionHandler } from './transport/session-handler';

export interface WebhookDeliveriesDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly store: WebhookStore;
  readonly queue: WebhookQueue;
  readonly now?: () => number;
}

const NO_STORE = { 'Cache-Control': 'no-store' };

/**
 * An endpoint's delivery log (GET /api/account/webhooks/{endpoint_id}/deliveries, newest first,
 * paged by `cursor`) and a manual redelivery of one delivery
 * (POST .../deliveries/{delivery_id}/redeliver: 202, tried again from the start of the schedule).
 */
export function createWebhookDeliveriesHandler(deps: WebhookDeliveriesDeps): ApiHandler {
  return sessionHandler(async (event, user) => {
    const nowMs = deps.now?.() ?? Date.now();
    const { accountId } = await accountOf(deps.accounts, user, new Date(nowMs));
    const endpoint = await ownEndpoint(deps.store, accountId, event.pathParameters?.endpoint_id);
    if (event.httpMethod === 'GET') {
      const query = event.queryStringParameters ?? {};
      const limit = parseLimit(query.limit ?? undefined);
      const page = await deps.store.listDeliveries(endpoint.id, { limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
      return success(200, { deliveries: page.deliveries.map(toApiDelivery), next_cursor: page.cursor ?? null }, NO_STORE);
    }
    if (event.httpMethod === 'POST') {
      const deliveryId = checkedDeliveryId(event.pathParameters?.delivery_id);
      const again = await redeliver(deps, accountId, endpoint.id, deliveryId);
      return success(202, toApiDelivery(again), NO_STORE);
    }
    throw new HttpError(405, 'Method not allowed');
  });
}

const dynamodb = dynamoDB();

export const handler = createWebhookDeliveriesHandler({ accounts: userAccounts(dynamodb), store: webhookStore(dynamodb), queue: webhookQueue('api') });
