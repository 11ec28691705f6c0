import { resolve } from 'node:path';
import { KEY_PATTERN } from './api-keys';
import { UNSIGNED_DEFAULTS, type UnsignedSet } from './edge-rules';
import { LAMBDA_SYNC_PAYLOAD_BYTES, MAX_DIRECT_IMAGE_BYTES } from './lambda-payload';
import { booleanSetting, ConfigError, type Env, nonNegativeInt, optionalString, positiveInt } from './setting-values';
import { MAX_DIMENSION, OUTPUT_FORMATS } from './transform-params';

/**
 * The one place that reads configuration: the handlers (`readConfig`, from their environment,
 * at module scope so a missing or malformed setting fails the cold start loudly instead of a
 * request quietly), the CDK app (`readStackSettings`, from context) and local mode
 * (`readLocalSettings`, from the environment). `lib/settings.ts` and `local/settings.ts` only
 * re-export from here. A new setting: add its name to `SETTING_NAMES`, its default to
 * `DEFAULTS`, its validation to the reader(s) that use it, and (if the functions need it)
 * to `functionEnvironment`.
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
  uploadUrlSeconds: 900,
  authCacheSeconds: 60,
  apiThrottleRate: 250,
  apiThrottleBurst: 500,
  publicThrottleRate: 100,
  publicThrottleBurst: 200,
  port: 3000,
  dataDir: '.imager',
  sweepMinutes: 10,
} as const;

// Lambda's payload limit and what a direct upload may be under it: their own file (no settings
// there), exported from here too, where the image-size setting is checked against them.
export { EVENT_HEADROOM_BYTES, LAMBDA_SYNC_PAYLOAD_BYTES, MAX_DIRECT_IMAGE_BYTES } from './lambda-payload';

/** Every IMAGER_* setting read from CDK context (docs/configuration.md) and passed on to the functions. */
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
  'IMAGER_UPLOAD_URL_SECONDS',
  'IMAGER_API_THROTTLE_RATE',
  'IMAGER_API_THROTTLE_BURST',
  'IMAGER_PUBLIC_THROTTLE_RATE',
  'IMAGER_PUBLIC_THROTTLE_BURST',
  'IMAGER_RESERVED_CONCURRENCY',
  'IMAGER_PRICE_CLASS',
  'IMAGER_CERTIFICATE_ARN',
  'IMAGER_WEB_ACL_ID',
  'IMAGER_SES_FROM_EMAIL',
  'IMAGER_SES_VERIFIED_DOMAIN',
  'IMAGER_USER_POOL_WAF',
  'IMAGER_CDN_LOG_BUCKET',
  'IMAGER_ALARM_EMAIL',
  'IMAGER_UNSIGNED_SIZES',
  'IMAGER_UNSIGNED_FORMATS',
  'IMAGER_PRIVATE_URL_SECONDS',
  'IMAGER_EDGE_TTL_SECONDS',
  'IMAGER_MAX_VARIANTS_PER_IMAGE',
] as const;

export { ConfigError, nonNegativeInt, optionalString, positiveInt, requireString } from './setting-values';

export function readLimits(env: Env): Limits {
  const maxImageBytes = positiveInt(env, 'IMAGER_MAX_IMAGE_BYTES', DEFAULTS.maxImageBytes);
  if (maxImageBytes > MAX_DIRECT_IMAGE_BYTES) {
    throw new ConfigError(
      `IMAGER_MAX_IMAGE_BYTES must be at most ${MAX_DIRECT_IMAGE_BYTES}, got ${maxImageBytes}: a direct upload travels base64-encoded ` +
        `(x4/3) inside the Lambda event, which may be at most ${LAMBDA_SYNC_PAYLOAD_BYTES} bytes; use the large upload for bigger images`,
    );
  }
  return {
    maxImageBytes,
    maxLargeImageBytes: positiveInt(env, 'IMAGER_MAX_LARGE_IMAGE_BYTES', DEFAULTS.maxLargeImageBytes),
    maxPixels: positiveInt(env, 'IMAGER_MAX_PIXELS', DEFAULTS.maxPixels),
  };
}

function readPublicBaseUrl(env: Env): string | undefined {
  const publicBaseUrl = optionalString(env, 'IMAGER_PUBLIC_BASE_URL');
  if (publicBaseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicBaseUrl)) {
    throw new ConfigError(`IMAGER_PUBLIC_BASE_URL must be an http(s) URL, got "${publicBaseUrl}"`);
  }
  return publicBaseUrl?.replace(/\/+$/, '');
}

/** Reads and validates every setting the handlers share. Resource names are read with `requireString`. */
export function readConfig(env: Env): Config {
  return {
    hourlyLimit: positiveInt(env, 'IMAGER_HOURLY_LIMIT', DEFAULTS.hourlyLimit),
    limits: readLimits(env),
    publicBaseUrl: readPublicBaseUrl(env),
    uploadUrlSeconds: positiveInt(env, 'IMAGER_UPLOAD_URL_SECONDS', DEFAULTS.uploadUrlSeconds),
  };
}

/** The endpoint the SDK would use for S3, for code that signs S3 URLs without the S3 client. */
export function s3EndpointOverride(env: Env): string | undefined {
  return optionalString(env, 'AWS_ENDPOINT_URL_S3') ?? optionalString(env, 'AWS_ENDPOINT_URL');
}

/** The settings of docs/configuration.md as the CDK app reads them (context: `cdk.json` or `-c NAME=value`). */
export interface StackSettings extends Config {
  readonly throttleRate: number;
  readonly throttleBurst: number;
  readonly dailyQuota: number;
  readonly authCacheSeconds: number;
  /** Stage throttle of every method, all clients together (also bounds the authorizer's calls). */
  readonly apiThrottle: { readonly rate: number; readonly burst: number };
  /** Throttle of each unauthenticated method (the public view, CORS preflights), all clients together. */
  readonly publicThrottle: { readonly rate: number; readonly burst: number };
  /** Reserve concurrency per function (docs/quotas.md); off for accounts whose limit is too small. */
  readonly reservedConcurrency: boolean;
  /** CloudFront price class of the delivery distribution (IMAGER_PRICE_CLASS). */
  readonly priceClass: PriceClassName;
  /** ACM certificate (us-east-1) for the host of IMAGER_PUBLIC_BASE_URL on the distribution. */
  readonly certificateArn: string | undefined;
  /** AWS WAF web ACL (CLOUDFRONT scope) attached to the distribution. */
  readonly webAclId: string | undefined;
  /** Verified SES sender for sign-up codes; unset = Cognito's own sender (low daily limit). */
  readonly sesFromEmail?: string;
  /** The verified SES domain `sesFromEmail` belongs to, when the identity is the domain rather than the address. */
  readonly sesVerifiedDomain?: string;
  /** A WAF web ACL with per-IP rate rules on the user pool (docs/accounts-and-console.md). */
  readonly userPoolWaf: boolean;
  /** A bucket (in a region CloudFront delivers logs to) for the distribution's standard logs; unset = the stack's access-log bucket. */
  readonly cdnLogBucket?: string;
  /** Alarm notifications by email too (docs/operations.md); undefined = the SNS topic only. */
  readonly alarmEmail?: string;
  /** The edge rules (docs/edge.md). */
  readonly edge: EdgeSettings;
}

/** CloudFront's price classes, by the names CloudFormation (and CDK's PriceClass) use. */
export const PRICE_CLASS_NAMES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
export type PriceClassName = (typeof PRICE_CLASS_NAMES)[number];
// CloudFront only takes certificates and web ACLs from us-east-1 (global scope).
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]+\/[A-Za-z0-9-]+$/;

function readDelivery(env: Env, publicBaseUrl: string | undefined): Pick<StackSettings, 'priceClass' | 'certificateArn' | 'webAclId'> {
  const priceClass = optionalString(env, 'IMAGER_PRICE_CLASS') ?? 'PriceClass_100';
  if (!(PRICE_CLASS_NAMES as readonly string[]).includes(priceClass)) {
    throw new ConfigError(`IMAGER_PRICE_CLASS must be one of ${PRICE_CLASS_NAMES.join(', ')}, got "${priceClass}"`);
  }
  const certificateArn = optionalString(env, 'IMAGER_CERTIFICATE_ARN');
  if (certificateArn !== undefined) {
    if (!CERTIFICATE_ARN.test(certificateArn)) throw new ConfigError(`IMAGER_CERTIFICATE_ARN must be an ACM certificate ARN in us-east-1, got "${certificateArn}"`);
    // The distribution answers at the root of its alternate domain name: no path prefix.
    if (!publicBaseUrl || !/^https:\/\/[^\s/]+\/*$/.test(publicBaseUrl)) {
      throw new ConfigError('IMAGER_CERTIFICATE_ARN needs IMAGER_PUBLIC_BASE_URL set to https://<its domain> (no path)');
    }
  }
  const webAclId = optionalString(env, 'IMAGER_WEB_ACL_ID');
  if (webAclId !== undefined && !WEB_ACL_ARN.test(webAclId)) {
    throw new ConfigError(`IMAGER_WEB_ACL_ID must be the ARN of a WAFv2 web ACL with CLOUDFRONT scope (us-east-1), got "${webAclId}"`);
  }
  return { priceClass: priceClass as PriceClassName, certificateArn, webAclId };
}

function readSesFromEmail(env: Env): Pick<StackSettings, 'sesFromEmail' | 'sesVerifiedDomain'> {
  const sesFromEmail = optionalString(env, 'IMAGER_SES_FROM_EMAIL');
  if (sesFromEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(sesFromEmail)) {
    throw new ConfigError(`IMAGER_SES_FROM_EMAIL must be an email address, got "${sesFromEmail}"`);
  }
  const domain = optionalString(env, 'IMAGER_SES_VERIFIED_DOMAIN')?.toLowerCase();
  if (domain === undefined) return sesFromEmail ? { sesFromEmail } : {};
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)) {
    throw new ConfigError(`IMAGER_SES_VERIFIED_DOMAIN must be a domain name, got "${domain}"`);
  }
  if (sesFromEmail === undefined) throw new ConfigError('IMAGER_SES_VERIFIED_DOMAIN needs IMAGER_SES_FROM_EMAIL: the address of that domain the codes are sent from');
  const sender = sesFromEmail.split('@')[1]!.toLowerCase();
  // SES sends as any address of a verified domain or of its subdomains.
  if (sender !== domain && !sender.endsWith(`.${domain}`)) {
    throw new ConfigError(`IMAGER_SES_FROM_EMAIL (${sesFromEmail}) must be an address of IMAGER_SES_VERIFIED_DOMAIN (${domain})`);
  }
  return { sesFromEmail, sesVerifiedDomain: domain };
}

function readCdnLogBucket(env: Env): string | undefined {
  const bucket = optionalString(env, 'IMAGER_CDN_LOG_BUCKET');
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(`IMAGER_CDN_LOG_BUCKET must be an S3 bucket name, got "${bucket}"`);
  }
  return bucket;
}

/**
 * The longest authorizer cache allowed. API Gateway takes up to 3600 s, but nothing flushes the
 * cache on a revoke (that would empty every customer's cached answers), so this is how long a
 * revoked key may keep working: kept to minutes (docs/api.md#keys).
 */
export const MAX_AUTH_CACHE_SECONDS = 300;

function readAuthCacheSeconds(env: Env): number {
  const seconds = nonNegativeInt(env, 'IMAGER_AUTH_CACHE_SECONDS', DEFAULTS.authCacheSeconds);
  if (seconds > MAX_AUTH_CACHE_SECONDS) {
    throw new ConfigError(`IMAGER_AUTH_CACHE_SECONDS must be an integer from 0 to ${MAX_AUTH_CACHE_SECONDS}: a revoked key works until its cached answer expires`);
  }
  return seconds;
}

/** Anything with CDK's `tryGetContext` (a construct's `node`), without importing CDK here. */
export interface ContextSource {
  tryGetContext(name: string): unknown;
}

/** Reads the CDK context values through the same validators the handlers use for their env. */
export function readStackSettings(context: ContextSource): StackSettings {
  const env: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) {
    const value = context.tryGetContext(name);
    env[name] = value === undefined || value === null ? undefined : String(value);
  }
  return {
    ...readConfig(env),
    throttleRate: positiveInt(env, 'IMAGER_THROTTLE_RATE', DEFAULTS.throttleRate),
    throttleBurst: positiveInt(env, 'IMAGER_THROTTLE_BURST', DEFAULTS.throttleBurst),
    dailyQuota: positiveInt(env, 'IMAGER_DAILY_QUOTA', DEFAULTS.dailyQuota),
    authCacheSeconds: readAuthCacheSeconds(env),
    apiThrottle: {
      rate: positiveInt(env, 'IMAGER_API_THROTTLE_RATE', DEFAULTS.apiThrottleRate),
      burst: positiveInt(env, 'IMAGER_API_THROTTLE_BURST', DEFAULTS.apiThrottleBurst),
    },
    publicThrottle: {
      rate: positiveInt(env, 'IMAGER_PUBLIC_THROTTLE_RATE', DEFAULTS.publicThrottleRate),
      burst: positiveInt(env, 'IMAGER_PUBLIC_THROTTLE_BURST', DEFAULTS.publicThrottleBurst),
    },
    // Off by default: a new account's concurrency limit (often 10) cannot hold the table's reservations (docs/quotas.md).
    reservedConcurrency: booleanSetting(env, 'IMAGER_RESERVED_CONCURRENCY', false),
    ...readDelivery(env, optionalString(env, 'IMAGER_PUBLIC_BASE_URL')),
    ...readSesFromEmail(env),
    userPoolWaf: booleanSetting(env, 'IMAGER_USER_POOL_WAF', false),
    cdnLogBucket: readCdnLogBucket(env),
    alarmEmail: readAlarmEmail(env),
    edge: readEdgeSettings(env),
  };
}

function readAlarmEmail(env: Env): string | undefined {
  const email = optionalString(env, 'IMAGER_ALARM_EMAIL');
  if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new ConfigError(`IMAGER_ALARM_EMAIL must be an email address, got "${email}"`);
  }
  return email;
}

/** The environment every function gets on AWS: what `readConfig` reads there. */
export function functionEnvironment(settings: Config): Record<string, string> {
  return {
    IMAGER_HOURLY_LIMIT: String(settings.hourlyLimit),
    IMAGER_MAX_IMAGE_BYTES: String(settings.limits.maxImageBytes),
    IMAGER_MAX_LARGE_IMAGE_BYTES: String(settings.limits.maxLargeImageBytes),
    IMAGER_MAX_PIXELS: String(settings.limits.maxPixels),
    IMAGER_UPLOAD_URL_SECONDS: String(settings.uploadUrlSeconds),
    ...(settings.publicBaseUrl ? { IMAGER_PUBLIC_BASE_URL: settings.publicBaseUrl } : {}),
  };
}

/** Local-mode settings (docs/configuration.md, §8), read from the environment once. */
export interface LocalSettings {
  readonly port: number;
  readonly dataDir: string;
  readonly devKey: string | undefined;
  /** IMAGER_DEV_SIGNING_SECRET: the dev account's URL-signing secret, kid `dev` (docs/edge.md). */
  readonly devSigningSecret?: string;
  readonly throttleRate: number;
  readonly throttleBurst: number;
  readonly dailyQuota: number;
  readonly authCacheSeconds: number;
  readonly sweepMinutes: number;
}

export function readLocalSettings(env: Env = process.env): LocalSettings {
  const devKey = optionalString(env, 'IMAGER_DEV_KEY');
  if (devKey !== undefined && !KEY_PATTERN.test(devKey)) {
    throw new ConfigError('IMAGER_DEV_KEY must be 20 to 128 characters from [A-Za-z0-9_-]');
  }
  const devSigningSecret = optionalString(env, 'IMAGER_DEV_SIGNING_SECRET');
  if (devSigningSecret !== undefined && !/^[\x21-\x7b\x7d\x7e]{16,256}$/.test(devSigningSecret)) {
    throw new ConfigError('IMAGER_DEV_SIGNING_SECRET must be 16 to 256 printable characters without spaces or "|"');
  }
  const port = nonNegativeInt(env, 'PORT', DEFAULTS.port);
  if (port > 65535) throw new ConfigError(`PORT must be at most 65535, got ${port}`);
  // The handlers read the rest in-process from the same environment; check it here too, so
  // `npm start` refuses a bad value before it listens rather than at the first import.
  readConfig(env);
  return {
    port,
    dataDir: resolve(optionalString(env, 'IMAGER_DATA_DIR') ?? DEFAULTS.dataDir),
    devKey,
    ...(devSigningSecret ? { devSigningSecret } : {}),
    throttleRate: positiveInt(env, 'IMAGER_THROTTLE_RATE', DEFAULTS.throttleRate),
    throttleBurst: positiveInt(env, 'IMAGER_THROTTLE_BURST', DEFAULTS.throttleBurst),
    dailyQuota: positiveInt(env, 'IMAGER_DAILY_QUOTA', DEFAULTS.dailyQuota),
    authCacheSeconds: nonNegativeInt(env, 'IMAGER_AUTH_CACHE_SECONDS', DEFAULTS.authCacheSeconds),
    sweepMinutes: nonNegativeInt(env, 'IMAGER_SWEEP_MINUTES', DEFAULTS.sweepMinutes),
  };
}

/** Settings of the transform function (docs/transforms.md). */
export interface TransformSettings {
  /** sharp's `limitInputPixels`: the same pixel limit uploads are checked against. */
  readonly maxPixels: number;
  /** sharp's own timeout for one render, in seconds (below the function's timeout, so it answers). */
  readonly renderTimeoutSeconds: number;
}

export const TRANSFORM_DEFAULTS = { renderTimeoutSeconds: 20 } as const;

export function readTransformSettings(env: Env): TransformSettings {
  return {
    maxPixels: positiveInt(env, 'IMAGER_MAX_PIXELS', DEFAULTS.maxPixels),
    renderTimeoutSeconds: positiveInt(env, 'IMAGER_RENDER_TIMEOUT_SECONDS', TRANSFORM_DEFAULTS.renderTimeoutSeconds),
  };
}

/** The edge rules' settings (docs/edge.md, docs/configuration.md): the stack, local mode and the functions read them. */
export interface EdgeSettings {
  /** IMAGER_UNSIGNED_SIZES, IMAGER_UNSIGNED_FORMATS: what renders without a signature. */
  readonly unsigned: UnsignedSet;
  /** IMAGER_PRIVATE_URL_SECONDS: how long the API's `url` of a private image stays valid. */
  readonly privateUrlSeconds: number;
  /** IMAGER_EDGE_TTL_SECONDS: the longest CloudFront keeps a copy (how long a removed image's deny entry stays). */
  readonly edgeTtlSeconds: number;
  /** IMAGER_MAX_VARIANTS_PER_IMAGE: the transform function refuses to store more for one image. */
  readonly maxVariantsPerImage: number;
}
export const EDGE_DEFAULTS = { privateUrlSeconds: 3600, edgeTtlSeconds: 86_400, maxVariantsPerImage: 100 } as const;
/** A comma-separated list setting; `none` for no value at all. */
function listSetting(env: Env, name: string, check: (item: string) => boolean, what: string): string[] | undefined {
  const raw = optionalString(env, name);
  if (raw === undefined) return undefined;
  const items = raw.toLowerCase() === 'none' ? [] : [...new Set(raw.split(',').map((item) => item.trim()))];
  const bad = items.find((item) => !check(item));
  if (bad !== undefined) throw new ConfigError(`${name} must be ${what} separated by commas (or none), got "${bad}"`);
  return items;
}
export function readEdgeSettings(env: Env): EdgeSettings {
  const sizes = listSetting(env, 'IMAGER_UNSIGNED_SIZES', (item) => /^[1-9][0-9]{0,3}$/.test(item) && Number(item) <= MAX_DIMENSION, `sizes from 1 to ${MAX_DIMENSION}`);
  const formats = listSetting(env, 'IMAGER_UNSIGNED_FORMATS', (item) => [...OUTPUT_FORMATS, 'auto'].includes(item), 'formats of jpeg, png, webp, avif, auto');
  const edgeTtlSeconds = positiveInt(env, 'IMAGER_EDGE_TTL_SECONDS', EDGE_DEFAULTS.edgeTtlSeconds);
  if (edgeTtlSeconds > 31_536_000) throw new ConfigError('IMAGER_EDGE_TTL_SECONDS must be at most 31536000 (a year, the most a cache policy takes)');
  return {
    unsigned: { sizes: sizes ? sizes.map(Number) : UNSIGNED_DEFAULTS.sizes, formats: formats ?? UNSIGNED_DEFAULTS.formats },
    privateUrlSeconds: positiveInt(env, 'IMAGER_PRIVATE_URL_SECONDS', EDGE_DEFAULTS.privateUrlSeconds),
    edgeTtlSeconds,
    maxVariantsPerImage: positiveInt(env, 'IMAGER_MAX_VARIANTS_PER_IMAGE', EDGE_DEFAULTS.maxVariantsPerImage),
  };
}
