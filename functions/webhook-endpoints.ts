import type { APIGatewayProxyEvent } from 'aws-lambda';
import { accountOf, type UserAccountStore } from './core/account-keys';
import { parseLimit } from './core/cursor';
import { HttpError } from './core/errors';
import { redeliver } from './core/webhook-delivery';
import { checkedDeliveryId, createEndpoint, deleteEndpoint, type HostCheck, ownEndpoint, rotateSecret, updateEndpoint } from './core/webhook-endpoints';
import { toApiDelivery, toApiEndpoint, type WebhookQueue, type WebhookStore } from './core/webhooks';
import { webhookHostCheck } from './runtime/outbound-wiring';
import { webhookQueue } from './runtime/webhook-wiring';
import { dynamoDB, userAccounts, webhookStore } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';
import { apiPathPrefix } from './transport/request';
import { sessionHandler } from './transport/session-handler';

export interface WebhookEndpointsDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly store: WebhookStore;
  /** The public-address rule for the endpoint's URL at registration. */
  readonly checkHost: HostCheck;
  /** Where a redelivery is queued. */
  readonly queue: WebhookQueue;
  readonly now?: () => Date;
}

const BODY = { notJson: 'Send the endpoint as a JSON object', notObject: 'Send the endpoint as a JSON object' };
const NO_STORE = { 'Cache-Control': 'no-store' };

/**
 * The account's webhooks (docs/webhooks.md), one function for all seven routes (a small
 * reservation, docs/quotas.md): GET and POST /api/account/webhooks, PATCH and DELETE
 * /api/account/webhooks/{endpoint_id}, POST .../{endpoint_id}/secret (rotate), GET
 * .../{endpoint_id}/deliveries (the log, newest first, paged by `cursor`) and POST
 * .../deliveries/{delivery_id}/redeliver. The secret is in the answers of create and rotate only.
 */
export function createWebhookEndpointsHandler(deps: WebhookEndpointsDeps): ApiHandler {
  return sessionHandler(async (event, user) => {
    const now = deps.now?.() ?? new Date();
    const { accountId } = await accountOf(deps.accounts, user, now);
    const id = event.pathParameters?.endpoint_id;
    switch (`${event.httpMethod} ${event.resource}`) {
      case 'GET /api/account/webhooks': {
        const endpoints = await deps.store.listEndpoints(accountId);
        return success(200, { endpoints: endpoints.map((endpoint) => toApiEndpoint(endpoint)) }, NO_STORE);
      }
      case 'POST /api/account/webhooks': {
        const endpoint = await createEndpoint(deps.store, deps.checkHost, accountId, jsonBody(event, BODY), now);
        return success(201, toApiEndpoint(endpoint, true), { ...NO_STORE, Location: `${apiPathPrefix(event)}/api/account/webhooks/${endpoint.id}` });
      }
      case 'PATCH /api/account/webhooks/{endpoint_id}':
        return success(200, toApiEndpoint(await updateEndpoint(deps.store, deps.checkHost, accountId, id, jsonBody(event, BODY), now)), NO_STORE);
      case 'DELETE /api/account/webhooks/{endpoint_id}':
        await deleteEndpoint(deps.store, accountId, id);
        return { statusCode: 204, headers: NO_STORE, body: '' };
      case 'POST /api/account/webhooks/{endpoint_id}/secret':
        return success(200, toApiEndpoint(await rotateSecret(deps.store, accountId, id, now), true), NO_STORE);
      case 'GET /api/account/webhooks/{endpoint_id}/deliveries':
        return deliveryLog(deps, event, accountId);
      case 'POST /api/account/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver': {
        const endpoint = await ownEndpoint(deps.store, accountId, id);
        const again = await redeliver({ ...deps, now: () => now.getTime() }, accountId, endpoint.id, checkedDeliveryId(event.pathParameters?.delivery_id));
        return success(202, toApiDelivery(again), NO_STORE);
      }
      default:
        throw new HttpError(405, 'Method not allowed');
    }
  });
}

async function deliveryLog(deps: WebhookEndpointsDeps, event: APIGatewayProxyEvent, accountId: string) {
  const endpoint = await ownEndpoint(deps.store, accountId, event.pathParameters?.endpoint_id);
  const query = event.queryStringParameters ?? {};
  const limit = parseLimit(query.limit ?? undefined);
  const page = await deps.store.listDeliveries(endpoint.id, { limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  return success(200, { deliveries: page.deliveries.map(toApiDelivery), next_cursor: page.cursor ?? null }, NO_STORE);
}

/** Everything but the registration's host check, which local mode's tests replace (local/app.ts). */
export function webhookEndpointsDeps(): Omit<WebhookEndpointsDeps, 'checkHost'> {
  const dynamodb = dynamoDB();
  return { accounts: userAccounts(dynamodb), store: webhookStore(dynamodb), queue: webhookQueue('api') };
}

export const handler = createWebhookEndpointsHandler({ ...webhookEndpointsDeps(), checkHost: webhookHostCheck() });
