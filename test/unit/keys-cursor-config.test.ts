import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, KEY_PATTERN, KEY_PREFIX, parseBearer } from '../../functions/core/api-keys';
import { ConfigError, DEFAULTS, positiveInt, readConfig, readLimits, requireString } from '../../functions/core/config';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE, parseLimit } from '../../functions/core/cursor';
import { BadRequestError } from '../../functions/core/errors';
import { imageIdFromKey, isImageId, newImageId, objectKeyFor } from '../../functions/core/ids';
import { readStackSettings } from '../../lib/settings';

const POSITION = '2026-11-26T23:59:59.123Z#7Yq2mN0c4TzP1aXbK9eLwQ';

describe('cursor', () => {
  it('round-trips a position through an opaque URL-safe cursor', () => {
    const cursor = encodeCursor(POSITION);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(POSITION);
    expect(decodeCursor(cursor)).toBe(POSITION);
  });

  it.each([
    ['empty-ish garbage', '!!!'],
    ['too long', 'A'.repeat(600)],
    ['base64 of text', Buffer.from('hello world').toString('base64url')],
    ['JSON without v', Buffer.from(JSON.stringify({ p: POSITION })).toString('base64url')],
    ['version 2', Buffer.from(JSON.stringify({ v: 2, p: POSITION })).toString('base64url')],
    ['a position of another shape', Buffer.from(JSON.stringify({ v: 1, p: 'acct_x#2026' })).toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['a numeric position', Buffer.from(JSON.stringify({ v: 1, p: 5 })).toString('base64url')],
  ])('refuses %s with 400 "Invalid cursor"', (_name, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(BadRequestError);
    expect(() => decodeCursor(cursor)).toThrow('Invalid cursor');
  });

  it('parses limit with a default and bounds', () => {
    expect(parseLimit(undefined)).toBe(DEFAULT_PAGE_SIZE);
    expect(parseLimit('')).toBe(DEFAULT_PAGE_SIZE);
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit(String(MAX_PAGE_SIZE))).toBe(MAX_PAGE_SIZE);
    for (const bad of ['0', String(MAX_PAGE_SIZE + 1), '-5', '2e1', ' 5', '0x10']) {
      expect(() => parseLimit(bad)).toThrow(BadRequestError);
    }
  });
});

describe('api keys', () => {
  const KEY = 'imgr_abcdefghijklmnopqrstuvwxyz012345';

  it.each([
    ['no header', undefined, undefined],
    ['null', null, undefined],
    ['the scheme alone', 'Bearer', undefined],
    ['the scheme and a space', 'Bearer ', undefined],
    ['Basic', 'Basic x', undefined],
    ['Basic with a key-shaped value', `Basic ${KEY}`, undefined],
    ['too short', 'Bearer abc123', undefined],
    ['129 characters', `Bearer ${'a'.repeat(129)}`, undefined],
    ['illegal characters', 'Bearer imgr_abc.def/ghijklmnopqrstuv', undefined],
    ['two tokens', `Bearer ${KEY} extra`, undefined],
    ['no space', `Bearer${KEY}`, undefined],
    ['valid', `Bearer ${KEY}`, KEY],
    ['lowercase bearer', `bearer ${KEY}`, KEY],
    ['upper case BEARER', `BEARER ${KEY}`, KEY],
    ['exactly 20 characters', `Bearer ${'a'.repeat(20)}`, 'a'.repeat(20)],
    ['exactly 128 characters', `Bearer ${'b'.repeat(128)}`, 'b'.repeat(128)],
  ])('parseBearer: %s', (_name, header, expected) => {
    expect(parseBearer(header)).toBe(expected);
  });

  it('generates prefixed keys of 256 random bits that fit the API Gateway key pattern', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.startsWith(KEY_PREFIX)).toBe(true);
    expect(a).toMatch(KEY_PATTERN);
    expect(Buffer.from(a.slice(KEY_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('hashes keys with SHA-256 hex', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('ids', () => {
  it('makes 22-character URL-safe ids and maps them to object keys and back', () => {
    const id = newImageId();
    expect(isImageId(id)).toBe(true);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(objectKeyFor(id)).toBe(`images/${id}`);
    expect(imageIdFromKey(objectKeyFor(id, 'uploads/'))).toBe(id);
    expect(imageIdFromKey(`other/${id}`)).toBeUndefined();
    expect(isImageId('../../etc/passwd')).toBe(false);
    expect(isImageId(42)).toBe(false);
  });
});

describe('config', () => {
  it('reads the defaults when nothing is set', () => {
    expect(readConfig({})).toEqual({
      hourlyLimit: 1000,
      limits: { maxImageBytes: 4 * 1024 * 1024, maxLargeImageBytes: 50 * 1024 * 1024, maxPixels: 100_000_000 },
      publicBaseUrl: undefined,
      uploadUrlSeconds: DEFAULTS.uploadUrlSeconds,
    });
  });

  it('reads set values and trims the public base URL', () => {
    const config = readConfig({ IMAGER_HOURLY_LIMIT: '5', IMAGER_MAX_PIXELS: ' 42 ', IMAGER_PUBLIC_BASE_URL: 'https://img.example.com//' });
    expect(config.hourlyLimit).toBe(5);
    expect(config.limits.maxPixels).toBe(42);
    expect(config.publicBaseUrl).toBe('https://img.example.com');
  });

  it.each(['0', '-1', '1.5', 'abc', '1e3', '10 MB', '99999999999999999999'])('refuses IMAGER_HOURLY_LIMIT=%s', (value) => {
    expect(() => readConfig({ IMAGER_HOURLY_LIMIT: value })).toThrow(ConfigError);
  });

  it.each(['IMAGER_MAX_IMAGE_BYTES', 'IMAGER_MAX_LARGE_IMAGE_BYTES', 'IMAGER_MAX_PIXELS'])('refuses a bad %s, naming it', (name) => {
    expect(() => readLimits({ [name]: 'lots' })).toThrow(name);
  });

  it('refuses a public base URL that is not http(s)', () => {
    expect(() => readConfig({ IMAGER_PUBLIC_BASE_URL: 'ftp://x' })).toThrow(ConfigError);
  });

  it('requireString refuses missing and blank values', () => {
    expect(() => requireString({}, 'BUCKET_NAME')).toThrow('BUCKET_NAME must be set');
    expect(() => requireString({ BUCKET_NAME: '  ' }, 'BUCKET_NAME')).toThrow(ConfigError);
    expect(requireString({ BUCKET_NAME: 'b' }, 'BUCKET_NAME')).toBe('b');
    expect(positiveInt({}, 'X', 7)).toBe(7);
  });
});

describe('readStackSettings (CDK context)', () => {
  const settingsOf = (context: Record<string, unknown>) => readStackSettings(new App({ context }).node);

  it('reads numbers and strings from context', () => {
    const settings = settingsOf({
      IMAGER_HOURLY_LIMIT: 50,
      IMAGER_THROTTLE_RATE: '5',
      IMAGER_THROTTLE_BURST: 10,
      IMAGER_DAILY_QUOTA: 1200,
      IMAGER_MAX_IMAGE_BYTES: 1048576,
      IMAGER_PUBLIC_BASE_URL: 'https://img.example.com/',
      IMAGER_AUTH_CACHE_SECONDS: 0,
    });
    expect(settings).toEqual({
      hourlyLimit: 50,
      throttleRate: 5,
      throttleBurst: 10,
      dailyQuota: 1200,
      limits: { maxImageBytes: 1048576, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels },
      publicBaseUrl: 'https://img.example.com',
      authCacheSeconds: 0,
      priceClass: 'PriceClass_100',
      certificateArn: undefined,
      webAclId: undefined,
      uploadUrlSeconds: DEFAULTS.uploadUrlSeconds,
      apiThrottle: { rate: DEFAULTS.apiThrottleRate, burst: DEFAULTS.apiThrottleBurst },
      publicThrottle: { rate: DEFAULTS.publicThrottleRate, burst: DEFAULTS.publicThrottleBurst },
      // Off unless asked for: a new account cannot hold the reservations (docs/quotas.md).
      reservedConcurrency: false,
      userPoolWaf: false,
      edge: { unsigned: { sizes: [64, 128, 256, 512, 1024, 2048], formats: ['jpeg', 'png', 'webp', 'avif', 'auto'] }, privateUrlSeconds: 3600, edgeTtlSeconds: 86_400, maxVariantsPerImage: 100 },
    });
  });

  it('takes an authorizer cache of up to 300 s (how long a revoked key may keep working)', () => {
    expect(settingsOf({ IMAGER_AUTH_CACHE_SECONDS: 300 })).toMatchObject({ authCacheSeconds: 300 });
  });

  it('reads the edge settings from context (docs/edge.md), and refuses bad ones', () => {
    expect(
      settingsOf({ IMAGER_UNSIGNED_SIZES: '100, 200,100', IMAGER_UNSIGNED_FORMATS: 'none', IMAGER_PRIVATE_URL_SECONDS: 60, IMAGER_EDGE_TTL_SECONDS: '3600', IMAGER_MAX_VARIANTS_PER_IMAGE: 5 }).edge,
    ).toEqual({ unsigned: { sizes: [100, 200], formats: [] }, privateUrlSeconds: 60, edgeTtlSeconds: 3600, maxVariantsPerImage: 5 });
    for (const [name, value] of [
      ['IMAGER_UNSIGNED_SIZES', '0'],
      ['IMAGER_UNSIGNED_SIZES', '4097'],
      ['IMAGER_UNSIGNED_SIZES', '64,x'],
      ['IMAGER_UNSIGNED_FORMATS', 'gif'],
      ['IMAGER_EDGE_TTL_SECONDS', '31536001'],
      ['IMAGER_PRIVATE_URL_SECONDS', '0'],
      ['IMAGER_MAX_VARIANTS_PER_IMAGE', '-1'],
    ] as const) {
      expect(() => settingsOf({ [name]: value }), `${name}=${value}`).toThrow(ConfigError);
    }
  });

  it('uses the defaults for missing context', () => {
    expect(settingsOf({})).toMatchObject({
      hourlyLimit: 1000,
      throttleRate: 20,
      throttleBurst: 40,
      dailyQuota: 24_000,
      authCacheSeconds: DEFAULTS.authCacheSeconds,
    });
  });

  it.each([
    ['IMAGER_HOURLY_LIMIT', 0],
    ['IMAGER_HOURLY_LIMIT', 'many'],
    ['IMAGER_THROTTLE_RATE', 2.5],
    ['IMAGER_DAILY_QUOTA', -1],
    ['IMAGER_MAX_PIXELS', true],
    ['IMAGER_AUTH_CACHE_SECONDS', 3601],
    // Within API Gateway's 3600, but a revoked key works as long as its cached answer (no flush).
    ['IMAGER_AUTH_CACHE_SECONDS', 301],
    ['IMAGER_AUTH_CACHE_SECONDS', 'x'],
    ['IMAGER_PUBLIC_BASE_URL', 'not a url'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => settingsOf({ [name]: value })).toThrow(ConfigError);
  });
});
