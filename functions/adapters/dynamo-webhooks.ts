import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { BadRequestError } from '../core/errors';
import type { DeliveryPage, DeliveryStatus, ImageOwner, WebhookDelivery, WebhookEndpoint, WebhookEventType, WebhookStore } from '../core/webhooks';
import { batchWriteAll, ifConditionHolds, type Item, putIfAbsent } from './dynamo-requests';
import { WEBHOOKS_TABLE_SCHEMA as SCHEMA } from './table-schemas';

const accountKey = (accountId: string) => `account#${accountId}`;
const endpointKey = (endpointId: string) => `endpoint#${endpointId}`;
const imageKey = (imageId: string) => `image#${imageId}`;

const DELIVERY_CURSOR = /^[0-9TZ:.-]{20,30}#msg_[A-Za-z0-9_-]{10,40}$/;

function encodeCursor(createdKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, d: createdKey }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const invalid = new BadRequestError('Invalid cursor');
  if (cursor.length > 256 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  try {
    const { v, d } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; d?: unknown };
    if (v === 1 && typeof d === 'string' && DELIVERY_CURSOR.test(d)) return d;
  } catch {
    // fall through
  }
  throw invalid;
}

function endpointItem(endpoint: WebhookEndpoint): Item {
  return {
    pk: { S: accountKey(endpoint.accountId) },
    sk: { S: endpointKey(endpoint.id) },
    account_id: { S: endpoint.accountId },
    endpoint_id: { S: endpoint.id },
    url: { S: endpoint.url },
    events: { S: JSON.stringify(endpoint.events) },
    enabled: { BOOL: endpoint.enabled },
    secret: { S: endpoint.secret },
    created_at: { S: endpoint.createdAt },
    updated_at: { S: endpoint.updatedAt },
  };
}

function endpointFrom(item: Item): WebhookEndpoint {
  return {
    accountId: item.account_id.S!,
    id: item.endpoint_id.S!,
    url: item.url.S!,
    events: JSON.parse(item.events.S!) as WebhookEventType[],
    enabled: item.enabled.BOOL === true,
    secret: item.secret.S!,
    createdAt: item.created_at.S!,
    updatedAt: item.updated_at.S!,
  };
}

function deliveryItem(delivery: WebhookDelivery): Item {
  const item: Item = {
    pk: { S: endpointKey(delivery.endpointId) },
    sk: { S: `delivery#${delivery.id}` },
    log_endpoint: { S: delivery.endpointId },
    created_key: { S: `${delivery.createdAt}#${delivery.id}` },
    account_id: { S: delivery.accountId },
    delivery_id: { S: delivery.id },
    type: { S: delivery.type },
    body: { S: delivery.body },
    created_at: { S: delivery.createdAt },
    status: { S: delivery.status },
    attempts: { N: String(delivery.attempts) },
  };
  if (delivery.status === 'pending') item.pending_account = { S: delivery.accountId };
  if (delivery.lastStatusCode !== undefined) item.last_status_code = { N: String(delivery.lastStatusCode) };
  if (delivery.lastError !== undefined) item.last_error = { S: delivery.lastError.slice(0, 500) };
  if (delivery.lastAttemptAt !== undefined) item.last_attempt_at = { S: delivery.lastAttemptAt };
  if (delivery.nextAttemptAt !== undefined) item.next_attempt_at = { S: delivery.nextAttemptAt };
  if (delivery.expiresAt !== undefined) item.expires_at = { N: String(delivery.expiresAt) };
  return item;
}

function deliveryFrom(item: Item): WebhookDelivery {
  return {
    accountId: item.account_id.S!,
    endpointId: item.log_endpoint.S!,
    id: item.delivery_id.S!,
    type: item.type.S as WebhookEventType,
    body: item.body.S!,
    createdAt: item.created_at.S!,
    status: item.status.S as DeliveryStatus,
    attempts: Number(item.attempts.N),
    lastStatusCode: item.last_status_code ? Number(item.last_status_code.N) : undefined,
    lastError: item.last_error?.S,
    lastAttemptAt: item.last_attempt_at?.S,
    nextAttemptAt: item.next_attempt_at?.S,
    expiresAt: item.expires_at ? Number(item.expires_at.N) : undefined,
  };
}

/** Endpoints, deliveries and image owners in the webhooks table (see `WEBHOOKS_TABLE_SCHEMA`). */
export class DynamoWebhooks implements WebhookStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await putIfAbsent(this.client, this.tableName, endpointItem(endpoint));
  }

  async getEndpoint(accountId: string, id: string): Promise<WebhookEndpoint | undefined> {
    const item = await this.get(accountKey(accountId), endpointKey(id));
    return item ? endpointFrom(item) : undefined;
  }

  async listEndpoints(accountId: string): Promise<WebhookEndpoint[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)', ExpressionAttributeValues: { ':pk': { S: accountKey(accountId) }, ':sk': { S: 'endpoint#' } }, ConsistentRead: true });
    return items.map(endpointFrom).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async replaceEndpoint(endpoint: WebhookEndpoint): Promise<boolean> {
    const put = this.client.send(new PutItemCommand({ TableName: this.tableName, Item: endpointItem(endpoint), ConditionExpression: 'attribute_exists(pk)' }));
    return (await ifConditionHolds(put)) !== undefined;
  }

  async deleteEndpoint(accountId: string, id: string): Promise<boolean> {
    const removal = this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: accountKey(accountId) }, sk: { S: endpointKey(id) } }, ConditionExpression: 'attribute_exists(pk)' }),
    );
    const removed = (await ifConditionHolds(removal)) !== undefined;
    // Its log goes with it (also after a crash here: deleting again finds no endpoint but the log is gone by the next call).
    await this.deleteKeys(await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: endpointKey(id) } }, ProjectionExpression: 'pk, sk' }));
    return removed;
  }

  async createDelivery(delivery: WebhookDelivery): Promise<boolean> {
    const put = this.client.send(new PutItemCommand({ TableName: this.tableName, Item: deliveryItem(delivery), ConditionExpression: 'attribute_not_exists(pk)' }));
    return (await ifConditionHolds(put)) !== undefined;
  }

  async getDelivery(endpointId: string, id: string): Promise<WebhookDelivery | undefined> {
    const item = await this.get(endpointKey(endpointId), `delivery#${id}`);
    return item ? deliveryFrom(item) : undefined;
  }

  async replaceDelivery(delivery: WebhookDelivery): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: deliveryItem(delivery) }));
  }

  async listDeliveries(endpointId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<DeliveryPage> {
    const start = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SCHEMA.byEndpointIndex.name,
        KeyConditionExpression: start === undefined ? 'log_endpoint = :e' : 'log_endpoint = :e AND created_key < :start',
        ExpressionAttributeValues: { ':e': { S: endpointId }, ...(start === undefined ? {} : { ':start': { S: start } }) },
        ScanIndexForward: false,
        Limit: page.limit,
      }),
    );
    const deliveries = (result.Items ?? []).map(deliveryFrom);
    const last = deliveries.at(-1);
    return { deliveries, ...(result.LastEvaluatedKey && last ? { cursor: encodeCursor(`${last.createdAt}#${last.id}`) } : {}) };
  }

  async putImageOwner(owner: ImageOwner): Promise<void> {
    const item: Item = { pk: { S: imageKey(owner.imageId) }, sk: { S: 'owner' }, owner_account: { S: owner.accountId }, data: { S: JSON.stringify(owner.data) } };
    if (owner.imageExpiresAt !== undefined) item.image_expires_at = { N: String(owner.imageExpiresAt) };
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
  }

  async imageOwner(imageId: string): Promise<ImageOwner | undefined> {
    const item = await this.get(imageKey(imageId), 'owner');
    if (!item) return undefined;
    return {
      imageId,
      accountId: item.owner_account.S!,
      data: JSON.parse(item.data.S!) as Record<string, unknown>,
      imageExpiresAt: item.image_expires_at ? Number(item.image_expires_at.N) : undefined,
    };
  }

  async dropImageOwner(imageId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: imageKey(imageId) }, sk: { S: 'owner' } } }));
  }

  async hasPendingDeliveries(accountId: string): Promise<boolean> {
    return (await this.firstOfAccount(SCHEMA.pendingIndex, accountId, 1)).length > 0;
  }

  async imageOwnerIds(accountId: string, limit: number): Promise<string[]> {
    return (await this.firstOfAccount(SCHEMA.ownerIndex, accountId, limit)).map((item) => item.pk.S!.slice(imageKey('').length));
  }

  /** The first `limit` keys of the account in one of the sparse by-account indexes (one read). */
  private async firstOfAccount(index: { readonly name: string; readonly partitionKey: string }, accountId: string, limit: number): Promise<Item[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#account = :a',
        ExpressionAttributeNames: { '#account': index.partitionKey },
        ExpressionAttributeValues: { ':a': { S: accountId } },
        ProjectionExpression: 'pk, sk',
        Limit: limit,
      }),
    );
    return result.Items ?? [];
  }

  async removeAccount(accountId: string): Promise<number> {
    const own = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: accountKey(accountId) } }, ConsistentRead: true });
    let removed = 0;
    for (const item of own) {
      if (item.endpoint_id?.S) {
        const log = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: endpointKey(item.endpoint_id.S) } }, ProjectionExpression: 'pk, sk' });
        removed += await this.deleteKeys(log);
      }
    }
    const owners = await this.queryAll({ IndexName: SCHEMA.ownerIndex.name, KeyConditionExpression: 'owner_account = :a', ExpressionAttributeValues: { ':a': { S: accountId } }, ProjectionExpression: 'pk, sk' });
    removed += await this.deleteKeys(owners);
    // The endpoints last: a crash before here leaves them to find the rest by on the next run.
    removed += await this.deleteKeys(own);
    return removed;
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }));
    return result.Item;
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async deleteKeys(items: readonly Item[]): Promise<number> {
    await batchWriteAll(this.client, this.tableName, items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })));
    return items.length;
  }
}
