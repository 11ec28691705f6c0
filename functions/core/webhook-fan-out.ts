import { eventBody, eventMessageId, type ImageOwner, type WebhookDelivery, type WebhookEventType, type WebhookMessage, type WebhookQueue, type WebhookStore } from './webhooks';

/**
 * The fan-out of an event (docs/webhooks.md): one delivery per endpoint of the account that wants
 * it, each with the event's own message id (an event emitted twice is delivered once), and its
 * first attempt queued. The worker does it for queued events; an account's deletion does it for
 * the removals of its images still unannounced (core/account-erasure-steps.ts).
 */

/** The image an event is about, as the worker reads it (the images table). */
export interface EventImage {
  readonly accountId: string;
  readonly state: string;
  /** The image object of the API (core/images.ts toApiImage). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly imageExpiresAt?: number;
}

/** What announcing a removal needs: the image's owner item says whose it was. */
export interface RemovalDeps {
  readonly store: WebhookStore;
  readonly queue: WebhookQueue;
  readonly now?: () => number;
}

export interface FanOutDeps extends RemovalDeps {
  /** The image of `image.ready` / `image.rejected` events, undefined once it is gone. */
  readonly image: (imageId: string) => Promise<EventImage | undefined>;
}

type ResolvedEvent = { readonly accountId: string; readonly type: WebhookEventType; readonly data: Readonly<Record<string, unknown>> };

/** The event's account, type and data, or undefined when there is nothing to announce. */
async function resolveEvent(
  deps: FanOutDeps,
  message: Extract<WebhookMessage, { kind: 'event' }>,
): Promise<ResolvedEvent | undefined> {
  if (message.type === 'image.deleted') return removedEvent(deps.store, message.imageId, message.at);
  const image = await deps.image(message.imageId);
  const wanted = message.type === 'image.ready' ? 'ready' : 'rejected';
  if (!image || image.state !== wanted) return undefined;
  if (message.type === 'image.ready') {
    const owner: ImageOwner = { imageId: message.imageId, accountId: image.accountId, data: removalData(image.data), imageExpiresAt: image.imageExpiresAt };
    await deps.store.putImageOwner(owner);
  }
  return { accountId: image.accountId, type: message.type, data: image.data };
}

/** `image.deleted` (or `image.expired`): the record is gone by now (the object goes first), so what the ready event kept of it says whose it was. */
async function removedEvent(store: WebhookStore, imageId: string, at: number): Promise<ResolvedEvent | undefined> {
  const owner = await store.imageOwner(imageId);
  if (!owner) return undefined;
  const expired = owner.imageExpiresAt !== undefined && owner.imageExpiresAt * 1000 <= at;
  return { accountId: owner.accountId, type: expired ? 'image.expired' : 'image.deleted', data: owner.data };
}

/** What `image.deleted` carries: the image's identity and the app's own fields, not its (dead) URL. */
function removalData(image: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { url: _url, ...rest } = image;
  return rest;
}

/** A queued event: its deliveries made and their first attempts queued. */
export async function fanOut(deps: FanOutDeps, message: Extract<WebhookMessage, { kind: 'event' }>): Promise<void> {
  const event = await resolveEvent(deps, message);
  // Gone before it was announced, or not (any longer) in the state the event says.
  if (event) await deliverToEndpoints(deps, event, message.imageId, message.at);
  if (message.type === 'image.deleted') await deps.store.dropImageOwner(message.imageId);
}

/**
 * An image's removal announced without its queued event: what an account's deletion does for
 * the owners still left of its images (an event lost on its way is announced all the same; one
 * that arrives later finds no owner and does nothing). Idempotent, like the fan-out.
 */
export async function announceRemoval(deps: RemovalDeps, imageId: string, at: number): Promise<void> {
  const event = await removedEvent(deps.store, imageId, at);
  if (event) await deliverToEndpoints(deps, event, imageId, at);
  await deps.store.dropImageOwner(imageId);
}

async function deliverToEndpoints(deps: RemovalDeps, event: ResolvedEvent, imageId: string, at: number): Promise<void> {
  const endpoints = (await deps.store.listEndpoints(event.accountId)).filter((endpoint) => endpoint.enabled && endpoint.events.includes(event.type));
  const id = eventMessageId(event.type, imageId);
  const body = eventBody(event.type, at, { ...event.data, id: imageId });
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
}
