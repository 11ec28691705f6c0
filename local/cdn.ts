import type { IncomingMessage, ServerResponse } from 'node:http';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import parseRange from 'range-parser';
import { IMMUTABLE_CACHE_CONTROL } from '../functions/adapters/s3-image-objects';
import { HttpError } from '../functions/core/errors';
import { isUnavailable, JSON_CONTENT_TYPE } from '../functions/transport/http';
import type { EdgeHandler } from './edge-runtime';

/**
 * The transform origin: where the variant a `/variants/<id>/<canonical>` path names lives,
 * rendering it first if needed (local/variants.ts). Throws a 4xx HttpError for a bad name or
 * past the per-image cap; undefined when the image does not exist.
 */
export type VariantOrigin = (path: string) => Promise<{ readonly key: string } | undefined>;

/** The distribution's viewer functions, loaded from the deployed files (local/edge-runtime.ts). */
export interface LocalEdge {
  readonly request: EdgeHandler;
  readonly response: EdgeHandler;
}

export interface LocalCdnOptions {
  readonly s3: S3Client;
  readonly bucketName: string;
  /** The viewer-request and viewer-response functions (docs/edge.md), run on every request as CloudFront runs them. */
  readonly edge: LocalEdge;
  /** Transforms (docs/transforms.md): the origin of `/variants/...` when S3 has no such object yet. */
  readonly variants?: VariantOrigin;
  readonly onError?: (message: string, error: unknown) => void;
}

/** Headers CloudFront adds to every image it serves (the stack's response headers policy). */
export const DELIVERY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': IMMUTABLE_CACHE_CONTROL,
  'X-Content-Type-Options': 'nosniff',
  'Access-Control-Allow-Origin': '*',
};

const PATH = /^\/image\/[^/]*$/;

/** A request or a generated response, as CloudFront Functions exchange them. */
interface EdgeRequest {
  readonly uri: string;
  readonly headers?: Record<string, { value: string }>;
}
interface EdgeResponse {
  readonly statusCode: number;
  readonly statusDescription?: string;
  readonly headers?: Record<string, { value: string }>;
  readonly body?: { readonly encoding?: string; readonly data: string };
}

/** A raw query as CloudFront hands it to a function: one entry per name, repeats in multiValue, nothing decoded. */
export function cloudFrontQuery(search: string): Record<string, { value: string; multiValue?: Array<{ value: string }> }> {
  const query: Record<string, { value: string; multiValue?: Array<{ value: string }> }> = {};
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return query;
  for (const part of raw.split('&')) {
    const at = part.indexOf('=');
    const name = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? '' : part.slice(at + 1);
    const existing = Object.hasOwn(query, name) ? query[name] : undefined;
    if (existing) existing.multiValue = [...(existing.multiValue ?? [{ value: existing.value }]), { value }];
    // defineProperty: a parameter called __proto__ is data, not the prototype.
    else Object.defineProperty(query, name, { value: { value }, enumerable: true, writable: true, configurable: true });
  }
  return query;
}

/** What the viewer-request function answered itself, as CloudFront sends it. */
function sendEdgeResponse(res: ServerResponse, answer: EdgeResponse, method: string): true {
  const body = answer.body?.data ?? '';
  const headers: Record<string, string> = {};
  for (const [name, { value }] of Object.entries(answer.headers ?? {})) headers[name] = value;
  res.writeHead(answer.statusCode, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}

/**
 * The local stand-in for the CloudFront distribution in front of the bucket (docs/delivery.md):
 * every `GET`/`HEAD /image/...` goes through the viewer-request function first (the very file
 * the stack deploys, over local mode's key-value store: signatures, the unsigned set, gone,
 * expiring and private images, docs/edge.md), which answers itself or rewrites the path to
 * `images/<id>` or `variants/<id>/<canonical>`; that object is served from the S3 emulator (a
 * variant not stored yet is rendered by the transform origin) with the headers CloudFront sends
 * (immutable caching, ETag, nosniff, CORS), `Range` → 206, `If-None-Match` → 304, a 404 in the
 * envelope for a missing object, and the viewer-response function's headers (Vary). Nothing is
 * cached here, so every rule applies at once. Returns false for requests that are not its own,
 * so the gateway handles them.
 */
export function createLocalCdn(options: LocalCdnOptions) {
  const report = options.onError ?? ((message, error) => console.error(message, error));

  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (!PATH.test(url.pathname)) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return false;
    req.resume();
    try {
      const headers: Record<string, { value: string }> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = { value: Array.isArray(value) ? value.join(',') : value };
      }
      const decided = (await options.edge.request({
        version: '1.0',
        context: { eventType: 'viewer-request' },
        viewer: { ip: req.socket.remoteAddress ?? '127.0.0.1' },
        request: { method, uri: url.pathname, querystring: cloudFrontQuery(url.search), headers, cookies: {} },
      })) as EdgeRequest | EdgeResponse;
      if ('statusCode' in decided) return sendEdgeResponse(res, decided, method);
      const key = decided.uri.slice(1);
      let object = await getObject(options.s3, options.bucketName, key);
      if (!object && key.startsWith('variants/') && options.variants) {
        const variant = await options.variants(decided.uri);
        object = variant && (await getObject(options.s3, options.bucketName, variant.key));
      }
      if (!object) return sendError(res, 404, 'Image not found', method);
      const viewerResponse = (await options.edge.response({
        version: '1.0',
        context: { eventType: 'viewer-response' },
        request: decided,
        response: { statusCode: 200, headers: {}, cookies: {} },
      })) as EdgeResponse;
      const vary = viewerResponse.headers?.vary?.value;
      await sendObject(req, res, object, method, vary);
    } catch (error) {
      if (error instanceof HttpError && error.statusCode < 500) {
        return sendError(res, error.statusCode, error.message, method);
      }
      const unavailable = isUnavailable(error);
      report('local CDN failed', error);
      // CloudFront answers 502/503/504 when its origin fails.
      return sendError(res, unavailable ? 503 : 502, unavailable ? 'Service unavailable' : 'Bad gateway', method);
    }
    return true;
  };
}

async function getObject(s3: S3Client, bucketName: string, key: string): Promise<GetObjectCommandOutput | undefined> {
  try {
    return await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

async function sendObject(
  req: IncomingMessage,
  res: ServerResponse,
  object: GetObjectCommandOutput,
  method: string,
  vary: string | undefined,
): Promise<void> {
  const bytes = object.Body ? Buffer.from(await object.Body.transformToByteArray()) : Buffer.alloc(0);
  const headers: Record<string, string> = {
    'Content-Type': object.ContentType ?? 'application/octet-stream',
    ...DELIVERY_HEADERS,
    'Accept-Ranges': 'bytes',
    ...(object.ETag ? { ETag: object.ETag } : {}),
    ...(object.LastModified ? { 'Last-Modified': object.LastModified.toUTCString() } : {}),
    ...(vary ? { Vary: vary } : {}),
  };

  if (notModified(header(req, 'if-none-match'), headers.ETag)) {
    const { 'Content-Type': _type, ...kept } = headers;
    res.writeHead(304, kept);
    res.end();
    return;
  }

  const rangeHeader = header(req, 'range');
  const ifRange = header(req, 'if-range');
  const rangeApplies = rangeHeader !== undefined && (ifRange === undefined || ifRange === headers.ETag);
  if (rangeApplies) {
    const ranges = parseRange(bytes.byteLength, rangeHeader, { combine: true });
    if (ranges === -1) {
      const body = JSON.stringify({ status: 'error', message: 'Requested range not satisfiable' });
      res.writeHead(416, {
        ...DELIVERY_HEADERS,
        'Content-Type': JSON_CONTENT_TYPE,
        'Content-Range': `bytes */${bytes.byteLength}`,
        'Content-Length': String(Buffer.byteLength(body)),
      });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    // One range, as S3 serves it; a malformed or multi-range header gets the whole object (S3 too).
    if (ranges !== -2 && ranges.length === 1) {
      const { start, end } = ranges[0];
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${start}-${end}/${bytes.byteLength}`,
        'Content-Length': String(end - start + 1),
      });
      res.end(method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
      return;
    }
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(bytes.byteLength) });
  res.end(method === 'HEAD' ? undefined : bytes);
}

function sendError(res: ServerResponse, status: number, message: string, method: string): true {
  const body = JSON.stringify({ status: 'error', message });
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'X-Content-Type-Options': 'nosniff',
    'Access-Control-Allow-Origin': '*',
    // Errors are not cached for long: an image may be published a moment later.
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}

/**
 * `If-None-Match` as CloudFront answers it: a 304 when any listed tag matches the object's
 * (weak comparison). A browser's `Cache-Control: no-cache` does not change that at the CDN, so
 * this is not `fresh`'s end-to-end reload rule.
 */
export function notModified(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (!ifNoneMatch || !etag) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}
