import { createHash } from 'node:crypto';
import { Aws, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The longest name each account-global (or regional) resource kind takes, by the service's own
 * rule: CloudFront origin access controls, functions and key value stores 64 characters, cache,
 * origin request and response headers policies 128, WAF web ACLs 128, CloudWatch dashboards 255
 * (docs/aws-limits.md).
 */
export const NAME_LIMITS = {
  originAccessControl: 64,
  cloudFrontFunction: 64,
  keyValueStore: 64,
  cloudFrontPolicy: 128,
  webAcl: 128,
  dashboard: 255,
} as const;

/** Room kept for the region when it is known only at deploy time (the longest region name has 14 characters). */
const REGION_ROOM = 16;

/**
 * `<stack>-<purpose>-<region>`: a name that no other Imager stack of the account repeats, in this
 * region or another, for resources whose names are global to the account (CloudFront's,
 * dashboards) or to a region. Too long for `maxLength`, the stack-and-purpose part is cut and a
 * hash of it added, so two long stack names still differ. Only `[A-Za-z0-9_-]` is kept: every
 * kind above accepts it.
 */
export function scopedName(scope: Construct, purpose: string, maxLength: number): string {
  const stack = Stack.of(scope);
  const region = stack.region;
  const regionLength = Token.isUnresolved(region) ? REGION_ROOM : region.length;
  let base = `${stack.stackName}-${purpose}`.replace(/[^A-Za-z0-9_-]/g, '');
  const room = maxLength - regionLength - 1;
  if (base.length > room) {
    const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
    base = `${base.slice(0, room - hash.length - 1)}-${hash}`;
  }
  return `${base}-${Token.isUnresolved(region) ? Aws.REGION : region}`;
}
