import { lookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { type OutboundRequest, OutboundRequestError, type OutboundResponse, type PublicHttp } from '../core/outbound';
import { type AddressPolicy, isPublicAddress } from '../core/public-address';

/**
 * Outbound HTTPS to addresses a user chose, public ones only (docs/security-and-reliability.md).
 * Each hop: the URL must be `https:` without credentials; its host is resolved once and every
 * address it resolves to must pass the policy; the TLS connection is then made to that very
 * address (never a second lookup, so DNS that changes its answer cannot move the connection
 * after the check), with the host name as SNI and for the certificate check. Redirects are
 * followed up to the caller's limit, each one checked like the first URL. One deadline covers
 * the whole exchange (lookups, handshakes, every hop, the body), and the body is cut off at the
 * caller's size limit while it streams.
 *
 * Node's https.Agent and fetch resolve names themselves and would connect to whatever the second
 * answer is; request-filtering-agent checks the address only once the socket is already
 * connecting and knows no redirects or limits: hence this adapter (docs/decisions.md).
 */

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Every address a host name resolves to. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Opens the TLS connection of one hop (tls.connect unless a test counts them). */
export type Dialer = (options: ConnectionOptions) => TLSSocket;

export interface PublicHttpClientOptions {
  /** Default: the system resolver (getaddrinfo), every address it returns. */
  readonly resolver?: Resolver;
  /** Which resolved addresses may be connected to. Default: `isPublicAddress`. */
  readonly isAllowed?: AddressPolicy;
  /** Extra roots of trust (a test's own certificate authority); default: Node's bundled roots. */
  readonly ca?: ConnectionOptions['ca'];
  readonly dial?: Dialer;
  readonly userAgent?: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Longest URL accepted (what browsers and CDNs handle everywhere). */
const MAX_URL_LENGTH = 2048;

const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));

/** The URL of one hop, or why it cannot be requested. */
export function checkedTarget(raw: string): URL {
  let url: URL;
  try {
    if (raw.length > MAX_URL_LENGTH) throw new Error('too long');
    url = new URL(raw);
  } catch {
    throw new OutboundRequestError('invalid-url', 'The URL is not a valid absolute URL');
  }
  if (url.protocol !== 'https:') throw new OutboundRequestError('not-https', 'Only https:// URLs can be fetched');
  if (url.username || url.password) throw new OutboundRequestError('invalid-url', 'The URL must not carry a user name or password');
  if (!url.hostname) throw new OutboundRequestError('invalid-url', 'The URL has no host');
  return url;
}

/** The host of a URL as an address or a name: IPv6 literals lose their brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export class PublicHttpClient implements PublicHttp {
  private readonly resolver: Resolver;
  private readonly isAllowed: AddressPolicy;
  private readonly dial: Dialer;

  constructor(private readonly options: PublicHttpClientOptions = {}) {
    this.resolver = options.resolver ?? systemResolver;
    this.isAllowed = options.isAllowed ?? isPublicAddress;
    this.dial = options.dial ?? tlsConnect;
  }

  async request(request: OutboundRequest): Promise<OutboundResponse> {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new OutboundRequestError('timeout', `The URL did not answer within ${request.timeoutMs / 1000} s`)),
      request.timeoutMs,
    );
    try {
      let url = checkedTarget(request.url);
      let method = request.method ?? 'GET';
      let body = request.body;
      let headers: Record<string, string> = { ...request.headers };
      for (let redirects = 0; ; redirects += 1) {
        const answer = await this.hop(url, { method, headers, body, maxBytes: request.maxBytes }, deadline.signal);
        if (!REDIRECT_STATUSES.has(answer.status)) return answer;
        if (redirects >= request.maxRedirects) {
          throw new OutboundRequestError('redirects', `The URL redirected more than ${request.maxRedirects} times`);
        }
        const location = answer.headers.location;
        if (!location) throw new OutboundRequestError('redirects', `The URL answered ${answer.status} without a Location`);
        let next: URL;
        try {
          next = checkedTarget(new URL(location, url).href);
        } catch (error) {
          if (error instanceof OutboundRequestError && error.failure !== 'invalid-url') throw error;
          throw new OutboundRequestError('redirects', 'The URL redirected to something that is not a URL');
        }
        // Credentials stay with the origin they were meant for.
        if (next.origin !== url.origin) headers = withoutHeader(headers, 'authorization');
        // What browsers do: 303 always, and 301/302 after a POST, continue as a GET without body.
        if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** The one address of `url`'s host that the connection may go to (every address it has must be allowed). */
  private async addressOf(url: URL, signal: AbortSignal): Promise<ResolvedAddress> {
    const host = hostOf(url);
    const literal = isIP(host);
    if (literal !== 0) {
      if (!this.isAllowed(host)) throw refused(url);
      return { address: host, family: literal === 6 ? 6 : 4 };
    }
    let answers: readonly ResolvedAddress[];
    try {
      answers = await untilAborted(this.resolver(host), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new OutboundRequestError('unresolved', `The host ${host} does not resolve`, { cause: error });
    }
    if (answers.length === 0) throw new OutboundRequestError('unresolved', `The host ${host} does not resolve`);
    // One non-public answer is enough to refuse: it is what a rebinding name would be switched to.
    if (answers.some((answer) => !this.isAllowed(answer.address))) throw refused(url);
    // IPv4 first: a function outside a VPC reaches the internet over IPv4 only.
    return [...answers].sort((a, b) => a.family - b.family)[0];
  }

  /** One request to one checked address; a redirect comes back with an empty body. */
  private async hop(
    url: URL,
    request: { method: string; headers: Record<string, string>; body: Uint8Array | string | undefined; maxBytes: number },
    signal: AbortSignal,
  ): Promise<OutboundResponse> {
    const target = await this.addressOf(url, signal);
    const host = hostOf(url);
    const named = isIP(host) === 0;
    return new Promise<OutboundResponse>((resolve, reject) => {
      let socket: TLSSocket | undefined;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        outcome();
        socket?.destroy();
      };
      const fail = (error: unknown) => settle(() => reject(signal.aborted ? signal.reason : connectionError(url, error)));
      const onAbort = () => {
        req.destroy();
        fail(signal.reason);
      };
      const length = request.body === undefined ? undefined : Buffer.byteLength(request.body);
      const req = httpsRequest({
        method: request.method,
        path: `${url.pathname}${url.search}`,
        headers: {
          host: url.host,
          'user-agent': this.options.userAgent ?? 'Imager',
          'accept-encoding': 'identity',
          connection: 'close',
          ...request.headers,
          ...(length === undefined ? {} : { 'content-length': String(length) }),
        },
        createConnection: () => {
          socket = this.dial({
            host: target.address,
            port: Number(url.port || 443),
            // The certificate is checked against the name the user gave (a literal is checked as itself).
            ...(named ? { servername: host.replace(/\.$/, '') } : {}),
            ...(this.options.ca ? { ca: this.options.ca } : {}),
            ALPNProtocols: ['http/1.1'],
          });
          return socket;
        },
      });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const headers = flatHeaders(response);
        if (REDIRECT_STATUSES.has(status)) {
          settle(() => resolve({ status, headers, body: Buffer.alloc(0), url: url.href }));
          return void response.destroy();
        }
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > request.maxBytes) {
          settle(() => reject(tooLarge(request.maxBytes)));
          return void response.destroy();
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > request.maxBytes) {
            // Settled first: the destroy below reports the cut-off as an error of its own.
            settle(() => reject(tooLarge(request.maxBytes)));
            return void response.destroy();
          }
          chunks.push(chunk);
        });
        response.on('end', () => settle(() => resolve({ status, headers, body: Buffer.concat(chunks, size), url: url.href })));
        response.on('error', fail);
        response.on('aborted', () => fail(new Error('the response was cut off')));
      });
      req.end(request.body);
    });
  }
}

function refused(url: URL): OutboundRequestError {
  return new OutboundRequestError('private-address', `The host ${url.hostname} is not a public address`);
}

function tooLarge(maxBytes: number): OutboundRequestError {
  return new OutboundRequestError('too-large', `The response is larger than ${maxBytes} bytes`);
}

function connectionError(url: URL, error: unknown): OutboundRequestError {
  if (error instanceof OutboundRequestError) return error;
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  const tls = /CERT|SELF_SIGNED|SSL|TLS|ALTNAME|UNABLE_TO/.test(code);
  const message = tls ? `The TLS certificate of ${url.hostname} does not verify` : `Could not connect to ${url.hostname}`;
  return new OutboundRequestError('connection', message, { cause: error });
}

function flatHeaders(response: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(response.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}

/** `promise`, or the signal's reason once it is aborted (a lookup that hangs must not outlive the deadline). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
