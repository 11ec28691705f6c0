import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { SharpRenderer } from './adapters/sharp-renderer';
import { readTransformSettings } from './core/config';
import { readEdgeSettings } from './core/edge-settings';
import { HttpError, ImageNotFoundError, ServiceUnavailableError } from './core/errors';
import type { Metrics } from './core/metrics';
import { getOrRenderVariant, parseVariantPath, publicQueryFor, renderFormatOf, type VariantDeps } from './core/variants';
import { logger } from './runtime/logger';
import { metrics, s3, variantObjects } from './runtime/wiring';
import { errorResponse, invoke } from './transport/invocation';

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

/** A query as the edge forwards it: names, values and percent escapes only (it becomes part of a Location). */
const VIEWER_QUERY = /^[A-Za-z0-9_.~%=&-]{1,2000}$/;

/** The headers every answer shares with the originals CloudFront serves (docs/delivery.md). */
const SERVING_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Access-Control-Allow-Origin': '*' } as const;

/**
 * The transform function: the failover origin behind S3 in CloudFront's origin group for
 * `/variants/<id>/<canonical>`, reached through its function URL (IAM auth, CloudFront OAC).
 * The CloudFront Function has already validated and normalised the public query into that
 * path; the path is parsed again here (`parseVariantPath`) and trusted no further.
 *
 * 200 with the variant (base64 body) and the immutable cache headers; 404 in the envelope for
 * an unknown or deleted image; a variant too large for a function response is stored first
 * and answered with a 307 (no-store) to the same public URL, which S3 then serves.
 */
export function createTransformImageHandler(deps: TransformImageDeps) {
  const answer = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext?.http?.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'Method not allowed', { Allow: 'GET, HEAD' });
    const { imageId, transform } = parseVariantPath(event.rawPath ?? '');

    const variant = await getOrRenderVariant(deps, imageId, transform).catch((error: unknown) => {
      // sharp's own timeout: the render may succeed when tried again on a quieter container.
      if (error instanceof Error && /timeout/i.test(error.message)) throw new ServiceUnavailableError(5, { cause: error });
      throw error;
    });
    if (!variant) throw new ImageNotFoundError();
    if (variant.rendered) deps.metrics?.variantRendered(renderFormatOf(variant.contentType));

    if (variant.bytes.byteLength > deps.maxInlineBytes) {
      // Stored already: the same public URL is now an S3 hit. Never cache the redirect itself.
      // Back to the query the viewer sent (the edge passes it on, signature included: a signed
      // URL must stay signed), or the variant's explicit query when there is none.
      const sent = event.headers?.['x-imager-query'];
      const query = sent !== undefined && VIEWER_QUERY.test(sent) ? sent : publicQueryFor(transform);
      return {
        statusCode: 307,
        headers: { ...SERVING_HEADERS, Location: `/image/${imageId}?${query}`, 'Cache-Control': 'no-store' },
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
  };
  return async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> =>
    invoke({
      requestId: event.requestContext?.requestId,
      context,
      work: () => answer(event),
      recover: (error) => errorResponse(error, SERVING_HEADERS),
      finish: async () => {
        await deps.metrics?.flush();
      },
    });
}

// sharp starts libvips when imported: only this function's bundle imports it, so its renderer
// is made here rather than in the shared wiring.
export const handler = createTransformImageHandler({
  objects: variantObjects(s3('background')),
  renderer: new SharpRenderer(readTransformSettings(process.env)),
  log: logger,
  maxInlineBytes: MAX_INLINE_BYTES,
  metrics: metrics(),
  maxVariants: readEdgeSettings(process.env).maxVariantsPerImage,
});
