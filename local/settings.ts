/** Kept for its import path: local mode's settings are read in functions/core/config.ts. */
export { readLocalSettings, type LocalSettings } from '../functions/core/config';
