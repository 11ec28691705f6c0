import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { LAMBDA_SYNC_PAYLOAD_BYTES } from '../functions/core/config';
import { type HandlerName, MAX_REQUEST_BYTES, matchPath, ROUTES } from '../functions/routes';
import { createGatewayAuthorizers, policyAllows, type SessionVerifier, type TokenAuthorizer } from './authorizers';
import { EventTooLargeError, GatewayError, readBody, sendEventTooLarge, sendGatewayError, sendPreflight, sendResult } from './gateway-http';
import { invokeProxyHandler, type ProxyHandler } from './invoke';
import { buildProxyEvent, headerValue, methodArn, proxyEventBytes } from './proxy-event';
import { serveStatic, type StaticSite } from './static-site';
import { LocalUsagePlan, type UsagePlanLimits } from './usage-plan';

export type { ProxyHandler } from './invoke';
export type { SessionVerifier, TokenAuthorizer } from './authorizers';
export type { StaticSite } from './static-site';

export interface GatewayOptions {
  readonly handlers: Readonly<Record<HandlerName, ProxyHandler>>;
  readonly authorizer: TokenAuthorizer;
  /** The Cognito authorizer of the `session` routes; without it they answer 401. */
  readonly sessionVerifier?: SessionVerifier;
  readonly site?: StaticSite;
  readonly usagePlan: UsagePlanLimits;
  /** Authorizer result cache per token, like API Gateway's (0 disables). */
  readonly authCacheSeconds: number;
  /** Integration timeout (API Gateway: 29 s). */
  readonly timeoutMs?: number;
  readonly maxRequestBytes?: number;
  /** Largest JSON-serialised event Lambda accepts synchronously (6 MB). */
  readonly maxEventBytes?: number;
  /** The gateway's clock (usage plan, authorizer cache, request times); tests move it. */
  readonly now?: () => number;
  /**
   * Serves what CloudFront serves on AWS (the public `/image/` URLs), before any routing; returns
   * false for requests that are not its own.
   */
  readonly cdn?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Where gateway-level problems are reported (a handler that threw, a timeout). */
  readonly onError?: (message: string, error: unknown) => void;
  /**
   * Called for each request the usage plan refuses (429): API Gateway's throttle and daily quota,
   * which no function of ours sees (on AWS they are counted from the access log, docs/operations.md).
   */
  readonly onUsagePlanRefusal?: (responseType: 'THROTTLED' | 'QUOTA_EXCEEDED', keyId: unknown) => void;
}

export interface LocalGateway {
  readonly server: Server;
  /** Forgets cached authorizer results (what redeploying the stage does on AWS). */
  flushAuthCache(): void;
  readonly usage: LocalUsagePlan;
  /** Starts serving on `port` of 127.0.0.1 (0: a free one) and gives the base URL. */
  listen(port?: number): Promise<string>;
  /** Stops serving, open connections included. */
  close(): Promise<void>;
}

/**
 * The local stand-in for API Gateway: the shared route table, REST v1 proxy events (binary
 * media types base64-encoded, header casing kept), a TOKEN authorizer with a result cache, a
 * usage plan (throttle and daily quota), the 10 MB request limit, CORS, and the envelope for
 * everything it answers itself. A handler that throws gives 502; nothing crashes the process.
 */
export function createLocalGateway(options: GatewayOptions): LocalGateway {
  const now = options.now ?? Date.now;
  const usage = new LocalUsagePlan(options.usagePlan, now);
  const maxBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  const maxEventBytes = options.maxEventBytes ?? LAMBDA_SYNC_PAYLOAD_BYTES;
  const timeoutMs = options.timeoutMs ?? 29_000;
  const report = options.onError ?? ((message, error) => console.error(message, error));
  const authorizers = createGatewayAuthorizers({
    authorizer: options.authorizer,
    sessionVerifier: options.sessionVerifier,
    cacheSeconds: options.authCacheSeconds,
    now,
    report,
  });

  /** The route's authorizer and usage plan: `requestContext.authorizer` and the usage identifier. */
  async function admit(auth: 'key' | 'session' | 'none', req: IncomingMessage, arn: string, started: number) {
    const header = headerValue(req.headers, 'authorization');
    if (auth === 'session') {
      const claims = await authorizers.session(header);
      return { authorizer: { claims, principalId: claims.sub, integrationLatency: now() - started } };
    }
    if (auth === 'none') return { authorizer: null };
    const result = await authorizers.key(header, arn);
    if (!policyAllows(result.policyDocument, arn)) throw new GatewayError('ACCESS_DENIED');
    const apiKey = result.usageIdentifierKey ?? undefined;
    if (!apiKey) throw new GatewayError('UNAUTHORIZED');
    const decision = usage.take(apiKey);
    if (!decision.allowed) {
      options.onUsagePlanRefusal?.(decision.reason, result.context?.keyId);
      throw new GatewayError(decision.reason, { 'Retry-After': String(decision.retryAfter) });
    }
    return { apiKey, authorizer: { principalId: result.principalId, integrationLatency: now() - started, ...result.context } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = now();
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();

    if (method === 'OPTIONS') return sendPreflight(req, res);
    if (options.cdn && (await options.cdn(req, res))) return;

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      req.resume();
      throw new GatewayError('REQUEST_TOO_LARGE', { Connection: 'close' });
    }
    const body = await readBody(req, maxBytes);

    const candidates = ROUTES.filter((route) => matchPath(route.path, url.pathname) !== undefined);
    const route = candidates.find((candidate) => candidate.method === method);
    if (!route && options.site && candidates.length === 0 && (method === 'GET' || method === 'HEAD') && !url.pathname.startsWith('/api/')) {
      if (await serveStatic(options.site, url.pathname, method, res)) return;
    }
    if (!route) throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');

    const requestId = randomUUID();
    const admitted = await admit(route.auth, req, methodArn(method, url.pathname), started);
    const event = buildProxyEvent(
      { method, url, headers: req.headers, rawHeaders: req.rawHeaders, httpVersion: req.httpVersion, remoteAddress: req.socket.remoteAddress, body },
      { resource: route.path, pathParameters: matchPath(route.path, url.pathname)!, requestId, receivedAt: started, ...admitted },
    );
    if (proxyEventBytes(event) > maxEventBytes) throw new EventTooLargeError();

    const invocation = { name: route.handler, requestId, timeoutMs, now, report };
    sendResult(res, await invokeProxyHandler(options.handlers[route.handler], event, invocation));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof GatewayError) return sendGatewayError(res, error);
      if (error instanceof EventTooLargeError) return sendEventTooLarge(res);
      // A client that hangs up mid-body is not a server error: nobody is left to answer.
      if (req.destroyed || (error as NodeJS.ErrnoException)?.code === 'ECONNRESET' || (error as Error)?.message === 'aborted') {
        res.destroy();
        return;
      }
      report('local gateway error', error);
      sendGatewayError(res, new GatewayError('DEFAULT_5XX'));
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;

  return {
    server,
    usage,
    flushAuthCache: () => authorizers.flush(),
    listen: (port = 0) =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          const address = server.address();
          resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
