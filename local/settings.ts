import { resolve } from 'node:path';
import { ConfigError, DEFAULTS, optionalString, positiveInt } from '../functions/core/config';
import { KEY_PATTERN } from '../functions/core/api-keys';

/** Local-mode settings (SPEC §7), read from the environment once. */
export interface LocalSettings {
  readonly port: number;
  readonly dataDir: string;
  readonly devKey: string | undefined;
  readonly throttleRate: number;
  readonly throttleBurst: number;
  readonly dailyQuota: number;
  readonly authCacheSeconds: number;
  readonly sweepMinutes: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

export function readLocalSettings(env: Env = process.env): LocalSettings {
  const devKey = optionalString(env, 'IMAGER_DEV_KEY');
  if (devKey !== undefined && !KEY_PATTERN.test(devKey)) {
    throw new ConfigError('IMAGER_DEV_KEY must be 20 to 128 characters from [A-Za-z0-9_-]');
  }
  const port = nonNegativeInt(env, 'PORT', 3000);
  if (port > 65535) throw new ConfigError(`PORT must be at most 65535, got ${port}`);
  return {
    port,
    dataDir: resolve(optionalString(env, 'IMAGER_DATA_DIR') ?? '.imager'),
    devKey,
    throttleRate: positiveInt(env, 'IMAGER_THROTTLE_RATE', DEFAULTS.throttleRate),
    throttleBurst: positiveInt(env, 'IMAGER_THROTTLE_BURST', DEFAULTS.throttleBurst),
    dailyQuota: positiveInt(env, 'IMAGER_DAILY_QUOTA', DEFAULTS.dailyQuota),
    authCacheSeconds: nonNegativeInt(env, 'IMAGER_AUTH_CACHE_SECONDS', DEFAULTS.authCacheSeconds),
    sweepMinutes: nonNegativeInt(env, 'IMAGER_SWEEP_MINUTES', 10),
  };
}
