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
export type UploadTicket = Schemas['UploadTicket'];
export type MultipartUploadTicket = Schemas['MultipartUploadTicket'];
export type SignedPart = Schemas['SignedPart'];
export type UploadedPart = Schemas['UploadedPart'];
export type ApiKey = Schemas['ApiKey'];
export type NewKey = Schemas['NewKey'];
export type Account = Schemas['Account'];
export type ErrorEnvelope = Schemas['Error'];

export type ImagerClient = Client<paths>;

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
  return createClient<paths>({
    ...rest,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}), ...(headers as Record<string, string> | undefined) },
  });
}

/**
 * POST /api/images/upload: the image as multipart/form-data in the field `image`. The file name
 * is informative only (the format is sniffed from the bytes).
 */
export function uploadImage(client: ImagerClient, image: Blob, filename = 'image') {
  return client.POST('/api/images/upload', {
    body: { image },
    bodySerializer(body) {
      const form = new FormData();
      form.append('image', body.image, filename);
      return form;
    },
  });
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
