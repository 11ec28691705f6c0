import { createHash, randomBytes } from 'node:crypto';
import { BadRequestError, NotFoundError } from './errors';

/**
 * Webhook endpoints and their deliveries (docs/webhooks.md): what an account registers, what is
 * kept of each delivery, the retry schedule, and the ports the adapters implement. No I/O here.
 */

export const WEBHOOK_EVENT_TYPES = ['image.ready', 'image.rejected', 'image.deleted', 'image.expired'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Endpoints one account may register. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 10;
/** Longest endpoint URL accepted (the outbound adapter's limit too). */
export const MAX_ENDPOINT_URL_LENGTH = 2048;

/**
 * Seconds to wait before each attempt, the Standard Webhooks specification's schedule: at once,
 * then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27 h in all); after the last a delivery is
 * kept as failed, for a manual redelivery.
 */
export const RETRY_SCHEDULE_SECONDS: readonly number[] = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];

/** How long a finished delivery stays in the log (the table's TTL removes it after). */
export const DELIVERY_LOG_DAYS = 30;

export interface WebhookEndpoint {
  readonly accountId: string;
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly enabled: boolean;
  /**
   * The signing secret, `whsec_<base64>`. Kept as it is (encrypted at rest by the table): an
   * HMAC is made with the key itself, so unlike an API key it cannot be kept as a hash.
   */
  readonly secret: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDelivery {
  readonly accountId: string;
  readonly endpointId: string;
  /** The message id (`webhook-id`): the same for every attempt and redelivery. */
  readonly id: string;
  readonly type: WebhookEventType;
  /** The JSON body sent, exactly the bytes that are signed. */
  readonly body: string;
  readonly createdAt: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode?: number;
  readonly lastError?: string;
  readonly lastAttemptAt?: string;
  readonly nextAttemptAt?: string;
  /** Unix seconds after which a finished delivery leaves the log. */
  readonly expiresAt?: number;
}

/** What is kept of a published image for the event of its removal (its record is gone by then). */
export interface ImageOwner {
  readonly imageId: string;
  readonly accountId: string;
  /** The image object's fields sent with `image.deleted` / `image.expired`. */
  readonly data: Readonly<Record<string, unknown>>;
  /** Unix seconds the image expires at, if it does: its removal after then is `image.expired`. */
  readonly imageExpiresAt?: number;
}

export interface DeliveryPage {
  readonly deliveries: WebhookDelivery[];
  readonly cursor?: string;
}

/** Port: endpoints, the delivery log and image owners (adapters/dynamo-webhooks.ts). */
export interface WebhookStore {
  createEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getEndpoint(accountId: string, id: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(accountId: string): Promise<WebhookEndpoint[]>;
  /** Replaces an existing endpoint; false when there is none. */
  replaceEndpoint(endpoint: WebhookEndpoint): Promise<boolean>;
  /** Removes the endpoint and its delivery log; false when there was none. */
  deleteEndpoint(accountId: string, id: string): Promise<boolean>;
  /** Writes a new delivery; false when one with its id already exists for the endpoint. */
  createDelivery(delivery: WebhookDelivery): Promise<boolean>;
  getDelivery(endpointId: string, id: string): Promise<WebhookDelivery | undefined>;
  replaceDelivery(delivery: WebhookDelivery): Promise<void>;
  /** Newest first. */
  listDeliveries(endpointId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<DeliveryPage>;
  putImageOwner(owner: ImageOwner): Promise<void>;
  imageOwner(imageId: string): Promise<ImageOwner | undefined>;
  dropImageOwner(imageId: string): Promise<void>;
  /** Whether any delivery of the account is still being tried. */
  hasPendingDeliveries(accountId: string): Promise<boolean>;
  /** Ids of the account's images with an owner item left (their removal not yet announced: the fan-out drops it); a page. */
  imageOwnerIds(accountId: string, limit: number): Promise<string[]>;
  /** Removes every endpoint, delivery and image owner of the account; returns how many items went. */
  removeAccount(accountId: string): Promise<number>;
}

/** What the queue carries: an event to fan out to an account's endpoints, or one delivery to attempt. */
export type WebhookMessage =
  | { readonly kind: 'event'; readonly type: 'image.ready' | 'image.rejected' | 'image.deleted'; readonly imageId: string; readonly at: number }
  | { readonly kind: 'delivery'; readonly accountId: string; readonly endpointId: string; readonly deliveryId: string };

/** Port: the delivery queue (SQS on AWS, local/webhook-queue.ts locally). */
export interface WebhookQueue {
  send(message: WebhookMessage, delaySeconds?: number): Promise<void>;
}

export class WebhookEndpointNotFoundError extends NotFoundError {
  constructor() {
    super('Webhook endpoint not found');
  }
}

export function newEndpointId(): string {
  return `ep_${randomBytes(12).toString('base64url')}`;
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The message id of an event: one per event and image, so an event emitted twice is delivered once per endpoint. */
export function eventMessageId(type: WebhookEventType, imageId: string): string {
  return `msg_${createHash('sha256').update(`${type}\n${imageId}`).digest('base64url').slice(0, 27)}`;
}

/** The URL rule checked at registration (the outbound adapter checks it again, with the address, at each delivery). */
export function checkedEndpointUrl(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0) throw new BadRequestError('url must be an https:// URL');
  if (raw.length > MAX_ENDPOINT_URL_LENGTH) throw new BadRequestError(`url must be at most ${MAX_ENDPOINT_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestError('url must be an https:// URL');
  }
  if (url.protocol !== 'https:') throw new BadRequestError('url must be an https:// URL');
  if (url.username || url.password) throw new BadRequestError('url must not carry a user name or password');
  if (url.hash) throw new BadRequestError('url must not have a fragment');
  return url.href;
}

export function checkedEvents(raw: unknown): WebhookEventType[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new BadRequestError(`events must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  const events: WebhookEventType[] = [];
  for (const event of raw) {
    if (!WEBHOOK_EVENT_TYPES.includes(event as WebhookEventType)) throw new BadRequestError(`Unknown event type: ${String(event).slice(0, 40)}`);
    if (!events.includes(event as WebhookEventType)) events.push(event as WebhookEventType);
  }
  return events;
}

export interface EndpointChanges {
  readonly url?: string;
  readonly events?: WebhookEventType[];
  readonly enabled?: boolean;
}

/** The fields of a create (`requireAll`) or update body; unknown fields are refused. */
export function parseEndpointBody(body: unknown, requireAll: boolean): EndpointChanges {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('The body must be a JSON object');
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!['url', 'events', 'enabled'].includes(name)) throw new BadRequestError(`Unknown field: ${name.slice(0, 40)}`);
  }
  if (requireAll && fields.url === undefined) throw new BadRequestError('url is required');
  if (requireAll && fields.events === undefined) throw new BadRequestError('events is required');
  if (fields.enabled !== undefined && typeof fields.enabled !== 'boolean') throw new BadRequestError('enabled must be true or false');
  if (!requireAll && Object.keys(fields).length === 0) throw new BadRequestError('Nothing to change: give url, events or enabled');
  return {
    ...(fields.url !== undefined ? { url: checkedEndpointUrl(fields.url) } : {}),
    ...(fields.events !== undefined ? { events: checkedEvents(fields.events) } : {}),
    ...(fields.enabled !== undefined ? { enabled: fields.enabled as boolean } : {}),
  };
}

/** The endpoint in the API, its secret only when just made or rotated. */
export function toApiEndpoint(endpoint: WebhookEndpoint, withSecret = false): Record<string, unknown> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: [...endpoint.events],
    enabled: endpoint.enabled,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
    ...(withSecret ? { secret: endpoint.secret } : {}),
  };
}

export function toApiDelivery(delivery: WebhookDelivery): Record<string, unknown> {
  return {
    id: delivery.id,
    type: delivery.type,
    status: delivery.status,
    attempts: delivery.attempts,
    created_at: delivery.createdAt,
    last_attempt_at: delivery.lastAttemptAt ?? null,
    last_status_code: delivery.lastStatusCode ?? null,
    last_error: delivery.lastError ?? null,
    next_attempt_at: delivery.nextAttemptAt ?? null,
  };
}

/** The body of an event, as the Standard Webhooks specification recommends: type, timestamp, data. */
export function eventBody(type: WebhookEventType, atMs: number, data: Readonly<Record<string, unknown>>): string {
  return JSON.stringify({ type, timestamp: new Date(atMs).toISOString(), data });
}
