import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { API_CLIENT_OPTIONS, type BACKGROUND_CLIENT_OPTIONS } from '../adapters/client-options';
import { CloudFrontEdgeStore } from '../adapters/cloudfront-edge-store';
import type { EdgeStore } from '../core/edge-entries';

/*
 * The CloudFront KeyValueStore edge store on its own, for the functions that write it on some
 * requests only (`edgeStoreWhenNeeded` in functions/runtime/wiring.ts: a private or expiring
 * upload). Their bundles carry it as a second file, key-value-edge-store.mjs (the `edge-store`
 * bundling of functions/function-table.ts), loaded on the first such request: bundled into
 * index.mjs, even behind a dynamic import, the client and the SigV4a signer it registers were
 * parsed at every start (docs/performance.md, cold start).
 */

/**
 * The store named by `arn`, with the API functions' client options unless told otherwise (also
 * what functions/runtime/edge-wiring.ts builds for the functions that write it on every request).
 */
export function keyValueEdgeStore(arn: string, options: typeof API_CLIENT_OPTIONS | typeof BACKGROUND_CLIENT_OPTIONS = API_CLIENT_OPTIONS): EdgeStore {
  return new CloudFrontEdgeStore(new CloudFrontKeyValueStoreClient(options), arn);
}
