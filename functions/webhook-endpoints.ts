import type { APIGatewayProxyEvent } from 'aws-lambda';
import { accountOf, type UserAccountStore } from './core/account-keys';
import { HttpError } from './core/errors';
import { createEndpoint, deleteEndpoint, type HostCheck, rotateSecret, updateEndpoint } from './core/webhook-endpoints';
import { toApiEndpoint, type WebhookStore } from './core/webhooks';
import { webhookHostCheck, webhookStore } from './runtime/webhook-wiring';
import { dynamoDB, userAccounts } from './runtime/wiring';
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
  readonly now?: () => Date;
}

const BODY = { notJson: 'Send the endpoint as a JSON object', notObject: 'Send the endpoint as a JSON object' };
const NO_STORE = { 'Cache-Control': 'no-store' };

function routeOf(event: APIGatewayProxyEvent): string {
  return `${event.httpMethod} ${event.resource}`;
}

/**
 * The account's webhook endpoints (docs/webhooks.md): GET and POST /api/account/webhooks,
 * PATCH and DELETE /api/account/webhooks/{endpoint_id}, POST .../{endpoint_id}/secret (rotate).
 * The secret is in the answers of create and rotate only.
 */
export function createWebhookEndpointsHandler(deps: WebhookEndpointsDeps): ApiHandler {
  return sessionHandler(async (event, user) => {
    const now = deps.now?.() ?? new Date();
    const { accountId } = await accountOf(deps.accounts, user, now);
    const id = event.pathParameters?.endpoint_id;
    switch (routeOf(event)) {
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
      default:
        throw new HttpError(405, 'Method not allowed');
    }
  });
}

/** Everything but the registration's host check, which local mode's tests replace (local/app.ts). */
export function webhookEndpointsDeps(): Omit<WebhookEndpointsDeps, 'checkHost'> {
  const dynamodb = dynamoDB();
  return { accounts: userAccounts(dynamodb), store: webhookStore(dynamodb) };
}

export const handler = createWebhookEndpointsHandler({ ...webhookEndpointsDeps(), checkHost: webhookHostCheck() });
