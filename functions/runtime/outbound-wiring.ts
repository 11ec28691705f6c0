import { type HostCheck, publicHostCheck } from '../adapters/public-host-check';
import { PublicHttpClient } from '../adapters/public-http-client';

/**
 * Outbound HTTPS to addresses a user chose (docs/security-and-reliability.md): upload by URL and
 * webhook deliveries, public addresses only, the system resolver and Node's roots of trust. Apart
 * from functions/runtime/wiring.ts and webhook-wiring.ts so that only the three functions that
 * reach out load the address rule and ipaddr.js (docs/performance.md).
 */

/** Upload by URL's client. */
export function publicHttp(): PublicHttpClient {
  return new PublicHttpClient({ userAgent: 'Imager (upload by URL)' });
}

/** Webhook deliveries' client. */
export function webhookHttp(): PublicHttpClient {
  return new PublicHttpClient({ userAgent: 'Imager-Webhooks' });
}

/** The public-address rule at a webhook endpoint's registration: the system resolver. */
export function webhookHostCheck(): HostCheck {
  return publicHostCheck();
}
