import type { S3Client } from '@aws-sdk/client-s3';
import { S3VariantObjects } from '../functions/adapters/s3-variant-objects';
import { readTransformSettings } from '../functions/core/config';
import { objectKeyFor } from '../functions/core/ids';
import { logger } from '../functions/runtime/logger';
import { parseTransform } from '../functions/core/transform-params';
import { getOrRenderVariant, type ImageRenderer, type VariantDeps } from '../functions/core/variants';
import type { VariantResolver } from './cdn';


export interface LocalVariantsOptions {
  readonly s3: S3Client;
  readonly bucketName: string;
  /** Environment for the render settings (IMAGER_MAX_PIXELS, IMAGER_RENDER_TIMEOUT_SECONDS). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Overrides (tests): the objects and renderer the transform function uses by default. */
  readonly deps?: Partial<VariantDeps>;
}

/**
 * Transforms in local mode, with the transform function's own code: the query is checked by
 * the same parser the CloudFront Function mirrors (a 400 `BadRequestError` for anything bad),
 * `format=auto` is resolved from Accept, and the variant is found or rendered (sharp, the host's
 * build) and stored in the S3 emulator under `variants/<id>/<canonical>`, where the local CDN
 * then reads it like any object. Undefined when the image has no published original (404).
 * A query with no parameter at all (`/image/<id>?`) is the original, as at the edge.
 */
export function createLocalVariants(options: LocalVariantsOptions): VariantResolver {
  const deps: VariantDeps = {
    objects: options.deps?.objects ?? new S3VariantObjects(options.s3, options.bucketName),
    renderer: options.deps?.renderer ?? lazySharpRenderer(options.env ?? process.env),
    log: options.deps?.log ?? logger,
  };
  return async (id, query, accept) => {
    const transform = parseTransform([...query.entries()], accept);
    if (!transform) return { key: objectKeyFor(id), varyOnAccept: false };
    const variant = await getOrRenderVariant(deps, id, transform);
    return variant && { key: variant.key, varyOnAccept: transform.auto };
  };
}

/**
 * sharp (libvips) is loaded on the first render, not when the local API starts: most local
 * runs and test files never ask for a variant, and loading it costs ~0.5 s of CPU.
 */
function lazySharpRenderer(env: Readonly<Record<string, string | undefined>>): ImageRenderer {
  const settings = readTransformSettings(env);
  let renderer: Promise<ImageRenderer> | undefined;
  return {
    render(input, transform) {
      renderer ??= import('../functions/adapters/sharp-renderer').then(({ SharpRenderer }) => new SharpRenderer(settings));
      return renderer.then((r) => r.render(input, transform));
    },
  };
}
