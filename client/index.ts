/**
 * The typed Imager client: openapi-fetch over the types openapi-typescript generates from
 * openapi.yaml (client/api-types.ts). The web console and the tests call the API through it;
 * it imports nothing from functions/.
 *
 * ```ts
 * const imager = createImagerClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.IMAGER_KEY });
 * const { data } = await uploadImage(imager, new Blob([bytes]), 'cat.jpg');
 * ```
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './api-types';

export type { components, operations, paths };

type Schemas = components['schemas'];
export type Image = Schemas['Image'];
export type ReadyImage = Schemas['ReadyImage'];
export type StartedUpload = Schemas['StartedUpload'];
export type UploadedImage = Schemas['UploadedImage'];
export type UploadTicket = Schemas['UploadTicket'];
export type MultipartUploadTicket = Schemas['MultipartUploadTicket'];
export type SignedPart = Schemas['SignedPart'];
export type UploadedPart = Schemas['UploadedPart'];
export type ApiKey = Schemas['ApiKey'];
export type NewKey = Schemas['NewKey'];
export type Account = Schemas['Account'];
export type ErrorEnvelope = Schemas['Error'];
export type Export = Schemas['Export'];

/** JSON answers only: text mode (`Accept: text/plain`) is for tools that read the URL as text, not for this client. */
export type ImagerClient = Client<paths, 'application/json'>;

export interface ImagerClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the API is, stage prefix included (`https://abc.execute-api.../v1`). */
  readonly baseUrl: string;
  /** An API key (`imgr_...`), for the image routes. */
  readonly apiKey?: string;
  /** A session token (the Cognito ID token), for the account routes and, as the console does, the image routes. */
  readonly sessionToken?: string;
}

/** A client that sends `Authorization: Bearer <apiKey or sessionToken>` with every request. */
export function createImagerClient(options: ImagerClientOptions): ImagerClient {
  const { apiKey, sessionToken, headers, ...rest } = options;
  const bearer = apiKey ?? sessionToken;
  return createClient<paths, 'application/json'>({
    ...rest,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}), ...(headers as Record<string, string> | undefined) },
  });
}

/** What a direct upload may carry besides the image (docs/apps.md, docs/edge.md, docs/api.md). */
export interface UploadOptions {
  /** Your own pairs, kept on the image. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** `return`: answer the image you already hold with these bytes instead of storing another. */
  readonly onDuplicate?: 'store' | 'return';
  /** `private`: the URL works only signed (docs/edge.md). */
  readonly visibility?: 'public' | 'private';
  /** Seconds from now after which the image expires. */
  readonly expiresIn?: number;
  /**
   * The upload's `Idempotency-Key` (docs/api.md#idempotent-uploads): sent with the first try and
   * every retry, so a retry after a lost answer gets that answer instead of a second image.
   * Default: a new UUID per call.
   */
  readonly idempotencyKey?: string;
  /** Tries after the first, on a network failure, a 409 (the first try still running), 502, 503 or 504. Default 2. */
  readonly retries?: number;
  /** The pause before retry `attempt` (1, 2, ...): default `Retry-After` when the answer gives one (at most 5 s), else 250 ms doubling. */
  readonly backoffMs?: (attempt: number, response: Response | undefined) => number;
}

/** Answers worth the same request again: the first try still running, or the service passing trouble. */
const RETRY_STATUSES = new Set([409, 502, 503, 504]);

function defaultBackoff(attempt: number, response: Response | undefined): number {
  const after = Number(response?.headers.get('retry-after'));
  return Number.isFinite(after) && after > 0 ? Math.min(after, 5) * 1000 : 250 * 2 ** (attempt - 1);
}

/**
 * POST /api/images/upload: the image as multipart/form-data in the field `image`. The file name
 * is informative only (the format is sniffed from the bytes). Retried on a network failure and
 * on the answers `RETRY_STATUSES` lists, always with the same Idempotency-Key, so however often
 * it is tried there is one image. fetch's TypeError (nothing answered) is retried; any other
 * rejection (a cancelled upload) is not.
 */
export async function uploadImage(client: ImagerClient, image: Blob, filename = 'image', options: UploadOptions = {}) {
  const key = options.idempotencyKey ?? crypto.randomUUID();
  const retries = options.retries ?? 2;
  const backoff = options.backoffMs ?? defaultBackoff;
  // The form's text fields beside the file (docs/apps.md, docs/edge.md).
  const fields: { metadata?: string; visibility?: 'public' | 'private'; expires_in?: string } = {
    ...(options.metadata ? { metadata: JSON.stringify(options.metadata) } : {}),
    ...(options.visibility ? { visibility: options.visibility } : {}),
    ...(options.expiresIn === undefined ? {} : { expires_in: String(options.expiresIn) }),
  };
  const send = () =>
    client.POST('/api/images/upload', {
      params: { header: { 'Idempotency-Key': key }, query: options.onDuplicate ? { on_duplicate: options.onDuplicate } : {} },
      body: { image, ...fields },
      bodySerializer() {
        const form = new FormData();
        for (const [name, value] of Object.entries(fields)) form.append(name, value);
        form.append('image', image, filename);
        return form;
      },
    });
  for (let attempt = 1; ; attempt += 1) {
    let answer: Awaited<ReturnType<typeof send>>;
    try {
      answer = await send();
    } catch (error) {
      if (!(error instanceof TypeError) || attempt > retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoff(attempt, undefined)));
      continue;
    }
    if (!RETRY_STATUSES.has(answer.response.status) || attempt > retries) return answer;
    await new Promise((resolve) => setTimeout(resolve, backoff(attempt, answer.response)));
  }
}

/**
 * Sends the bytes of a large upload where `POST /api/images/uploads` said: a PUT with exactly
 * its headers, or a POST form with its fields first and the file (named `filename`) last. This
 * goes to storage, not to the API, so it is a plain fetch (or any function shaped like it).
 */
export function sendUpload(
  upload: UploadTicket,
  bytes: Blob,
  fetchImpl: (input: string, init: RequestInit) => Promise<Response> = fetch,
  filename = 'upload',
): Promise<Response> {
  if (upload.method === 'PUT') {
    return fetchImpl(upload.url, { method: 'PUT', headers: upload.headers ?? {}, body: bytes });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
  form.append('file', bytes, filename);
  return fetchImpl(upload.url, { method: 'POST', body: form });
}

/** The message of an error envelope (openapi-fetch's `error`), or a fallback for anything else (a blank message too). */
export function errorMessage(error: unknown, fallback = 'Request failed'): string {
  if (typeof error === 'object' && error !== null && typeof (error as ErrorEnvelope).message === 'string' && (error as ErrorEnvelope).message) {
    return (error as ErrorEnvelope).message;
  }
  return fallback;
}

/** A URL-signing secret of the account (`POST /api/account/signing-secrets` shows it once). */
export interface SigningSecret {
  readonly kid: string;
  readonly secret: string;
}

/**
 * Signs an image URL for the edge (docs/edge.md): transforms outside the unsigned presets, and
 * every view of a private image, need one. `url` is the image's `url`, with any transform
 * parameters; `expiresAt` (unix seconds) or `expiresIn` (seconds from now) bound it in time.
 * The signature is HMAC-SHA256 (WebCrypto, so it runs in browsers and Node alike) over
 * `/image/<id>?<every other parameter, sorted by name>`, in base64url without padding.
 *
 * ```ts
 * const thumb = await signImageUrl(`${image.url}?w=300&h=300&fit=cover`, { ...secret, expiresIn: 3600 });
 * ```
 */
export async function signImageUrl(url: string, key: SigningSecret & { readonly expiresAt?: number; readonly expiresIn?: number }): Promise<string> {
  const parsed = new URL(url);
  const params: Record<string, string> = {};
  for (const [name, value] of parsed.searchParams) if (name !== 'sig' && name !== 'kid' && name !== 'exp') params[name] = value;
  params.kid = key.kid;
  const exp = key.expiresAt ?? (key.expiresIn === undefined ? undefined : Math.floor(Date.now() / 1000) + key.expiresIn);
  if (exp !== undefined) params.exp = String(exp);
  const at = parsed.pathname.lastIndexOf('/image/');
  const path = at < 0 ? parsed.pathname : parsed.pathname.slice(at);
  const names = Object.keys(params).sort();
  const signed = `${path}?${names.map((name) => `${name}=${params[name]}`).join('&')}`;
  const encoder = new TextEncoder();
  const hmacKey = await crypto.subtle.importKey('raw', encoder.encode(key.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, encoder.encode(signed)));
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  params.sig = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const query = [...names, 'sig']
    .sort()
    .map((name) => `${name}=${encodeURIComponent(params[name] as string)}`)
    .join('&');
  return `${parsed.origin}${parsed.pathname}?${query}`;
}
