import { Webhook } from 'standardwebhooks';
import { HttpError } from './errors';
import type { Log } from './images';
import { OutboundRequestError, type PublicHttp } from './outbound';
import { type FanOutDeps, fanOut } from './webhook-fan-out';
import {
  DELIVERY_LOG_DAYS,
  RETRY_SCHEDULE_SECONDS,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookMessage,
} from './webhooks';

/**
 * Delivery of webhooks (docs/webhooks.md): an event is fanned out to the account's endpoints
 * that want it (one delivery each, with a message id of its own per event, so an event emitted
 * twice is delivered once), and each delivery is attempted, signed as the Standard Webhooks
 * specification says, until its endpoint answers 2xx or the retry schedule is spent.
 */

export interface WebhookDeliveryDeps extends FanOutDeps {
  readonly http: PublicHttp;
  readonly log: Pick<Log, 'warn'>;
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
