/**
 * The port of outbound HTTP: requests Imager makes to a URL a user chose (upload by URL; webhooks
 * later). The adapter (functions/adapters/public-http-client.ts) owns the public-address rule
 * (core/public-address.ts), the pinning of each connection to the address it checked, the
 * redirect limit and the size and time limits; callers only see a response or an
 * `OutboundRequestError` saying why there is none.
 */

export interface OutboundRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  /** Largest response body accepted, in bytes; a longer one is cut off and refused. */
  readonly maxBytes: number;
  /** Time for the whole exchange, every redirect included, in milliseconds. */
  readonly timeoutMs: number;
  /** Redirects followed at most (each one checked like the first URL); 0 follows none. */
  readonly maxRedirects: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

/** Port: makes one request (and its redirects) to public addresses only. */
export interface PublicHttp {
  request(request: OutboundRequest): Promise<OutboundResponse>;
}

/** Why an outbound request was refused or failed (each one a fault of the URL, not of Imager). */
export type OutboundFailure =
  /** Not a URL, or one with credentials in it. */
  | 'invalid-url'
  /** Not `https:`. */
  | 'not-https'
  /** The host is, or resolves to, an address that is not public. */
  | 'private-address'
  /** The host name does not resolve. */
  | 'unresolved'
  /** More redirects than allowed, or a redirect without a usable Location. */
  | 'redirects'
  /** The body is larger than allowed. */
  | 'too-large'
  /** The exchange took longer than allowed. */
  | 'timeout'
  /** The connection or the TLS handshake failed (a certificate that does not verify included). */
  | 'connection';

export class OutboundRequestError extends Error {
  constructor(
    readonly failure: OutboundFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    this.name = 'OutboundRequestError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
