import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { OutboundRequestError } from '../core/outbound';
import { type AddressPolicy, isPublicAddress } from '../core/public-address';
import { checkedTarget, type Resolver } from './public-http-client';

/**
 * The public-address rule at the registration of a URL (webhook endpoints): the URL must be one
 * the outbound adapter would request, and its host must resolve, now, to public addresses only.
 * Every delivery checks again (adapters/public-http-client.ts): DNS may change after this.
 */
export type HostCheck = (url: string) => Promise<void>;

const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));

export function publicHostCheck(options: { readonly resolver?: Resolver; readonly isAllowed?: AddressPolicy } = {}): HostCheck {
  const resolver = options.resolver ?? systemResolver;
  const isAllowed = options.isAllowed ?? isPublicAddress;
  return async (raw) => {
    const url = checkedTarget(raw);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    let addresses: readonly string[];
    if (isIP(host) !== 0) addresses = [host];
    else {
      try {
        addresses = (await resolver(host)).map((answer) => answer.address);
      } catch (error) {
        throw new OutboundRequestError('unresolved', `The host ${host} does not resolve`, { cause: error });
      }
      if (addresses.length === 0) throw new OutboundRequestError('unresolved', `The host ${host} does not resolve`);
    }
    if (addresses.some((address) => !isAllowed(address))) throw new OutboundRequestError('private-address', `The host ${url.hostname} is not a public address`);
  };
}
