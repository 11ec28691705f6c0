import type { S3Client } from '@aws-sdk/client-s3';
import { S3VariantObjects } from '../functions/adapters/s3-variant-objects';
import { readTransformSettings } from '../functions/core/config';
import { readEdgeSettings } from '../functions/core/edge-settings';
import { logger } from '../functions/runtime/logger';
import { getOrRenderVariant, type ImageRenderer, parseVariantPath, type VariantDeps } from '../functions/core/variants';
import type { VariantOrigin } from './cdn';

export interface LocalVariantsOptions {
  readonly s3: S3Client;
  readonly bucketName: string;
  /** Environment for the render settings (IMAGER_MAX_PIXELS, IMAGER_RENDER_TIMEOUT_SECONDS, IMAGER_MAX_VARIANTS_PER_IMAGE). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Overrides (tests): the objects and renderer the transform function uses by default. */
  readonly deps?: Partial<VariantDeps>;
}

/**
 * The transform origin in local mode, with the transform function's own code: the local CDN has
 * run the viewer-request function, which rewrote the public URL to `/variants/<id>/<canonical>`;
 * that path is parsed as the function parses it (a 400 for a bad name), and the variant is found
 * or rendered (sharp, the host's build; the per-image cap applies) and stored in the S3 emulator
 * under `variants/<id>/<canonical>`, where the local CDN then reads it like any object.
 * Undefined when the image has no published original (404).
 */
export function createLocalVariants(options: LocalVariantsOptions): VariantOrigin {
  const env = options.env ?? process.env;
  const deps: VariantDeps = {
    objects: options.deps?.objects ?? new S3VariantObjects(options.s3, options.bucketName),
    renderer: options.deps?.renderer ?? lazySharpRenderer(env),
    log: options.deps?.log ?? logger,
    maxVariants: options.deps?.maxVariants ?? readEdgeSettings(env).maxVariantsPerImage,
  };
  return async (path) => {
    const { imageId, transform } = parseVariantPath(path);
    const variant = await getOrRenderVariant(deps, imageId, transform);
    return variant && { key: variant.key };
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
