import type { IncomingMessage, ServerResponse } from 'node:http';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import parseRange from 'range-parser';
import { IMMUTABLE_CACHE_CONTROL } from '../functions/adapters/s3-image-objects';
import { HttpError } from '../functions/core/errors';
import { isUnavailable, JSON_CONTENT_TYPE } from '../functions/transport/http';
import { isImageId, objectKeyFor } from '../functions/core/ids';

/**
 * Where a transformed variant of an image lives, rendering it first if needed. Throws a 4xx
 * HttpError for bad parameters; undefined when the image does not exist.
 */
export type VariantResolver = (
  id: string,
  query: URLSearchParams,
  accept: string | undefined,
) => Promise<{ readonly key: string; readonly varyOnAccept: boolean } | undefined>;

export interface LocalCdnOptions {
  readonly s3: S3Client;
  readonly bucketName: string;
  /** Transforms (docs/transforms.md); without it any query parameter is refused like an unknown one. */
  readonly variants?: VariantResolver;
  readonly onError?: (message: string, error: unknown) => void;
}

/** Headers CloudFront adds to every image it serves (the stack's response headers policy). */
export const DELIVERY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': IMMUTABLE_CACHE_CONTROL,
  'X-Content-Type-Options': 'nosniff',
  'Access-Control-Allow-Origin': '*',
};

const PATH = /^\/image\/([^/]*)$/;

/**
 * The local stand-in for the CloudFront distribution in front of the bucket (docs/delivery.md): serves
 * `GET`/`HEAD /image/<id>` from the S3 emulator's `images/<id>` with the headers CloudFront
 * sends (immutable caching, ETag, nosniff, CORS), `Range` → 206, `If-None-Match` → 304, and a
 * 404 in the envelope for anything that is not a published image. Returns false for requests
 * that are not its own, so the gateway handles them.
 */
export function createLocalCdn(options: LocalCdnOptions) {
  const report = options.onError ?? ((message, error) => console.error(message, error));

  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://local');
    const match = PATH.exec(url.pathname);
    if (!match) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return false;
    req.resume();
    try {
      const id = match[1];
      if (!isImageId(id)) return sendError(res, 404, 'Not found', method);
      let key = objectKeyFor(id);
      let varyOnAccept = false;
      if ([...url.searchParams.keys()].length > 0 || url.search === '?') {
        if (!options.variants) {
          const name = [...url.searchParams.keys()][0] ?? '';
          return sendError(res, 400, `Unknown query parameter "${name}"`, method);
        }
        const variant = await options.variants(id, url.searchParams, header(req, 'accept'));
        if (!variant) return sendError(res, 404, 'Image not found', method);
        ({ key, varyOnAccept } = variant);
      }
      const object = await getObject(options.s3, options.bucketName, key);
      if (!object) return sendError(res, 404, 'Image not found', method);
      await sendObject(req, res, object, method, varyOnAccept);
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
  varyOnAccept: boolean,
): Promise<void> {
  const bytes = object.Body ? Buffer.from(await object.Body.transformToByteArray()) : Buffer.alloc(0);
  const headers: Record<string, string> = {
    'Content-Type': object.ContentType ?? 'application/octet-stream',
    ...DELIVERY_HEADERS,
    'Accept-Ranges': 'bytes',
    ...(object.ETag ? { ETag: object.ETag } : {}),
    ...(object.LastModified ? { 'Last-Modified': object.LastModified.toUTCString() } : {}),
    ...(varyOnAccept ? { Vary: 'Accept' } : {}),
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
