import { BadRequestError } from './errors';
import { VARIANT_PREFIX } from './ids';

/**
 * Transform parameters of the public URL (docs/transforms.md): `/image/<id>?w=&h=&fit=&format=&q=`.
 *
 * Pure: no sharp, no AWS. The CloudFront Function in `lib/edge/viewer-request.js`
 * implements the same rules in the CloudFront runtime; a property test runs both on generated
 * queries and requires the same decisions and the same canonical string.
 *
 * Strict on purpose: every unknown, repeated, empty, malformed or out-of-range parameter is a
 * 400, so junk parameters can never multiply cache entries or stored variants.
 */

export const FITS = ['inside', 'cover', 'contain'] as const;
export type Fit = (typeof FITS)[number];

/** Formats a variant can be written in. */
export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What the URL asks for: an explicit format, `auto` (by Accept), or nothing (`original`). */
export type FormatChoice = OutputFormat | 'original';

export const PARAMETER_NAMES = ['w', 'h', 'fit', 'format', 'q'] as const;
export const MAX_DIMENSION = 4096;
export const MAX_QUALITY = 100;

/** Quality each lossy format gets when `q` is absent (sharp's own defaults, written down so the key names them). */
export const DEFAULT_QUALITY: Readonly<Record<Exclude<OutputFormat, 'png'>, number>> = {
  jpeg: 80,
  webp: 80,
  avif: 50,
};

/** A validated, normalised transform. */
export interface Transform {
  readonly width?: number;
  readonly height?: number;
  /** Only meaningful with both sides; normalised to `inside` otherwise. */
  readonly fit: Fit;
  /** Resolved: `auto` has already become avif, webp or original through the Accept header. */
  readonly format: FormatChoice;
  /** Absent: the format's default (made explicit in the canonical string when the format is known). */
  readonly quality?: number;
  /** The request said `format=auto`: the response varies by `Accept`. */
  readonly auto: boolean;
}

/** One query parameter as received (name and value already percent-decoded). */
export type QueryPair = readonly [name: string, value: string];

const INTEGER = /^[1-9][0-9]{0,5}$/;

function integerIn(name: string, value: string, max: number): number {
  if (!INTEGER.test(value) || Number(value) > max) {
    throw new BadRequestError(`Parameter ${name} must be an integer from 1 to ${max}`);
  }
  return Number(value);
}

/**
 * Parses the query of a variant URL. Returns undefined when the query has no parameter at all
 * (the original is wanted); throws a 400 `BadRequestError` naming the problem otherwise.
 *
 * @param pairs every parameter occurrence, in order (repeats included: use {@link pairsFromMultiValue}
 *   or {@link pairsFromSearch} to build it)
 * @param accept the request's `Accept` header, for `format=auto`
 */
export function parseTransform(pairs: readonly QueryPair[], accept: string | undefined): Transform | undefined {
  if (pairs.length === 0) return undefined;
  // Grouped by name, the shape CloudFront hands its functions (one entry per name, repeats in
  // multiValue). Unknown names are reported before repeats, repeats before values, and among
  // several the name that sorts first: a rule that does not depend on the order of the object's
  // keys, so the CloudFront Function names the same problem.
  const byName = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  const names = [...byName.keys()].sort();
  const unknown = names.find((name) => !(PARAMETER_NAMES as readonly string[]).includes(name));
  if (unknown !== undefined) {
    throw new BadRequestError(`Unknown parameter ${JSON.stringify(unknown)}; allowed: w, h, fit, format, q`);
  }
  const repeated = names.find((name) => (byName.get(name) as string[]).length > 1);
  if (repeated !== undefined) throw new BadRequestError(`Parameter ${repeated} is repeated`);
  const seen = new Map<string, string>();
  for (const [name, values] of byName) seen.set(name, values[0] as string);
  const w = seen.get('w');
  const h = seen.get('h');
  const fitValue = seen.get('fit');
  const formatValue = seen.get('format');
  const q = seen.get('q');

  const width = w === undefined ? undefined : integerIn('w', w, MAX_DIMENSION);
  const height = h === undefined ? undefined : integerIn('h', h, MAX_DIMENSION);
  if (fitValue !== undefined && !(FITS as readonly string[]).includes(fitValue)) {
    throw new BadRequestError('Parameter fit must be one of inside, cover, contain');
  }
  if (formatValue !== undefined && formatValue !== 'auto' && !(OUTPUT_FORMATS as readonly string[]).includes(formatValue)) {
    throw new BadRequestError('Parameter format must be one of jpeg, png, webp, avif, auto');
  }
  const quality = q === undefined ? undefined : integerIn('q', q, MAX_QUALITY);

  const auto = formatValue === 'auto';
  const format: FormatChoice = auto ? formatForAccept(accept) : ((formatValue as OutputFormat | undefined) ?? 'original');
  // With one side (or none) every fit gives the same picture: one key for all of them.
  const fit: Fit = width !== undefined && height !== undefined ? ((fitValue as Fit | undefined) ?? 'inside') : 'inside';
  return { width, height, fit, format, quality, auto };
}

/**
 * The format `auto` becomes: AVIF if `Accept` lists `image/avif`, else WebP if it lists
 * `image/webp`, else the original's. A type listed with `q=0` is refused by the client and
 * does not count; wildcards do not count (browsers list the modern types they decode).
 */
export function formatForAccept(accept: string | undefined): FormatChoice {
  const accepted = new Set<string>();
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.split(';');
    const mediaType = (type ?? '').trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (match) q = Number(match[1]);
    }
    if (mediaType && q > 0) accepted.add(mediaType);
  }
  if (accepted.has('image/avif')) return 'avif';
  if (accepted.has('image/webp')) return 'webp';
  return 'original';
}

/**
 * The canonical name of a transform: fixed order, defaults written out, only `[a-z0-9-]`, so
 * equivalent URLs share one cache key and one stored variant (`variants/<id>/<canonical>`).
 * Example: `w300-hauto-inside-webp-q80`. PNG is lossless, so its `q` is ignored and named
 * `qauto`, as is an unset `q` for the original format (its default depends on that format).
 * `auto` is not part of it: `format=auto` answered with AVIF is the same variant as `format=avif`.
 */
export function canonicalTransform(t: Transform): string {
  let quality = 'auto';
  if (t.format !== 'png') {
    const q = t.quality ?? (t.format === 'original' ? undefined : DEFAULT_QUALITY[t.format]);
    if (q !== undefined) quality = String(q);
  }
  const fit = t.width !== undefined && t.height !== undefined ? t.fit : 'inside';
  return `w${t.width ?? 'auto'}-h${t.height ?? 'auto'}-${fit}-${t.format}-q${quality}`;
}

const CANONICAL = /^w(auto|[1-9][0-9]{0,3})-h(auto|[1-9][0-9]{0,3})-(inside|cover|contain)-(jpeg|png|webp|avif|original)-q(auto|[1-9][0-9]{0,2})$/;

/**
 * Reads a canonical name back (the transform function receives `/variants/<id>/<canonical>`
 * and trusts nothing): anything that is not exactly what {@link canonicalTransform} writes
 * for some valid transform is a 400.
 */
export function parseCanonical(canonical: string): Transform {
  const match = CANONICAL.exec(canonical);
  if (!match) throw new BadRequestError('Malformed variant name');
  const [, w, h, fit, format, q] = match as unknown as [string, string, string, Fit, FormatChoice, string];
  const transform: Transform = {
    width: w === 'auto' ? undefined : Number(w),
    height: h === 'auto' ? undefined : Number(h),
    fit,
    format,
    quality: q === 'auto' ? undefined : Number(q),
    auto: false,
  };
  if (
    (transform.width ?? 1) > MAX_DIMENSION ||
    (transform.height ?? 1) > MAX_DIMENSION ||
    (transform.quality ?? 1) > MAX_QUALITY ||
    canonicalTransform(transform) !== canonical
  ) {
    throw new BadRequestError('Malformed variant name');
  }
  return transform;
}

/** Pairs from API Gateway's `multiValueQueryStringParameters` (every repeat kept). */
export function pairsFromMultiValue(
  multi: Readonly<Record<string, readonly string[] | undefined>> | null | undefined,
  single?: Readonly<Record<string, string | undefined>> | null,
): QueryPair[] {
  const pairs: QueryPair[] = [];
  if (multi) {
    for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) pairs.push([name, value]);
    return pairs;
  }
  for (const [name, value] of Object.entries(single ?? {})) if (value !== undefined) pairs.push([name, value]);
  return pairs;
}

/**
 * Pairs from a raw query string (`w=300&h=200`), percent-decoded; `+` stays a plus (no value
 * we accept contains one). A malformed escape is a 400.
 */
export function pairsFromSearch(search: string): QueryPair[] {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return [];
  return query.split('&').map((part): QueryPair => {
    const at = part.indexOf('=');
    const rawName = at < 0 ? part : part.slice(0, at);
    const rawValue = at < 0 ? '' : part.slice(at + 1);
    try {
      return [decodeURIComponent(rawName), decodeURIComponent(rawValue)];
    } catch {
      throw new BadRequestError('Malformed query string');
    }
  });
}

/** The S3 key of a variant. */
export function variantKey(imageId: string, canonical: string): string {
  return `${VARIANT_PREFIX}${imageId}/${canonical}`;
}

