import { ConfigError, optionalString, positiveInt } from './config';
import { UNSIGNED_DEFAULTS, type UnsignedSet } from './edge-rules';
import { MAX_DIMENSION, OUTPUT_FORMATS } from './transform-params';

/** The settings of the edge rules (docs/edge.md, docs/configuration.md), read where they are used: the stack, local mode and the functions. */
export interface EdgeSettings {
  /** IMAGER_UNSIGNED_SIZES, IMAGER_UNSIGNED_FORMATS: what renders without a signature. */
  readonly unsigned: UnsignedSet;
  /** IMAGER_PRIVATE_URL_SECONDS: how long the API's `url` of a private image stays valid. */
  readonly privateUrlSeconds: number;
  /**
   * IMAGER_EDGE_TTL_SECONDS: the longest CloudFront keeps a copy before asking the bucket again.
   * Bounds how long a removed image's entry must stay in the store (the deny-list).
   */
  readonly edgeTtlSeconds: number;
  /** IMAGER_MAX_VARIANTS_PER_IMAGE: the transform function refuses to store more for one image. */
  readonly maxVariantsPerImage: number;
}

export const EDGE_SETTING_NAMES = ['IMAGER_UNSIGNED_SIZES', 'IMAGER_UNSIGNED_FORMATS', 'IMAGER_PRIVATE_URL_SECONDS', 'IMAGER_EDGE_TTL_SECONDS', 'IMAGER_MAX_VARIANTS_PER_IMAGE'] as const;

export const EDGE_DEFAULTS = { privateUrlSeconds: 3600, edgeTtlSeconds: 86_400, maxVariantsPerImage: 100 } as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A comma-separated list setting: `none` (or empty) for no value at all. */
function list(env: Env, name: string): string[] | undefined {
  const raw = optionalString(env, name);
  if (raw === undefined) return undefined;
  if (raw.toLowerCase() === 'none') return [];
  return raw.split(',').map((item) => item.trim());
}

export function readEdgeSettings(env: Env): EdgeSettings {
  const sizes = list(env, 'IMAGER_UNSIGNED_SIZES')?.map((item) => {
    if (!/^[1-9][0-9]{0,3}$/.test(item) || Number(item) > MAX_DIMENSION) {
      throw new ConfigError(`IMAGER_UNSIGNED_SIZES must be sizes from 1 to ${MAX_DIMENSION} separated by commas (or none), got "${item}"`);
    }
    return Number(item);
  });
  const allowed: readonly string[] = [...OUTPUT_FORMATS, 'auto'];
  const formats = list(env, 'IMAGER_UNSIGNED_FORMATS');
  for (const format of formats ?? []) {
    if (!allowed.includes(format)) throw new ConfigError(`IMAGER_UNSIGNED_FORMATS must list formats of ${allowed.join(', ')} (or none), got "${format}"`);
  }
  const edgeTtlSeconds = positiveInt(env, 'IMAGER_EDGE_TTL_SECONDS', EDGE_DEFAULTS.edgeTtlSeconds);
  // CloudFront's cache policies allow a year at most; the deny-list must outlive what the edge keeps.
  if (edgeTtlSeconds > 31_536_000) throw new ConfigError('IMAGER_EDGE_TTL_SECONDS must be at most 31536000 (a year)');
  return {
    unsigned: { sizes: sizes ? [...new Set(sizes)] : UNSIGNED_DEFAULTS.sizes, formats: formats ? [...new Set(formats)] : UNSIGNED_DEFAULTS.formats },
    privateUrlSeconds: positiveInt(env, 'IMAGER_PRIVATE_URL_SECONDS', EDGE_DEFAULTS.privateUrlSeconds),
    edgeTtlSeconds,
    maxVariantsPerImage: positiveInt(env, 'IMAGER_MAX_VARIANTS_PER_IMAGE', EDGE_DEFAULTS.maxVariantsPerImage),
  };
}

/** The environment the functions get for these settings on AWS. */
export function edgeEnvironment(settings: EdgeSettings): Record<string, string> {
  return {
    IMAGER_UNSIGNED_SIZES: settings.unsigned.sizes.length > 0 ? settings.unsigned.sizes.join(',') : 'none',
    IMAGER_UNSIGNED_FORMATS: settings.unsigned.formats.length > 0 ? settings.unsigned.formats.join(',') : 'none',
    IMAGER_PRIVATE_URL_SECONDS: String(settings.privateUrlSeconds),
    IMAGER_EDGE_TTL_SECONDS: String(settings.edgeTtlSeconds),
    IMAGER_MAX_VARIANTS_PER_IMAGE: String(settings.maxVariantsPerImage),
  };
}
