import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { GATEWAY_RESPONSES, type GatewayResponseType } from '../functions/gateway-responses';
import { CORS_HEADERS, JSON_CONTENT_TYPE } from '../functions/transport/http';

/** A request the gateway answers itself, with the gateway response of that type (the envelope). */
export class GatewayError extends Error {
  constructor(
    readonly type: GatewayResponseType,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(type);
  }
}

/**
 * What a client gets on AWS when the proxy event is over Lambda's 6 MB synchronous payload:
 * API Gateway's own 413 with this body, not our envelope (no gateway response type covers it).
 */
export const EVENT_TOO_LARGE_BODY = '{"message":"Request Too Long"}';

export class EventTooLargeError extends Error {}

/** The body, or a REQUEST_TOO_LARGE gateway error as soon as it passes `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
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

/** CORS preflight: answered by the gateway, with neither a key nor the authorizer. */
export function sendPreflight(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET,POST,PATCH,DELETE,OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization,Content-Type,Idempotency-Key',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

/** A handler's proxy result on the wire (base64 bodies decoded, multi-value headers kept). */
export function sendResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  headers['Content-Length'] = String(body.byteLength);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

/** The gateway response of `error`'s type, in the envelope with CORS (or a reset once headers went out). */
export function sendGatewayError(res: ServerResponse, error: GatewayError): void {
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

export function sendEventTooLarge(res: ServerResponse): void {
  res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(EVENT_TOO_LARGE_BODY)) });
  res.end(EVENT_TOO_LARGE_BODY);
}
