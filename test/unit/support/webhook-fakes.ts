import type { SQSEvent } from 'aws-lambda';
import type { DeliveryPage, ImageOwner, WebhookDelivery, WebhookEndpoint, WebhookMessage, WebhookStore } from '../../../functions/core/webhooks';

/** The webhook store in memory, with the adapter's semantics (conditional creates, newest-first log, pending). */
export class MemoryWebhookStore implements WebhookStore {
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly deliveries = new Map<string, WebhookDelivery>();
  readonly owners = new Map<string, ImageOwner>();

  async createEndpoint(endpoint: WebhookEndpoint) {
    this.endpoints.set(endpoint.id, endpoint);
  }
  async getEndpoint(accountId: string, id: string) {
    const endpoint = this.endpoints.get(id);
    return endpoint?.accountId === accountId ? endpoint : undefined;
  }
  async listEndpoints(accountId: string) {
    return [...this.endpoints.values()].filter((endpoint) => endpoint.accountId === accountId);
  }
  async replaceEndpoint(endpoint: WebhookEndpoint) {
    if (!this.endpoints.has(endpoint.id)) return false;
    this.endpoints.set(endpoint.id, endpoint);
    return true;
  }
  async deleteEndpoint(accountId: string, id: string) {
    const had = (await this.getEndpoint(accountId, id)) !== undefined;
    this.endpoints.delete(id);
    for (const key of [...this.deliveries.keys()]) if (key.startsWith(`${id}/`)) this.deliveries.delete(key);
    return had;
  }
  async createDelivery(delivery: WebhookDelivery) {
    const key = `${delivery.endpointId}/${delivery.id}`;
    if (this.deliveries.has(key)) return false;
    this.deliveries.set(key, delivery);
    return true;
  }
  async getDelivery(endpointId: string, id: string) {
    return this.deliveries.get(`${endpointId}/${id}`);
  }
  async replaceDelivery(delivery: WebhookDelivery) {
    this.deliveries.set(`${delivery.endpointId}/${delivery.id}`, delivery);
  }
  async listDeliveries(endpointId: string, page: { limit: number; cursor?: string }): Promise<DeliveryPage> {
    const all = [...this.deliveries.values()].filter((d) => d.endpointId === endpointId).sort((a, b) => `${b.createdAt}#${b.id}`.localeCompare(`${a.createdAt}#${a.id}`));
    const start = page.cursor ? all.findIndex((d) => `${d.createdAt}#${d.id}` === page.cursor) + 1 : 0;
    const deliveries = all.slice(start, start + page.limit);
    return { deliveries, ...(start + page.limit < all.length ? { cursor: `${deliveries.at(-1)!.createdAt}#${deliveries.at(-1)!.id}` } : {}) };
  }
  async putImageOwner(owner: ImageOwner) {
    this.owners.set(owner.imageId, owner);
  }
  async imageOwner(imageId: string) {
    return this.owners.get(imageId);
  }
  async dropImageOwner(imageId: string) {
    this.owners.delete(imageId);
  }
  async hasPendingDeliveries(accountId: string) {
    return [...this.deliveries.values()].some((d) => d.accountId === accountId && d.status === 'pending');
  }
  async imageOwnerIds(accountId: string, limit: number) {
    return [...this.owners.values()].filter((owner) => owner.accountId === accountId).slice(0, limit).map((owner) => owner.imageId);
  }
  async removeAccount(accountId: string) {
    let removed = 0;
    for (const endpoint of await this.listEndpoints(accountId)) {
      removed += [...this.deliveries.keys()].filter((key) => key.startsWith(`${endpoint.id}/`)).length + 1;
      await this.deleteEndpoint(accountId, endpoint.id);
    }
    for (const [id, owner] of this.owners) if (owner.accountId === accountId && this.owners.delete(id)) removed += 1;
    return removed;
  }
}

/** The queue: what was sent (with its delay), and the visibility each received message was given. */
export class MemoryWebhookQueue {
  readonly sent: { message: WebhookMessage; delaySeconds: number }[] = [];
  readonly laters: { receiptHandle: string; seconds: number }[] = [];
  async send(message: WebhookMessage, delaySeconds = 0) {
    this.sent.push({ message, delaySeconds });
  }
  async retryLater(receiptHandle: string, seconds: number) {
    this.laters.push({ receiptHandle, seconds });
  }
  /** Takes every sent message out, as one SQS batch. */
  drain(): SQSEvent {
    const batch = this.sent.splice(0);
    return { Records: batch.map(({ message }, i) => sqsRecord(`m${i}-${Math.random()}`, message)) } as SQSEvent;
  }
}

export function sqsRecord(messageId: string, message: WebhookMessage) {
  return { messageId, receiptHandle: `rh-${messageId}`, body: JSON.stringify(message), attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q', awsRegion: 'us-east-1' };
}
