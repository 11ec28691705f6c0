import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  claimIdempotencyKey,
  completeClaim,
  type IdempotencyRecords,
  type KeptResponse,
  parseIdempotencyKey,
} from '../core/idempotency';
import type { Log } from '../core/images';
import { headerOf } from './request';

/** The request header of the IETF httpapi draft. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Marks a response that is the replay of the key's first one. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Not an error: the request was made before, and this is its first response, to send as it is. */
export class IdempotentReplay {
  constructor(readonly response: APIGatewayProxyResult) {}
}

/** An idempotent route's request that carries a key (see `idempotentRequest`). */
export interface IdempotentRequest {
  /** Claims the key for this request; throws an `IdempotentReplay`, or the draft's 409 or 422. */
  claim(fingerprint: string): Promise<void>;
  /** Whether `claim` succeeded (the request is running under the key). */
  readonly claimed: boolean;
  /** Keeps the answer of a claimed request for its replays (a 2xx; anything else releases the key). */
  settle(result: APIGatewayProxyResult): Promise<void>;
  /** Forgets the claim: the request failed and did nothing, so a retry may run again. */
  release(): Promise<void>;
}

export interface IdempotencyOptions {
  readonly records: IdempotencyRecords;
  readonly log: Log;
  readonly now?: () => number;
}

/**
 * The request's `Idempotency-Key` handling, or undefined when it sends none (a 400 when the
 * header is there but not a key). A failure to keep or release a claim never fails the request:
 * the response is already decided; it is logged, and at worst a retry is refused (409) until the
 * claim's lease runs out.
 */
export function idempotentRequest(options: IdempotencyOptions, event: APIGatewayProxyEvent, accountId: string): IdempotentRequest | undefined {
  const key = parseIdempotencyKey(headerOf(event, IDEMPOTENCY_KEY_HEADER));
  if (key === undefined) return undefined;
  const scope = { accountId, key };
  let claim: { readonly id: string; readonly owner: string } | undefined;
  // A route may fail while its claim is still being written: releasing waits for it.
  let claiming: Promise<unknown> | undefined;
  const release = async () => {
    await claiming?.catch(() => undefined);
    if (!claim) return;
    const held = claim;
    claim = undefined;
    await options.records.release(held.id, held.owner).catch((error: unknown) => options.log.error('idempotency claim not released', { error }));
  };
  return {
    get claimed() {
      return claim !== undefined;
    },
    async claim(fingerprint) {
      const pending = claimIdempotencyKey(options.records, scope, fingerprint, (options.now ?? Date.now)());
      claiming = pending;
      const result = await pending;
      if (result.kind === 'replay') throw new IdempotentReplay(replayOf(result.response));
      claim = result;
    },
    async settle(result) {
      if (!claim) return;
      if (result.statusCode < 200 || result.statusCode > 299) return release();
      const held = claim;
      claim = undefined;
      try {
        if (!(await completeClaim(options.records, held, scope, kept(result)))) options.log.warn('idempotency claim lost before it was kept', {});
      } catch (error) {
        options.log.error('idempotent response not kept', { error });
      }
    },
    release,
  };
}

function kept(result: APIGatewayProxyResult): KeptResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  return { statusCode: result.statusCode, headers, body: result.body };
}

function replayOf(response: KeptResponse): APIGatewayProxyResult {
  return { statusCode: response.statusCode, headers: { ...response.headers, [REPLAYED_HEADER]: 'true' }, body: response.body };
}
