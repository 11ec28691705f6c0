import { Webhook } from 'standardwebhooks';
import { HttpError } from './errors';
import type { Log } from './images';
import { OutboundRequestError, type PublicHttp } from './outbound';
import {
  DELIVERY_LOG_DAYS,
  eventBody,
  eventMessageId,
  type ImageOwner,
  RETRY_SCHEDULE_SECONDS,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
  type WebhookMessage,
  type WebhookQueue,
  type WebhookStore,
} from './webhooks';

/**
 * Delivery of webhooks (docs/webhooks.md): an event is fanned out to the account's endpoints
 * that want it (one delivery each, with a message id of its own per event, so an event emitted
 * twice is delivered once), and each delivery is attempted, signed as the Standard Webhooks
 * specification says, until its endpoint answers 2xx or the retry schedule is spent.
 */

/** The image an event is about, as the worker reads it (the images table). */
export interface EventImage {
  readonly accountId: string;
  readonly state: string;
  /** The image object of the API (core/images.ts toApiImage). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly imageExpiresAt?: number;
}

export interface WebhookDeliveryDeps {
  readonly store: WebhookStore;
  readonly queue: WebhookQueue;
  readonly http: PublicHttp;
  /** The image of `image.ready` / `image.rejected` events, undefined once it is gone. */
  readonly image: (imageId: string) => Promise<EventImage | undefined>;
  readonly log: Pick<Log, 'warn'>;
  readonly now?: () => number;
  /** Seconds before each attempt; the specification's by default (tests use their own clock instead of minutes). */
  readonly schedule?: readonly number[];
}

/** Time for one attempt: connection, request and answer. */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/** The most of an endpoint's answer read (and kept: nothing but its status). */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** What became of one queue message: done (delete it), or try again after `retryInSeconds`. */
export type MessageOutcome = { readonly done: true } | { readonly done: false; readonly retryInSeconds: number };

const DONE: MessageOutcome = { done: true };

export async function handleWebhookMessage(deps: WebhookDeliveryDeps, message: WebhookMessage): Promise<MessageOutcome> {
  if (message.kind === 'event') {
    await fanOut(deps, message);
    return DONE;
  }
  return attempt(deps, message);
}

/** The event's account, type and data, or undefined when there is nothing to announce. */
async function resolveEvent(
  deps: WebhookDeliveryDeps,
  message: Extract<WebhookMessage, { kind: 'event' }>,
): Promise<{ accountId: string; type: WebhookEventType; data: Readonly<Record<string, unknown>> } | undefined> {
  if (message.type === 'image.deleted') {
    // The record is gone by now (the object goes first): what the ready event kept of it says whose it was.
    const owner = await deps.store.imageOwner(message.imageId);
    if (!owner) return undefined;
    const expired = owner.imageExpiresAt !== undefined && owner.imageExpiresAt * 1000 <= message.at;
    return { accountId: owner.accountId, type: expired ? 'image.expired' : 'image.deleted', data: owner.data };
  }
  const image = await deps.image(message.imageId);
  const wanted = message.type === 'image.ready' ? 'ready' : 'rejected';
  if (!image || image.state !== wanted) return undefined;
  if (message.type === 'image.ready') {
    const owner: ImageOwner = { imageId: message.imageId, accountId: image.accountId, data: removalData(image.data), imageExpiresAt: image.imageExpiresAt };
    await deps.store.putImageOwner(owner);
  }
  return { accountId: image.accountId, type: message.type, data: image.data };
}

/** What `image.deleted` carries: the image's identity and the app's own fields, not its (dead) URL. */
function removalData(image: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { url: _url, ...rest } = image;
  return rest;
}

async function fanOut(deps: WebhookDeliveryDeps, message: Extract<WebhookMessage, { kind: 'event' }>): Promise<void> {
  const event = await resolveEvent(deps, message);
  // Gone before it was announced, or not (any longer) in the state the event says.
  if (!event) return;
  const endpoints = (await deps.store.listEndpoints(event.accountId)).filter((endpoint) => endpoint.enabled && endpoint.events.includes(event.type));
  const id = eventMessageId(event.type, message.imageId);
  const body = eventBody(event.type, message.at, { ...event.data, id: message.imageId });
  const createdAt = new Date(deps.now?.() ?? Date.now()).toISOString();
  for (const endpoint of endpoints) {
    const delivery: WebhookDelivery = { accountId: event.accountId, endpointId: endpoint.id, id, type: event.type, body, createdAt, status: 'pending', attempts: 0 };
    const created = await deps.store.createDelivery(delivery);
    // A repeated event whose first fan-out stopped before sending sends again (at least once).
    const existing = created ? delivery : await deps.store.getDelivery(endpoint.id, id);
    if (existing && existing.status === 'pending' && existing.attempts === 0) {
      await deps.queue.send({ kind: 'delivery', accountId: event.accountId, endpointId: endpoint.id, deliveryId: id });
    }
  }
  if (message.type === 'image.deleted') await deps.store.dropImageOwner(message.imageId);
}

/** The three headers of the Standard Webhooks specification for one attempt. */
export function signedHeaders(secret: string, id: string, atMs: number, body: string): Record<string, string> {
  const timestamp = new Date(Math.floor(atMs / 1000) * 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
  };
}

async function attempt(deps: WebhookDeliveryDeps, message: Extract<WebhookMessage, { kind: 'delivery' }>): Promise<MessageOutcome> {
  const delivery = await deps.store.getDelivery(message.endpointId, message.deliveryId);
  // Settled already (a duplicate message), or removed with its endpoint.
  if (!delivery || delivery.status !== 'pending') return DONE;
  const endpoint = await deps.store.getEndpoint(message.accountId, message.endpointId);
  if (!endpoint) return DONE;
  const nowMs = deps.now?.() ?? Date.now();
  const at = new Date(nowMs).toISOString();
  if (!endpoint.enabled) {
    await deps.store.replaceDelivery(settled(delivery, { status: 'failed', lastError: 'The endpoint is disabled', lastAttemptAt: at }, nowMs));
    return DONE;
  }
  const result = await post(deps.http, endpoint, delivery, nowMs);
  const attempts = delivery.attempts + 1;
  if (result.ok) {
    await deps.store.replaceDelivery(settled(delivery, { status: 'succeeded', attempts, lastStatusCode: result.status, lastError: undefined, lastAttemptAt: at }, nowMs));
    return DONE;
  }
  const schedule = deps.schedule ?? RETRY_SCHEDULE_SECONDS;
  const failure = { attempts, lastStatusCode: result.status, lastError: result.error, lastAttemptAt: at };
  if (attempts >= schedule.length) {
    deps.log.warn('webhook delivery failed after every retry', { endpointId: endpoint.id, deliveryId: delivery.id, attempts });
    await deps.store.replaceDelivery(settled(delivery, { status: 'failed', ...failure }, nowMs));
    return DONE;
  }
  const retryInSeconds = schedule[attempts];
  await deps.store.replaceDelivery({ ...delivery, ...failure, nextAttemptAt: new Date(nowMs + retryInSeconds * 1000).toISOString() });
  return { done: false, retryInSeconds };
}

function settled(delivery: WebhookDelivery, changes: Partial<WebhookDelivery>, nowMs: number): WebhookDelivery {
  return { ...delivery, ...changes, nextAttemptAt: undefined, expiresAt: Math.floor(nowMs / 1000) + DELIVERY_LOG_DAYS * 86_400 };
}

async function post(http: PublicHttp, endpoint: WebhookEndpoint, delivery: WebhookDelivery, nowMs: number): Promise<{ ok: boolean; status?: number; error?: string }> {
  try {
    const response = await http.request({
      url: endpoint.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(endpoint.secret, delivery.id, nowMs, delivery.body) },
      body: delivery.body,
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMs: ATTEMPT_TIMEOUT_MS,
      // A webhook is not followed anywhere: a redirect is an answer that is not 2xx.
      maxRedirects: 0,
    });
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, ...(ok ? {} : { error: `The endpoint answered ${response.status}` }) };
  } catch (error) {
    if (error instanceof OutboundRequestError) return { ok: false, error: error.message };
    throw error;
  }
}

export class DeliveryNotFoundError extends HttpError {
  constructor() {
    super(404, 'Delivery not found');
  }
}

export class DeliveryPendingError extends HttpError {
  constructor() {
    super(409, 'The delivery is still being tried');
  }
}

/** A failed (or succeeded) delivery tried again from the start of the schedule, with the endpoint's current secret. */
export async function redeliver(
  deps: Pick<WebhookDeliveryDeps, 'store' | 'queue' | 'now'>,
  accountId: string,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  const delivery = await deps.store.getDelivery(endpointId, deliveryId);
  if (!delivery || delivery.accountId !== accountId) throw new DeliveryNotFoundError();
  if (delivery.status === 'pending') throw new DeliveryPendingError();
  const again: WebhookDelivery = { ...delivery, status: 'pending', attempts: 0, expiresAt: undefined, nextAttemptAt: new Date(deps.now?.() ?? Date.now()).toISOString() };
  await deps.store.replaceDelivery(again);
  await deps.queue.send({ kind: 'delivery', accountId, endpointId, deliveryId });
  return again;
}
