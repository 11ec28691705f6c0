import { BadRequestError, HttpError } from './errors';
import { OutboundRequestError } from './outbound';
import {
  MAX_ENDPOINTS_PER_ACCOUNT,
  newEndpointId,
  newWebhookSecret,
  parseEndpointBody,
  type WebhookEndpoint,
  WebhookEndpointNotFoundError,
  type WebhookStore,
} from './webhooks';

/** The account's endpoint operations behind the account API (docs/webhooks.md). */

export class TooManyEndpointsError extends HttpError {
  constructor() {
    super(409, `An account can register at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints`);
  }
}

const ENDPOINT_ID = /^ep_[A-Za-z0-9_-]{16}$/;

export function checkedEndpointId(raw: unknown): string {
  if (typeof raw !== 'string' || !ENDPOINT_ID.test(raw)) throw new WebhookEndpointNotFoundError();
  return raw;
}

/** Port: the public-address rule at registration (adapters/public-host-check.ts); throws an `OutboundRequestError`. */
export type HostCheck = (url: string) => Promise<void>;

/** The URL's host, checked against the public-address rule now; a refusal is the client's 400. */
async function publicUrl(checkHost: HostCheck, url: string): Promise<string> {
  try {
    await checkHost(url);
  } catch (error) {
    if (error instanceof OutboundRequestError) throw new BadRequestError(`url: ${error.message}`);
    throw error;
  }
  return url;
}

export async function createEndpoint(store: WebhookStore, checkHost: HostCheck, accountId: string, body: unknown, now: Date): Promise<WebhookEndpoint> {
  const fields = parseEndpointBody(body, true);
  await publicUrl(checkHost, fields.url!);
  if ((await store.listEndpoints(accountId)).length >= MAX_ENDPOINTS_PER_ACCOUNT) throw new TooManyEndpointsError();
  const at = now.toISOString();
  const endpoint: WebhookEndpoint = {
    accountId,
    id: newEndpointId(),
    url: fields.url!,
    events: fields.events!,
    enabled: fields.enabled ?? true,
    secret: newWebhookSecret(),
    createdAt: at,
    updatedAt: at,
  };
  await store.createEndpoint(endpoint);
  return endpoint;
}

export async function ownEndpoint(store: WebhookStore, accountId: string, id: unknown): Promise<WebhookEndpoint> {
  const endpoint = await store.getEndpoint(accountId, checkedEndpointId(id));
  if (!endpoint) throw new WebhookEndpointNotFoundError();
  return endpoint;
}

export async function updateEndpoint(store: WebhookStore, checkHost: HostCheck, accountId: string, id: unknown, body: unknown, now: Date): Promise<WebhookEndpoint> {
  const changes = parseEndpointBody(body, false);
  const endpoint = await ownEndpoint(store, accountId, id);
  if (changes.url !== undefined) await publicUrl(checkHost, changes.url);
  const updated: WebhookEndpoint = { ...endpoint, ...changes, updatedAt: now.toISOString() };
  if (!(await store.replaceEndpoint(updated))) throw new WebhookEndpointNotFoundError();
  return updated;
}

/** A new secret; every attempt from now on (retries of older deliveries included) is signed with it only. */
export async function rotateSecret(store: WebhookStore, accountId: string, id: unknown, now: Date): Promise<WebhookEndpoint> {
  const endpoint = await ownEndpoint(store, accountId, id);
  const rotated: WebhookEndpoint = { ...endpoint, secret: newWebhookSecret(), updatedAt: now.toISOString() };
  if (!(await store.replaceEndpoint(rotated))) throw new WebhookEndpointNotFoundError();
  return rotated;
}

export async function deleteEndpoint(store: WebhookStore, accountId: string, id: unknown): Promise<void> {
  if (!(await store.deleteEndpoint(accountId, checkedEndpointId(id)))) throw new WebhookEndpointNotFoundError();
}

const DELIVERY_ID = /^msg_[A-Za-z0-9_-]{27}$/;

export function checkedDeliveryId(raw: unknown): string {
  if (typeof raw !== 'string' || !DELIVERY_ID.test(raw)) throw new BadRequestError('Invalid delivery id');
  return raw;
}
