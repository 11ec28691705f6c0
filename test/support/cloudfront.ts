import { cloudFrontQuery } from '../../local/cdn';
import { edgeFunctionCode } from '../../lib/edge/function-code';
import { type EdgeHandler, type EdgeReader, loadEdgeFunction } from '../../local/edge-runtime';
import type { UnsignedSet } from '../../functions/core/edge-rules';

/** A query as CloudFront hands it to a function: local mode's parser (local/cdn.ts), the one the local CDN runs. */
export { cloudFrontQuery } from '../../local/cdn';

/** A viewer-request event for `GET <uri>?<search>`. */
export function viewerRequestEvent(uri: string, search: string, accept?: string) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '192.0.2.1' },
    request: {
      method: 'GET',
      uri,
      querystring: cloudFrontQuery(search),
      headers: accept === undefined ? ({} as Record<string, { value: string }>) : { accept: { value: accept } },
      cookies: {},
    },
  };
}

/** The deployed viewer-request function over `store`, at the time `now`. */
export function requestFunction(options: { store?: EdgeReader | Record<string, string>; now?: () => number; unsigned?: UnsignedSet } = {}): EdgeHandler {
  const { store } = options;
  const reader: EdgeReader | undefined = typeof store === 'object' ? (key) => (Object.prototype.hasOwnProperty.call(store, key) ? store[key] : undefined) : store;
  return loadEdgeFunction(edgeFunctionCode('viewer-request.js', options.unsigned), { store: reader, now: options.now });
}

/** The deployed viewer-response function. */
export function responseFunction(): EdgeHandler {
  return loadEdgeFunction(edgeFunctionCode('viewer-response.js'));
}
