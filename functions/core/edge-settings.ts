import type { EdgeSettings } from './config';

export { EDGE_DEFAULTS, type EdgeSettings, readEdgeSettings } from './config';

/** The environment the functions get for the edge settings on AWS (what `readEdgeSettings` reads there). */
export function edgeEnvironment(settings: EdgeSettings): Record<string, string> {
  return {
    IMAGER_UNSIGNED_SIZES: settings.unsigned.sizes.length > 0 ? settings.unsigned.sizes.join(',') : 'none',
    IMAGER_UNSIGNED_FORMATS: settings.unsigned.formats.length > 0 ? settings.unsigned.formats.join(',') : 'none',
    IMAGER_PRIVATE_URL_SECONDS: String(settings.privateUrlSeconds),
    IMAGER_EDGE_TTL_SECONDS: String(settings.edgeTtlSeconds),
    IMAGER_MAX_VARIANTS_PER_IMAGE: String(settings.maxVariantsPerImage),
  };
}
