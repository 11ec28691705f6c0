import type { Node } from 'constructs';
import { ConfigError, DEFAULTS, optionalString, positiveInt, readLimits, type Limits } from '../functions/core/config';

/** The settings of SPEC §7, read from CDK context (`cdk.json` or `-c NAME=value`). */
export interface StackSettings {
  readonly hourlyLimit: number;
  readonly throttleRate: number;
  readonly throttleBurst: number;
  readonly dailyQuota: number;
  readonly limits: Limits;
  readonly publicBaseUrl: string | undefined;
  readonly authCacheSeconds: number;
}

export const SETTING_NAMES = [
  'IMAGER_HOURLY_LIMIT',
  'IMAGER_THROTTLE_RATE',
  'IMAGER_THROTTLE_BURST',
  'IMAGER_DAILY_QUOTA',
  'IMAGER_MAX_IMAGE_BYTES',
  'IMAGER_MAX_LARGE_IMAGE_BYTES',
  'IMAGER_MAX_PIXELS',
  'IMAGER_PUBLIC_BASE_URL',
  'IMAGER_AUTH_CACHE_SECONDS',
] as const;

/** Reads the context values through the same validators the handlers use for their env. */
export function readStackSettings(node: Node): StackSettings {
  const env: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) {
    const value: unknown = node.tryGetContext(name);
    env[name] = value === undefined || value === null ? undefined : String(value);
  }
  const authCache = optionalString(env, 'IMAGER_AUTH_CACHE_SECONDS');
  if (authCache !== undefined && (!/^\d+$/.test(authCache) || Number(authCache) > 3600)) {
    throw new ConfigError('IMAGER_AUTH_CACHE_SECONDS must be an integer from 0 to 3600');
  }
  const publicBaseUrl = optionalString(env, 'IMAGER_PUBLIC_BASE_URL');
  if (publicBaseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicBaseUrl)) {
    throw new ConfigError(`IMAGER_PUBLIC_BASE_URL must be an http(s) URL, got "${publicBaseUrl}"`);
  }
  return {
    hourlyLimit: positiveInt(env, 'IMAGER_HOURLY_LIMIT', DEFAULTS.hourlyLimit),
    throttleRate: positiveInt(env, 'IMAGER_THROTTLE_RATE', DEFAULTS.throttleRate),
    throttleBurst: positiveInt(env, 'IMAGER_THROTTLE_BURST', DEFAULTS.throttleBurst),
    dailyQuota: positiveInt(env, 'IMAGER_DAILY_QUOTA', DEFAULTS.dailyQuota),
    limits: readLimits(env),
    publicBaseUrl: publicBaseUrl?.replace(/\/+$/, ''),
    authCacheSeconds: authCache === undefined ? DEFAULTS.authCacheSeconds : Number(authCache),
  };
}
