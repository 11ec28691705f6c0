import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { BACKGROUND_CLIENT_OPTIONS } from './adapters/client-options';
import { S3VariantObjects } from './adapters/s3-variant-objects';
import { SharpRenderer } from './adapters/sharp-renderer';
import { readTransformSettings, requireString } from './core/config';
import { HttpError, ImageNotFoundError, NotFoundError, ServiceUnavailableError } from './core/errors';
import { errorToResponse } from './core/http';
import { isImageId } from './core/ids';
import { logger } from './core/logger';
import { parseCanonical } from './core/transform-params';
import { EmfMetrics } from './adapters/emf-metrics';
import type { Metrics } from './core/metrics';
import { getOrRenderVariant, publicQueryFor, type VariantDeps } from './core/variants';

/**
 * A function URL response is at most 6 MB (6,291,456 bytes) of JSON; the body is base64 (x4/3).
 * 4.5 MB of image is 6,000,000 characters of base64, leaving room for the headers.
 */
export const MAX_INLINE_BYTES = 4_500_000;

export interface TransformImageDeps extends VariantDeps {
  /** Variants larger than this are answered with a 307 to be served from S3 (tests lower it). */
  readonly maxInlineBytes: number;
  /** Business metrics: one `variantRendered` per render (a miss), none for a stored variant. */
  readonly metrics?: Pick<Metrics, 'variantRendered' | 'flush'>;
}

/** The metric's format dimension comes from this allow-list, never from the request. */
const OUTPUT_FORMATS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/gif': 'gif',
};

const VARIANT_PATH = /^\/variants\/([^/]+)\/([^/]+)$/;
const ORIGINAL_PATH = /^\/images\/[A-Za-z0-9_-]{22}$/;

/** The headers every answer shares with the originals CloudFront serves (SPEC §11). */
const SERVING_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Access-Control-Allow-Origin': '*' } as const;

/**
 * The transform function: the failover origin behind S3 in CloudFront's origin group for
 * `/variants/<id>/<canonical>`, reached through its function URL (IAM auth, CloudFront OAC).
 * The CloudFront Function has already validated and normalised the public query into that
 * path; the path is parsed again here and trusted no further than the parser allows.
 *
 * 200 with the variant (base64 body) and the immutable cache headers; 404 in the envelope for
 * an unknown or deleted image; a variant too large for a function response is stored first
 * and answered with a 307 (no-store) to the same public URL, which S3 then serves.
 */
export function createTransformImageHandler(deps: TransformImageDeps) {
  return async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    if (context) logger.addContext(context);
    logger.appendKeys({ requestId: event.requestContext?.requestId });
    try {
      const method = event.requestContext?.http?.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'Method not allowed', { Allow: 'GET, HEAD' });
      const match = VARIANT_PATH.exec(event.rawPath ?? '');
      // In the origin group the function is also the failover for originals: S3 answered 403/404
      // for images/<id>, so the image does not exist (CloudFront then shows our 404, not S3's 403).
      if (!match && ORIGINAL_PATH.test(event.rawPath ?? '')) throw new ImageNotFoundError();
      if (!match) throw new NotFoundError();
      const [, imageId, canonical] = match as unknown as [string, string, string];
      if (!isImageId(imageId)) throw new ImageNotFoundError();
      const transform = parseCanonical(canonical);

      const variant = await getOrRenderVariant(deps, imageId, transform).catch((error: unknown) => {
        // sharp's own timeout: the render may succeed when tried again on a quieter container.
        if (error instanceof Error && /timeout/i.test(error.message)) throw new ServiceUnavailableError(5, { cause: error });
        throw error;
      });
      if (!variant) throw new ImageNotFoundError();
      if (variant.rendered) deps.metrics?.variantRendered(OUTPUT_FORMATS[variant.contentType] ?? 'other');

      if (variant.bytes.byteLength > deps.maxInlineBytes) {
        // Stored already: the same public URL is now an S3 hit. Never cache the redirect itself.
        return {
          statusCode: 307,
          headers: { ...SERVING_HEADERS, Location: `/image/${imageId}?${publicQueryFor(transform)}`, 'Cache-Control': 'no-store' },
          body: '',
        };
      }
      return {
        statusCode: 200,
        headers: {
          ...SERVING_HEADERS,
          'Content-Type': variant.contentType,
          'Content-Length': String(variant.bytes.byteLength),
          'Cache-Control': variant.cacheControl,
          // S3's ETag of a single-part object: the same validator whichever origin answered.
          ETag: `"${createHash('md5').update(variant.bytes).digest('hex')}"`,
        },
        body: method === 'HEAD' ? '' : Buffer.from(variant.bytes.buffer, variant.bytes.byteOffset, variant.bytes.byteLength).toString('base64'),
        isBase64Encoded: method !== 'HEAD',
      };
    } catch (error) {
      return errorToResponse(error, (message, details) => logger.error(message, details as never), SERVING_HEADERS);
    } finally {
      logger.removeKeys(['requestId']);
      await deps.metrics?.flush();
    }
  };
}

const settings = readTransformSettings(process.env);

export const handler = createTransformImageHandler({
  objects: new S3VariantObjects(new S3Client(BACKGROUND_CLIENT_OPTIONS), requireString(process.env, 'BUCKET_NAME')),
  renderer: new SharpRenderer(settings),
  log: logger,
  maxInlineBytes: MAX_INLINE_BYTES,
  metrics: new EmfMetrics(),
});
