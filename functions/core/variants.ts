import { HttpError, ImageNotFoundError, NotFoundError } from './errors';
import { IMAGE_ID_PATTERN, isImageId, PUBLISHED_PREFIX } from './ids';
import type { ImageFormat } from './formats/registry';
import { canonicalTransform, type FormatChoice, pairsFromSearch, parseCanonical, parseTransform, type Transform, variantKey } from './transform-params';

/**
 * Variants: an image rendered with a {@link Transform}, rendered once and stored under
 * `variants/<id>/<canonical>` next to the published original `images/<id>`.
 */

/** Formats a variant can come out in: the four of the URL, and GIF when a GIF stays a GIF. */
export type RenderFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif';

export const RENDER_CONTENT_TYPES: Readonly<Record<RenderFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

/**
 * The format of a variant's Content-Type, for a metric dimension: from the allow-list of
 * render formats, never from anything a request carries.
 */
export function renderFormatOf(contentType: string): RenderFormat | 'other' {
  const entry = Object.entries(RENDER_CONTENT_TYPES).find(([, type]) => type === contentType);
  return entry ? (entry[0] as RenderFormat) : 'other';
}

const VARIANT_PATH = /^\/variants\/([^/]+)\/([^/]+)$/;
const ORIGINAL_PATH = /* @__PURE__ */ new RegExp(`^/${PUBLISHED_PREFIX}${IMAGE_ID_PATTERN}$`);

/**
 * The variant a transform-origin path names, `/variants/<id>/<canonical>`, trusted no further
 * than the parser allows (a bad canonical is its 400). The origin group also sends an original
 * S3 did not have (`/images/<id>`): that image does not exist, so `ImageNotFoundError`, as for a
 * malformed id; any other path is `NotFoundError`.
 */
export function parseVariantPath(path: string): { readonly imageId: string; readonly transform: Transform } {
  const match = VARIANT_PATH.exec(path);
  if (!match) throw ORIGINAL_PATH.test(path) ? new ImageNotFoundError() : new NotFoundError();
  const [, imageId, canonical] = match as unknown as [string, string, string];
  if (!isImageId(imageId)) throw new ImageNotFoundError();
  return { imageId, transform: parseCanonical(canonical) };
}

/** The same cache headers as originals (docs/delivery.md): a variant name never changes meaning. */
export const VARIANT_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * The format a variant is written in. `original` keeps the original's format where browsers
 * can show it and sharp can write it (JPEG, PNG, WebP, AVIF, GIF); BMP and TIFF become PNG
 * (lossless, displayable everywhere).
 */
export function renderFormatFor(choice: FormatChoice, input: ImageFormat): RenderFormat {
  if (choice !== 'original') return choice;
  if (input === 'bmp' || input === 'tiff') return 'png';
  return input;
}

/** What a renderer produced. */
export interface RenderedImage {
  readonly bytes: Uint8Array;
  readonly format: RenderFormat;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  /** Frames in the output (1 unless an animation stayed animated). */
  readonly pages: number;
}

/** Port: turns an original's bytes into a variant (sharp in functions/adapters/sharp-renderer.ts). */
export interface ImageRenderer {
  render(input: Uint8Array, transform: Transform): Promise<RenderedImage>;
}

export interface StoredVariant {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/** Port: the objects variants are made from and kept in. */
export interface VariantObjects {
  /** The published original `images/<id>`, or undefined when there is none (unknown or deleted). */
  getOriginal(imageId: string): Promise<Uint8Array | undefined>;
  /** A stored variant, or undefined. */
  getVariant(key: string): Promise<StoredVariant | undefined>;
  putVariant(key: string, variant: StoredVariant, cacheControl: string): Promise<void>;
  /** How many variants of the image are stored, counting no further than `atMost`. */
  countVariants?(imageId: string, atMost: number): Promise<number>;
}

/**
 * The image already has as many stored variants as allowed (IMAGER_MAX_VARIANTS_PER_IMAGE): a
 * backstop behind the edge's unsigned set, so even signed URLs cannot make storage grow without
 * bound. Refused, never rendered.
 */
export class VariantLimitError extends HttpError {
  constructor(limit: number) {
    super(403, `This image already has ${limit} stored variants, the most allowed`, { 'Cache-Control': 'no-store' });
  }
}

export interface VariantLog {
  info(message: string, details: Record<string, unknown>): void;
}

export interface VariantDeps {
  readonly objects: VariantObjects;
  readonly renderer: ImageRenderer;
  readonly log?: VariantLog;
  /** Stored variants per image, at most (IMAGER_MAX_VARIANTS_PER_IMAGE); unset: no cap. */
  readonly maxVariants?: number;
}

export interface VariantResult extends StoredVariant {
  readonly key: string;
  readonly cacheControl: string;
  /** True when this call rendered it (a miss); false when it was already stored. */
  readonly rendered: boolean;
}

/**
 * Renders counted per process: the local API and the tests read it to show that a variant is
 * rendered once and then served from storage.
 */
export const variantStats = { rendered: 0, served: 0 };

/** Renders in flight in this process, by key: concurrent misses for one variant render it once. */
const inFlight = new Map<string, Promise<VariantResult | undefined>>();

/**
 * The variant of `imageId` for `transform`: the stored one if present; otherwise the original
 * is read, rendered, stored (with its Content-Type and the immutable Cache-Control) and
 * returned. Undefined when the image has no published original (404).
 */
export async function getOrRenderVariant(deps: VariantDeps, imageId: string, transform: Transform): Promise<VariantResult | undefined> {
  const key = variantKey(imageId, canonicalTransform(transform));
  const stored = await deps.objects.getVariant(key);
  if (stored) {
    variantStats.served += 1;
    return { ...stored, key, cacheControl: VARIANT_CACHE_CONTROL, rendered: false };
  }
  const pending = inFlight.get(key);
  if (pending) return pending;
  const work = render(deps, imageId, transform, key).finally(() => inFlight.delete(key));
  inFlight.set(key, work);
  return work;
}

async function render(deps: VariantDeps, imageId: string, transform: Transform, key: string): Promise<VariantResult | undefined> {
  const original = await deps.objects.getOriginal(imageId);
  if (!original) return undefined;
  const limit = deps.maxVariants;
  if (limit !== undefined && deps.objects.countVariants && (await deps.objects.countVariants(imageId, limit)) >= limit) {
    throw new VariantLimitError(limit);
  }
  const started = performance.now();
  const output = await deps.renderer.render(original, transform);
  const variant: StoredVariant = { bytes: output.bytes, contentType: output.contentType };
  await deps.objects.putVariant(key, variant, VARIANT_CACHE_CONTROL);
  variantStats.rendered += 1;
  deps.log?.info('variant rendered', {
    key,
    inputBytes: original.byteLength,
    outputBytes: output.bytes.byteLength,
    width: output.width,
    height: output.height,
    pages: output.pages,
    ms: Math.round(performance.now() - started),
  });
  return { ...variant, key, cacheControl: VARIANT_CACHE_CONTROL, rendered: true };
}

/**
 * The public query that names the same variant explicitly (format resolved, defaults written):
 * where a client is sent to fetch a variant again (the transform function's 307).
 */
export function publicQueryFor(transform: Transform): string {
  const parts: string[] = [];
  if (transform.width !== undefined) parts.push(`w=${transform.width}`);
  if (transform.height !== undefined) parts.push(`h=${transform.height}`);
  if (transform.width !== undefined && transform.height !== undefined) parts.push(`fit=${transform.fit}`);
  if (transform.format !== 'original') parts.push(`format=${transform.format}`);
  if (transform.quality !== undefined) parts.push(`q=${transform.quality}`);
  // A re-encode of the original with every default still needs one parameter to be a variant.
  return parts.length > 0 ? parts.join('&') : 'fit=inside';
}

/** What a CDN-like server (the local API's `/image/<id>`) answers for a variant. */
export interface VariantAnswer {
  readonly variant: VariantResult;
  readonly transform: Transform;
  /** Content-Type, Cache-Control, and `Vary: Accept` when the format came from `Accept`. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The whole variant path of a request in one call, for servers that see the public URL (the
 * local API): parses the query (a 400 `BadRequestError` for any bad parameter), resolves
 * `format=auto` from `accept`, and gets or renders the variant. Undefined when the query has
 * no parameter (serve the original) — check {@link hasTransformQuery} first — or when the
 * image has no published original (404).
 */
export async function variantForRequest(
  deps: VariantDeps,
  imageId: string,
  search: string,
  accept: string | undefined,
): Promise<VariantAnswer | undefined> {
  const transform = parseTransform(pairsFromSearch(search), accept);
  if (!transform) return undefined;
  const variant = await getOrRenderVariant(deps, imageId, transform);
  if (!variant) return undefined;
  return {
    variant,
    transform,
    headers: {
      'Content-Type': variant.contentType,
      'Cache-Control': variant.cacheControl,
      ...(transform.auto ? { Vary: 'Accept' } : {}),
    },
  };
}

/** True when a public URL's query asks for a variant (any parameter at all, valid or not). */
export function hasTransformQuery(search: string): boolean {
  return pairsFromSearch(search).length > 0;
}
