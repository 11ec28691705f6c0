import { FileEdgeStore } from '../adapters/file-edge-store';
import { optionalString, requireString } from '../core/config';
import type { EdgeStore } from '../core/edge-entries';
import { keyValueEdgeStore } from './key-value-edge-store';
import { CLIENT_OPTIONS, type ClientUse, type Env } from './wiring';

/*
 * The edge store's eager wiring, apart from functions/runtime/wiring.ts: the KeyValueStore
 * adapter registers the JavaScript SigV4a signer (a side-effect import, which no bundle can
 * shake out), so importing it from wiring.ts made every function evaluate SigV4a and the
 * KeyValueStore client at start. Only the functions that write the store on every request import
 * this module; the others use `edgeStoreWhenNeeded` (docs/performance.md, cold start).
 */

/**
 * The edge's key-value store (docs/edge.md): the CloudFront KeyValueStore named by EDGE_STORE_ARN
 * on AWS, local mode's JSON file (IMAGER_EDGE_STORE_FILE) otherwise. For the functions that
 * write it on every request (PATCH, the signing-secret routes, the purge, the sweep).
 */
export function edgeStore(env: Env = process.env, use: ClientUse = 'api'): EdgeStore {
  const arn = optionalString(env, 'EDGE_STORE_ARN');
  if (arn) return keyValueEdgeStore(arn, CLIENT_OPTIONS[use]);
  return new FileEdgeStore(requireString(env, 'IMAGER_EDGE_STORE_FILE'));
}
