import {
  type Account,
  type ApiKey,
  type components,
  createImagerClient,
  errorMessage,
  type Export,
  type Image,
  type ImagerClient,
  type NewKey,
  type SignedPart,
  type StartedUpload,
  type UploadedPart,
} from '../../client/index';

/**
 * The console's one door to the Imager API: the typed client generated from openapi.yaml
 * (client/), with the answers unwrapped from their envelope and failures turned into an
 * ApiError whose message a person can read.
 */

export type { Account, ApiKey, Export, Image, NewKey, SignedPart, StartedUpload, UploadedPart };
export type SigningSecret = components['schemas']['SigningSecret'];
export type AccountDeletion = components['schemas']['AccountDeletion'];
export type NewSigningSecret = components['schemas']['NewSigningSecretResponse']['data'];
export type ImagePage = components['schemas']['ImageListResponse']['data'];
export type WebhookEventType = components['schemas']['WebhookEventType'];
export type WebhookEndpoint = components['schemas']['WebhookEndpoint'];
export type NewWebhookEndpoint = components['schemas']['NewWebhookEndpoint'];
export type WebhookEndpointChanges = components['schemas']['WebhookEndpointChanges'];
export type WebhookEndpointWithSecret = components['schemas']['WebhookEndpointWithSecret'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type WebhookDeliveryPage = components['schemas']['WebhookDeliveryListResponse']['data'];

/** An API error with the message the API gave (or one in words when it gave none). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const API_UNREACHABLE = 'Cannot reach the Imager API. Check your connection and try again.';

/** What openapi-fetch answers: the envelope as `data` on success, the parsed body as `error` otherwise. */
interface Answer<T> {
  readonly data?: { readonly status: 'success'; readonly data: T };
  readonly error?: unknown;
  readonly response: Response;
}

/** The envelope's data, or an ApiError: the API's message, or words for a failure that has none. */
async function unwrap<T>(call: () => Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call();
  } catch (error) {
    // fetch rejects with a TypeError when nothing answered; a SyntaxError is an answer that is not JSON.
    throw new ApiError(0, error instanceof SyntaxError ? 'The API answered without an explanation.' : API_UNREACHABLE);
  }
  const { response } = answer;
  if (response.status === 204) return undefined as T;
  if (!response.ok || answer.data?.status !== 'success') {
    throw new ApiError(response.status, errorMessage(answer.error, `The API answered ${response.status} without an explanation.`));
  }
  return answer.data.data;
}

export class ImagerApi {
  constructor(
    private readonly baseUrl: string,
    /** The session's ID token: the account routes and the image routes take it (docs/accounts-and-console.md). */
    private readonly sessionToken: () => Promise<string>,
  ) {}

  // Account routes: the session's ID token.
  async getAccount(): Promise<Account> {
    const client = await this.session();
    return unwrap(() => client.GET('/api/account'));
  }

  async listKeys(): Promise<ApiKey[]> {
    const client = await this.session();
    return (await unwrap(() => client.GET('/api/account/keys'))).keys;
  }

  async createKey(name: string): Promise<NewKey> {
    const client = await this.session();
    return unwrap(() => client.POST('/api/account/keys', { body: { name } }));
  }

  async revokeKey(id: string): Promise<void> {
    const client = await this.session();
    await unwrap(() => client.DELETE('/api/account/keys/{key_id}', { params: { path: { key_id: id } } }));
  }

  /** Starts an export of every image (or answers the one under way): docs/apps.md. */
  async startExport(): Promise<Export> {
    const client = await this.session();
    return unwrap(() => client.POST('/api/account/export'));
  }

  async getExport(id: string): Promise<Export> {
    const client = await this.session();
    return unwrap(() => client.GET('/api/account/export/{export_id}', { params: { path: { export_id: id } } }));
  }

  async listExports(): Promise<Export[]> {
    const client = await this.session();
    return (await unwrap(() => client.GET('/api/account/export'))).exports;
  }

  /** DELETE /api/account: confirmed with the password; where the deletion stands (docs/account-deletion.md). */
  async deleteAccount(password: string): Promise<AccountDeletion> {
    const client = await this.session();
    return unwrap(() => client.DELETE('/api/account', { body: { password } }));
  }

  async getAccountDeletion(): Promise<AccountDeletion> {
    const client = await this.session();
    return unwrap(() => client.GET('/api/account/deletion'));
  }

  // URL-signing secrets (docs/edge.md): the session too.
  async listSigningSecrets(): Promise<SigningSecret[]> {
    const client = await this.session();
    return (await unwrap(() => client.GET('/api/account/signing-secrets'))).signing_secrets;
  }

  async createSigningSecret(): Promise<NewSigningSecret> {
    const client = await this.session();
    return unwrap(() => client.POST('/api/account/signing-secrets'));
  }

  async revokeSigningSecret(kid: string): Promise<void> {
    const client = await this.session();
    await unwrap(() => client.DELETE('/api/account/signing-secrets/{kid}', { params: { path: { kid } } }));
  }

  // Webhook endpoints and their delivery logs (docs/webhooks.md): the session too.
  async listWebhookEndpoints(): Promise<WebhookEndpoint[]> {
    const client = await this.session();
    return (await unwrap(() => client.GET('/api/account/webhooks'))).endpoints;
  }

  /** Registers an endpoint; the answer carries its secret, the only time it is shown. */
  async createWebhookEndpoint(endpoint: NewWebhookEndpoint): Promise<WebhookEndpointWithSecret> {
    const client = await this.session();
    return unwrap(() => client.POST('/api/account/webhooks', { body: endpoint }));
  }

  async updateWebhookEndpoint(id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpoint> {
    const client = await this.session();
    return unwrap(() => client.PATCH('/api/account/webhooks/{endpoint_id}', { params: { path: { endpoint_id: id } }, body: changes }));
  }

  async deleteWebhookEndpoint(id: string): Promise<void> {
    const client = await this.session();
    await unwrap(() => client.DELETE('/api/account/webhooks/{endpoint_id}', { params: { path: { endpoint_id: id } } }));
  }

  /** A new secret for the endpoint, shown in this answer only. */
  async rotateWebhookSecret(id: string): Promise<WebhookEndpointWithSecret> {
    const client = await this.session();
    return unwrap(() => client.POST('/api/account/webhooks/{endpoint_id}/secret', { params: { path: { endpoint_id: id } } }));
  }

  /** A page of the endpoint's delivery log, newest first. */
  async listWebhookDeliveries(id: string, cursor?: string, limit = 10): Promise<WebhookDeliveryPage> {
    const client = await this.session();
    const query = { limit, ...(cursor ? { cursor } : {}) };
    return unwrap(() => client.GET('/api/account/webhooks/{endpoint_id}/deliveries', { params: { path: { endpoint_id: id }, query } }));
  }

  /** Tries a finished delivery again; one still being tried is an ApiError with status 409. */
  async redeliverWebhook(endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
    const client = await this.session();
    const path = { endpoint_id: endpointId, delivery_id: deliveryId };
    return unwrap(() => client.POST('/api/account/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver', { params: { path } }));
  }

  // Image routes: the same session (the authorizer takes it there like a key of the account).
  async listImages(cursor?: string, limit = 24): Promise<ImagePage> {
    const client = await this.session();
    return unwrap(() => client.GET('/api/images', { params: { query: { limit, ...(cursor ? { cursor } : {}) } } }));
  }

  async getImage(id: string): Promise<Image> {
    const client = await this.session();
    return unwrap(() => client.GET('/api/images/{image_id}', { params: { path: { image_id: id } } }));
  }

  async deleteImage(id: string): Promise<void> {
    const client = await this.session();
    await unwrap(() => client.DELETE('/api/images/{image_id}', { params: { path: { image_id: id } } }));
  }

  /** POST /api/images/uploads: one presigned PUT of exactly `size` bytes, or (`partSize`) a resumable upload in parts of that size. */
  async startUpload(size: number, contentType: string, partSize?: number): Promise<StartedUpload> {
    const client = await this.session();
    const body = {
      size,
      ...(contentType ? { content_type: contentType as components['schemas']['ImageContentType'] } : {}),
      ...(partSize === undefined ? {} : { multipart: true, part_size: partSize }),
    };
    return unwrap(() => client.POST('/api/images/uploads', { body }));
  }

  // A resumable upload's parts (docs/api.md, "Resumable uploads").
  async signUploadParts(id: string, partNumbers: number[]): Promise<SignedPart[]> {
    const client = await this.session();
    const path = { image_id: id };
    return (await unwrap(() => client.POST('/api/images/{image_id}/upload/parts', { params: { path }, body: { part_numbers: partNumbers } }))).parts;
  }

  async listUploadParts(id: string): Promise<UploadedPart[]> {
    const client = await this.session();
    return (await unwrap(() => client.GET('/api/images/{image_id}/upload/parts', { params: { path: { image_id: id } } }))).parts;
  }

  async completeUpload(id: string, parts: Array<{ part_number: number; etag: string }>): Promise<Image> {
    const client = await this.session();
    return unwrap(() => client.POST('/api/images/{image_id}/upload/complete', { params: { path: { image_id: id } }, body: { parts } }));
  }

  async abortUpload(id: string): Promise<void> {
    const client = await this.session();
    await unwrap(() => client.DELETE('/api/images/{image_id}/upload', { params: { path: { image_id: id } } }));
  }

  private async session(): Promise<ImagerClient> {
    return createImagerClient({ baseUrl: this.baseUrl, sessionToken: await this.sessionToken() });
  }
}
