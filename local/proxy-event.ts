import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { BINARY_MEDIA_TYPES } from '../functions/routes';

/** The stage name of the local API (in method ARNs and `requestContext.stage`). */
export const LOCAL_STAGE = 'local';

/** What the proxy event is made of: one HTTP request as the server received it, body read. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: URL;
  /** Node's parsed headers (lower-cased names). */
  readonly headers: IncomingHttpHeaders;
  /** The headers as sent, names in the client's casing: `[name, value, name, value, ...]`. */
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly remoteAddress?: string;
  readonly body: Buffer;
}

/** Where the request was routed and what the gateway learnt about it before the integration. */
export interface RoutedRequest {
  /** The route's resource path, e.g. `/api/images/{image_id}`. */
  readonly resource: string;
  readonly pathParameters: Record<string, string>;
  /** `requestContext.authorizer`: the authorizer's context and principal, or null on public routes. */
  readonly authorizer: Record<string, unknown> | null;
  /** The usage identifier the authorizer returned (`requestContext.identity.apiKey`). */
  readonly apiKey?: string;
  readonly requestId: string;
  /** When the gateway received the request (epoch ms). */
  readonly receivedAt: number;
}

/** One header's value; of a repeated header, the last (as API Gateway's `headers` keeps it). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** The ARN API Gateway evaluates an authorizer's policy against, for this method and path. */
export function methodArn(method: string, path: string): string {
  return `arn:aws:execute-api:local:000000000000:local/${LOCAL_STAGE}/${method}${path}`;
}

/**
 * The REST API (v1) Lambda proxy event API Gateway would send for this request: header casing
 * kept (last value wins in `headers`, all in `multiValueHeaders`), the query likewise (null when
 * empty), and the body base64-encoded when its type is one of the binary media types.
 */
export function buildProxyEvent(request: ReceivedRequest, routed: RoutedRequest): APIGatewayProxyEvent {
  const { method, url, body } = request;
  const headers = pairsOf(rawHeaderPairs(request.rawHeaders));
  const query = pairsOf(url.searchParams);
  const contentType = (headerValue(request.headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  const binary = BINARY_MEDIA_TYPES.includes(contentType);
  return {
    resource: routed.resource,
    path: url.pathname,
    httpMethod: method,
    headers: { ...headers.single, 'X-Forwarded-Proto': 'http' },
    multiValueHeaders: { ...headers.multi, 'X-Forwarded-Proto': ['http'] },
    queryStringParameters: query.empty ? null : query.single,
    multiValueQueryStringParameters: query.empty ? null : query.multi,
    pathParameters: routed.pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: routed.authorizer,
      domainName: headerValue(request.headers, 'host') ?? '127.0.0.1',
      domainPrefix: '127',
      extendedRequestId: routed.requestId,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: routed.apiKey ?? null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: headerValue(request.headers, 'user-agent') ?? null,
        userArn: null,
      },
      path: url.pathname,
      protocol: `HTTP/${request.httpVersion}`,
      requestId: routed.requestId,
      requestTime: new Date(routed.receivedAt).toUTCString(),
      requestTimeEpoch: routed.receivedAt,
      resourceId: 'local',
      resourcePath: routed.resource,
      stage: LOCAL_STAGE,
    },
    body: body.byteLength === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: binary && body.byteLength > 0,
  };
}

/** Lambda's synchronous payload limit applies to the serialised event, in bytes. */
export function proxyEventBytes(event: APIGatewayProxyEvent): number {
  return Buffer.byteLength(JSON.stringify(event), 'utf8');
}

function* rawHeaderPairs(rawHeaders: readonly string[]): Iterable<[string, string]> {
  for (let i = 0; i < rawHeaders.length; i += 2) yield [rawHeaders[i], rawHeaders[i + 1]];
}

/** Name/value pairs as API Gateway's single-value (last wins) and multi-value maps. */
function pairsOf(pairs: Iterable<[string, string]>): { single: Record<string, string>; multi: Record<string, string[]>; empty: boolean } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  let empty = true;
  for (const [name, value] of pairs) {
    single[name] = value;
    (multi[name] ??= []).push(value);
    empty = false;
  }
  return { single, multi, empty };
}
