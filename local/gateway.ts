import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, resolve as resolvePath, sep } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { GATEWAY_RESPONSES, type GatewayResponseType } from '../functions/gateway-responses';
import { BEARER_KEY_PATTERN } from '../functions/core/api-keys';
import { LAMBDA_SYNC_PAYLOAD_BYTES } from '../functions/core/config';
import { CORS_HEADERS, JSON_CONTENT_TYPE } from '../functions/transport/http';
import { BINARY_MEDIA_TYPES, type HandlerName, MAX_REQUEST_BYTES, matchPath, ROUTES } from '../functions/routes';
import { LocalUsagePlan, type UsagePlanLimits } from './usage-plan';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type TokenAuthorizer = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/**
 * Verifies a session's Cognito ID token the way API Gateway's Cognito authorizer does and
 * returns its claims (as strings, the way API Gateway passes them), or throws.
 */
export type SessionVerifier = (token: string) => Promise<Record<string, string>>;

/** What the gateway serves outside the route table: the web console's built files and its config. */
export interface StaticSite {
  /** Directory of the built console (index.html and assets/). */
  readonly dir: string;
  /** The body of `/config.json`, computed when asked (endpoints are known only after start). */
  readonly config: () => unknown;
}

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
   * which no function of ours sees (on AWS they are counted from the access log, README "Operations").
   */
  readonly onUsagePlanRefusal?: (responseType: 'THROTTLED' | 'QUOTA_EXCEEDED', keyId: unknown) => void;
}

/** The API Gateway TOKEN authorizer's identity validation expression. */
export const TOKEN_PATTERN = new RegExp(BEARER_KEY_PATTERN);

const STAGE = 'local';

interface CachedAuth {
  readonly expires: number;
  readonly result: APIGatewayAuthorizerResult | 'UNAUTHORIZED';
}

export interface LocalGateway {
  readonly server: Server;
  /** Forgets cached authorizer results (what redeploying the stage does on AWS). */
  flushAuthCache(): void;
  readonly usage: LocalUsagePlan;
}

/**
 * What a client gets on AWS when the proxy event is over Lambda's 6 MB synchronous payload:
 * API Gateway's own 413 with this body, not our envelope (no gateway response type covers it).
 */
export const EVENT_TOO_LARGE_BODY = '{"message":"Request Too Long"}';

class EventTooLargeError extends Error {}

class GatewayError extends Error {
  constructor(
    readonly type: GatewayResponseType,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(type);
  }
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
  const authCache = new Map<string, CachedAuth>();
  const maxBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  const maxEventBytes = options.maxEventBytes ?? LAMBDA_SYNC_PAYLOAD_BYTES;
  const timeoutMs = options.timeoutMs ?? 29_000;
  const report = options.onError ?? ((message, error) => console.error(message, error));

  async function authorize(header: string | undefined, methodArn: string): Promise<APIGatewayAuthorizerResult> {
    if (!header || !TOKEN_PATTERN.test(header)) throw new GatewayError('UNAUTHORIZED');
    const cached = authCache.get(header);
    if (cached && cached.expires > now()) {
      if (cached.result === 'UNAUTHORIZED') throw new GatewayError('UNAUTHORIZED');
      // As on AWS, a cached policy is evaluated against this request's method ARN.
      return cached.result;
    }
    let result: APIGatewayAuthorizerResult | 'UNAUTHORIZED';
    try {
      result = await options.authorizer({ type: 'TOKEN', authorizationToken: header, methodArn });
    } catch (error) {
      if ((error as Error)?.message !== 'Unauthorized') {
        report('authorizer failed', error);
        throw new GatewayError('AUTHORIZER_FAILURE');
      }
      result = 'UNAUTHORIZED';
    }
    if (options.authCacheSeconds > 0) authCache.set(header, { expires: now() + options.authCacheSeconds * 1000, result });
    if (result === 'UNAUTHORIZED') throw new GatewayError('UNAUTHORIZED');
    return result;
  }

  const sessionCache = new Map<string, { expires: number; claims: Record<string, string> | 'UNAUTHORIZED' }>();

  /**
   * Like API Gateway's Cognito authorizer: the token from the Authorization header (with or
   * without "Bearer "), verified by `sessionVerifier`, the answer cached per token.
   */
  async function authorizeSession(header: string | undefined): Promise<Record<string, string>> {
    const token = header?.replace(/^Bearer\s+/i, '').trim();
    if (!token || !options.sessionVerifier) throw new GatewayError('UNAUTHORIZED');
    const cached = sessionCache.get(token);
    if (cached && cached.expires > now()) {
      if (cached.claims === 'UNAUTHORIZED') throw new GatewayError('UNAUTHORIZED');
      return cached.claims;
    }
    let claims: Record<string, string> | 'UNAUTHORIZED';
    try {
      claims = await options.sessionVerifier(token);
    } catch {
      claims = 'UNAUTHORIZED';
    }
    if (options.authCacheSeconds > 0) sessionCache.set(token, { expires: now() + options.authCacheSeconds * 1000, claims });
    if (claims === 'UNAUTHORIZED') throw new GatewayError('UNAUTHORIZED');
    return claims;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = now();
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();

    if (method === 'OPTIONS') return preflight(req, res);
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
      return serveStatic(options.site, url.pathname, method, res);
    }
    if (!route) throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');
    const pathParameters = matchPath(route.path, url.pathname)!;

    const { single, multi } = headersOf(req);
    const requestId = randomUUID();
    const methodArn = `arn:aws:execute-api:local:000000000000:local/${STAGE}/${method}${url.pathname}`;

    let authorizerContext: Record<string, unknown> | null = null;
    let apiKey: string | undefined;
    if (route.auth === 'session') {
      const claims = await authorizeSession(headerValue(req, 'authorization'));
      authorizerContext = { claims, principalId: claims.sub, integrationLatency: now() - started };
    }
    if (route.auth === 'key') {
      const auth = await authorize(headerValue(req, 'authorization'), methodArn);
      if (!policyAllows(auth.policyDocument, methodArn)) throw new GatewayError('ACCESS_DENIED');
      apiKey = auth.usageIdentifierKey ?? undefined;
      if (!apiKey) throw new GatewayError('UNAUTHORIZED');
      const decision = usage.take(apiKey);
      if (!decision.allowed) {
        options.onUsagePlanRefusal?.(decision.reason, auth.context?.keyId);
        throw new GatewayError(decision.reason, { 'Retry-After': String(decision.retryAfter) });
      }
      authorizerContext = { principalId: auth.principalId, integrationLatency: now() - started, ...auth.context };
    }

    const contentType = (headerValue(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    const binary = BINARY_MEDIA_TYPES.includes(contentType);
    const query = queryOf(url);
    const event: APIGatewayProxyEvent = {
      resource: route.path,
      path: url.pathname,
      httpMethod: method,
      headers: { ...single, 'X-Forwarded-Proto': 'http' },
      multiValueHeaders: { ...multi, 'X-Forwarded-Proto': ['http'] },
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      pathParameters,
      stageVariables: null,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        authorizer: authorizerContext,
        domainName: headerValue(req, 'host') ?? '127.0.0.1',
        domainPrefix: '127',
        extendedRequestId: requestId,
        httpMethod: method,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: apiKey ?? null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          user: null,
          userAgent: headerValue(req, 'user-agent') ?? null,
          userArn: null,
        },
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        requestId,
        requestTime: new Date(started).toUTCString(),
        requestTimeEpoch: started,
        resourceId: 'local',
        resourcePath: route.path,
        stage: STAGE,
      },
      body: body.byteLength === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
      isBase64Encoded: binary && body.byteLength > 0,
    };

    // Lambda measures the synchronous payload as the serialised event, in bytes.
    if (Buffer.byteLength(JSON.stringify(event), 'utf8') > maxEventBytes) throw new EventTooLargeError();

    const result = await invoke(options.handlers[route.handler], event, requestId, route.handler);
    send(res, result);
  }

  async function invoke(handler: ProxyHandler, event: APIGatewayProxyEvent, requestId: string, name: string): Promise<APIGatewayProxyResult> {
    const deadline = now() + timeoutMs;
    const context = lambdaContext(name, requestId, deadline, now);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GatewayError('INTEGRATION_TIMEOUT')), timeoutMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
      if (!result || typeof result.statusCode !== 'number') throw new Error('handler returned no statusCode');
      return result;
    } catch (error) {
      if (error instanceof GatewayError) {
        report(`handler ${name} timed out`, error);
        throw error;
      }
      report(`handler ${name} failed`, error);
      throw new GatewayError('INTEGRATION_FAILURE');
    } finally {
      clearTimeout(timer);
    }
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
    flushAuthCache: () => {
      authCache.clear();
      sessionCache.clear();
    },
  };
}

const STATIC_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The console's files, the way the CDN serves them on AWS: `/` is index.html, hashed assets
 * are cached for a year, anything else unknown is a 404 in the envelope. Paths never leave
 * the site directory.
 */
async function serveStatic(site: StaticSite, pathname: string, method: string, res: ServerResponse): Promise<void> {
  let body: Buffer;
  let type: string;
  let cache = 'no-cache';
  if (pathname === '/config.json') {
    body = Buffer.from(JSON.stringify(site.config()));
    type = JSON_CONTENT_TYPE;
  } else {
    let relative: string;
    try {
      relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    } catch {
      throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');
    }
    const root = resolvePath(site.dir);
    const file = resolvePath(root, `.${relative}`);
    if (!file.startsWith(`${root}${sep}`)) throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');
    try {
      body = await readFile(file);
    } catch {
      throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');
    }
    type = STATIC_TYPES[extname(file)] ?? 'application/octet-stream';
    if (relative.startsWith('/assets/')) cache = 'public, max-age=31536000, immutable';
  }
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': String(body.byteLength),
    'Cache-Control': cache,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(method === 'HEAD' ? undefined : body);
}

function sendEventTooLarge(res: ServerResponse): void {
  res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(EVENT_TOO_LARGE_BODY)) });
  res.end(EVENT_TOO_LARGE_BODY);
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
}

/** IAM-style wildcard match: `*` any run of characters, `?` exactly one (case-sensitive). */
export function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

/**
 * API Gateway's evaluation of an authorizer policy for one request: an explicit Deny whose
 * Resource matches wins; otherwise an Allow of `execute-api:Invoke` whose Resource matches the
 * method ARN is needed. A policy that allows other methods only (too narrow, e.g. the first
 * method's ARN cached for every route) answers 403 here as it does on AWS.
 */
export function policyAllows(policy: { Statement?: unknown } | undefined, methodArn: string): boolean {
  const statements = (Array.isArray(policy?.Statement) ? policy.Statement : [policy?.Statement]).filter(Boolean) as PolicyStatement[];
  const applies = (statement: PolicyStatement): boolean => {
    const actions = ([] as string[]).concat(statement.Action ?? []);
    const resources = ([] as string[]).concat(statement.Resource ?? []);
    return (
      actions.some((action) => wildcardMatch(action.toLowerCase(), 'execute-api:invoke')) &&
      resources.some((resource) => wildcardMatch(resource, methodArn))
    );
  };
  if (statements.some((statement) => statement.Effect === 'Deny' && applies(statement))) return false;
  return statements.some((statement) => statement.Effect === 'Allow' && applies(statement));
}

function preflight(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET,POST,DELETE,OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization,Content-Type',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        failed = true;
        reject(new GatewayError('REQUEST_TOO_LARGE', { Connection: 'close' }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (error) => {
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
  });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** Headers with the client's own casing, as API Gateway passes them (last value wins in `headers`). */
function headersOf(req: IncomingMessage): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const value = req.rawHeaders[i + 1];
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

function queryOf(url: URL): { single: Record<string, string> | null; multi: Record<string, string[]> | null } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return Object.keys(single).length === 0 ? { single: null, multi: null } : { single, multi };
}

function lambdaContext(name: string, requestId: string, deadline: number, now: () => number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `imager-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:imager-local-${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/imager-local-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  headers['Content-Length'] = String(body.byteLength);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

function sendGatewayError(res: ServerResponse, error: GatewayError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const definition = GATEWAY_RESPONSES[error.type];
  const body = JSON.stringify({ status: 'error', message: definition.message ?? 'Internal server error' });
  res.writeHead(definition.statusCode ?? 500, {
    'Content-Type': JSON_CONTENT_TYPE,
    ...CORS_HEADERS,
    ...(definition.headers ?? {}),
    ...error.extraHeaders,
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}
