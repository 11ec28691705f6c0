import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  EVENT_HEADROOM_BYTES,
  functionEnvironment,
  LAMBDA_SYNC_PAYLOAD_BYTES,
  MAX_DIRECT_IMAGE_BYTES,
  readConfig,
  readLimits,
  readLocalSettings,
  readStackSettings,
} from '../../functions/core/config';

describe('IMAGER_MAX_IMAGE_BYTES must fit a Lambda event (docs/security-and-reliability.md)', () => {
  it('the largest accepted value, base64-encoded, plus the event headroom is within 6 MB', () => {
    expect(Math.ceil(MAX_DIRECT_IMAGE_BYTES / 3) * 4 + EVENT_HEADROOM_BYTES).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    // and one more 3-byte group would not fit
    expect(Math.ceil((MAX_DIRECT_IMAGE_BYTES + 3) / 3) * 4 + EVENT_HEADROOM_BYTES).toBeGreaterThan(LAMBDA_SYNC_PAYLOAD_BYTES);
  });

  it('accepts the default and the largest value that fits', () => {
    expect(readLimits({}).maxImageBytes).toBe(4 * 1024 * 1024);
    expect(readLimits({ IMAGER_MAX_IMAGE_BYTES: String(MAX_DIRECT_IMAGE_BYTES) }).maxImageBytes).toBe(MAX_DIRECT_IMAGE_BYTES);
  });

  it.each([MAX_DIRECT_IMAGE_BYTES + 1, 5 * 1024 * 1024, 6 * 1024 * 1024, 10 * 1024 * 1024])('refuses %i, saying why', (value) => {
    expect(() => readConfig({ IMAGER_MAX_IMAGE_BYTES: String(value) })).toThrow(ConfigError);
    expect(() => readConfig({ IMAGER_MAX_IMAGE_BYTES: String(value) })).toThrow(/at most 4669440.*Lambda event/);
  });

  it('is refused from CDK context and by local mode as well', () => {
    const app = new App({ context: { IMAGER_MAX_IMAGE_BYTES: 5 * 1024 * 1024 } });
    expect(() => readStackSettings(app.node)).toThrow(ConfigError);
    expect(() => readLocalSettings({ IMAGER_MAX_IMAGE_BYTES: String(5 * 1024 * 1024) })).toThrow(ConfigError);
  });
});

describe('one reader of settings (docs/security-and-reliability.md)', () => {
  it('reads the URL lifetime from CDK context and passes it to the functions', () => {
    const settings = readStackSettings(new App({ context: { IMAGER_UPLOAD_URL_SECONDS: '1800' } }).node);
    expect(settings.uploadUrlSeconds).toBe(1800);
    const env = functionEnvironment(settings);
    expect(env).toMatchObject({ IMAGER_UPLOAD_URL_SECONDS: '1800' });
    // What the functions read back from that environment is what the stack was given.
    expect(readConfig(env)).toEqual({
      hourlyLimit: settings.hourlyLimit,
      limits: settings.limits,
      publicBaseUrl: settings.publicBaseUrl,
      uploadUrlSeconds: 1800,
    });
  });

  it('refuses a bad URL lifetime from context', () => {
    expect(() => readStackSettings(new App({ context: { IMAGER_UPLOAD_URL_SECONDS: 0 } }).node)).toThrow(ConfigError);
  });

  it('local settings: defaults, and the bad values refused', () => {
    const local = readLocalSettings({});
    expect(local).toMatchObject({ port: 3000, throttleRate: 20, throttleBurst: 40, dailyQuota: 24_000, authCacheSeconds: 60, sweepMinutes: 10 });
    expect(local.dataDir.endsWith('.imager')).toBe(true);
    expect(() => readLocalSettings({ PORT: '70000' })).toThrow(ConfigError);
    expect(() => readLocalSettings({ IMAGER_DEV_KEY: 'short' })).toThrow(ConfigError);
    expect(() => readLocalSettings({ IMAGER_SWEEP_MINUTES: '-1' })).toThrow(ConfigError);
    expect(() => readLocalSettings({ IMAGER_HOURLY_LIMIT: 'x' })).toThrow(ConfigError);
  });

  it('no file outside functions/core/config.ts reads IMAGER_* settings or builds its own reader', async () => {
    const { readFileSync, readdirSync, statSync } = await import('node:fs');
    const { join, relative } = await import('node:path');
    const root = new URL('../../', import.meta.url).pathname;
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          const file = relative(root, path);
          // view-image.ts belongs to the delivery work (it moves to config.ts there).
          if (file === 'functions/core/config.ts' || file === 'functions/view-image.ts') continue;
          const text = readFileSync(path, 'utf8');
          // Resource names (BUCKET_NAME, DISTRIBUTION_ID, ...) are read where they are bound, through
          // config.ts's requireString/optionalString; settings (IMAGER_*) only in config.ts.
          if (/process\.env\.IMAGER_|process\.env\[['"]IMAGER_|tryGetContext\(|(positiveInt|optionalString|nonNegativeInt)\([^)]*IMAGER_/.test(text)) offenders.push(file);
        }
      }
    };
    for (const dir of ['functions', 'lib', 'local', 'scripts', 'bin']) walk(join(root, dir));
    expect(offenders).toEqual([]);
  });
});
