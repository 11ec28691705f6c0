/**
 * The one place that reads configuration. Handlers call `loadConfig()` at module scope, so a
 * missing or malformed setting fails the cold start loudly instead of a request quietly.
 */

export interface Limits {
  /** Largest image accepted by a direct (multipart) upload, in bytes. */
  readonly maxImageBytes: number;
  /** Largest image accepted through a presigned (large) upload, in bytes. */
  readonly maxLargeImageBytes: number;
  /** Largest width x height accepted. */
  readonly maxPixels: number;
}

/** Settings shared by the handlers; resource names are read by each handler for what it binds. */
export interface Config {
  readonly hourlyLimit: number;
  readonly limits: Limits;
  /** Custom public base URL for `url` (e.g. https://img.example.com); undefined = derive from the request. */
  readonly publicBaseUrl: string | undefined;
  /** Lifetime of the presigned GET a public link redirects to, in seconds. */
  readonly viewUrlSeconds: number;
  /** Lifetime of a presigned large upload, in seconds. */
  readonly uploadUrlSeconds: number;
}

export const DEFAULTS = {
  hourlyLimit: 1000,
  throttleRate: 20,
  throttleBurst: 40,
  dailyQuota: 24_000,
  maxImageBytes: 4 * 1024 * 1024,
  maxLargeImageBytes: 50 * 1024 * 1024,
  maxPixels: 100_000_000,
  viewUrlSeconds: 300,
  uploadUrlSeconds: 900,
  authCacheSeconds: 60,
} as const;

export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

export function requireString(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`${name} must be set`);
  return value;
}

export function optionalString(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A positive integer setting, or its default when unset. */
export function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function readLimits(env: Env): Limits {
  return {
    maxImageBytes: positiveInt(env, 'IMAGER_MAX_IMAGE_BYTES', DEFAULTS.maxImageBytes),
    maxLargeImageBytes: positiveInt(env, 'IMAGER_MAX_LARGE_IMAGE_BYTES', DEFAULTS.maxLargeImageBytes),
    maxPixels: positiveInt(env, 'IMAGER_MAX_PIXELS', DEFAULTS.maxPixels),
  };
}

/** Reads and validates every setting the handlers share. Resource names are read with `requireString`. */
export function readConfig(env: Env): Config {
  const publicBaseUrl = optionalString(env, 'IMAGER_PUBLIC_BASE_URL');
  if (publicBaseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicBaseUrl)) {
    throw new ConfigError(`IMAGER_PUBLIC_BASE_URL must be an http(s) URL, got "${publicBaseUrl}"`);
  }
  return {
    hourlyLimit: positiveInt(env, 'IMAGER_HOURLY_LIMIT', DEFAULTS.hourlyLimit),
    limits: readLimits(env),
    publicBaseUrl: publicBaseUrl?.replace(/\/+$/, ''),
    viewUrlSeconds: positiveInt(env, 'IMAGER_VIEW_URL_SECONDS', DEFAULTS.viewUrlSeconds),
    uploadUrlSeconds: positiveInt(env, 'IMAGER_UPLOAD_URL_SECONDS', DEFAULTS.uploadUrlSeconds),
  };
}
