import { PriceClass } from 'aws-cdk-lib/aws-cloudfront';
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
  /** CloudFront price class of the delivery distribution (IMAGER_PRICE_CLASS). */
  readonly priceClass: PriceClass;
  /** ACM certificate (us-east-1) for the host of IMAGER_PUBLIC_BASE_URL on the distribution. */
  readonly certificateArn: string | undefined;
  /** AWS WAF web ACL (CLOUDFRONT scope) attached to the distribution. */
  readonly webAclId: string | undefined;
  /** Verified SES sender for sign-up codes; unset = Cognito's own sender (low daily limit). */
  readonly sesFromEmail?: string;
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
  'IMAGER_PRICE_CLASS',
  'IMAGER_CERTIFICATE_ARN',
  'IMAGER_WEB_ACL_ID',
  'IMAGER_SES_FROM_EMAIL',
] as const;

const PRICE_CLASSES: Readonly<Record<string, PriceClass>> = {
  PriceClass_100: PriceClass.PRICE_CLASS_100,
  PriceClass_200: PriceClass.PRICE_CLASS_200,
  PriceClass_All: PriceClass.PRICE_CLASS_ALL,
};
// CloudFront only takes certificates and web ACLs from us-east-1 (global scope).
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]+\/[A-Za-z0-9-]+$/;

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
  const priceClassName = optionalString(env, 'IMAGER_PRICE_CLASS') ?? 'PriceClass_100';
  const priceClass = PRICE_CLASSES[priceClassName];
  if (priceClass === undefined) {
    throw new ConfigError(`IMAGER_PRICE_CLASS must be one of ${Object.keys(PRICE_CLASSES).join(', ')}, got "${priceClassName}"`);
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
  const sesFromEmail = optionalString(env, 'IMAGER_SES_FROM_EMAIL');
  if (sesFromEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(sesFromEmail)) {
    throw new ConfigError(`IMAGER_SES_FROM_EMAIL must be an email address, got "${sesFromEmail}"`);
  }
  return {
    hourlyLimit: positiveInt(env, 'IMAGER_HOURLY_LIMIT', DEFAULTS.hourlyLimit),
    throttleRate: positiveInt(env, 'IMAGER_THROTTLE_RATE', DEFAULTS.throttleRate),
    throttleBurst: positiveInt(env, 'IMAGER_THROTTLE_BURST', DEFAULTS.throttleBurst),
    dailyQuota: positiveInt(env, 'IMAGER_DAILY_QUOTA', DEFAULTS.dailyQuota),
    limits: readLimits(env),
    publicBaseUrl: publicBaseUrl?.replace(/\/+$/, ''),
    authCacheSeconds: authCache === undefined ? DEFAULTS.authCacheSeconds : Number(authCache),
    priceClass,
    certificateArn,
    webAclId,
    ...(sesFromEmail ? { sesFromEmail } : {}),
  };
}
