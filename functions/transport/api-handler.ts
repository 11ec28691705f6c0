import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { RateLimitError, ServiceUnavailableError } from '../core/errors';
import { type HourlyQuota, type QuotaDecision, rateLimitError } from '../core/hourly-quota';
import { IdempotencyConflictError, IdempotencyMismatchError } from '../core/idempotency';
import { type Metrics, rejectionReason, type UploadKind } from '../core/metrics';
import type { Headers } from './http';
import { type IdempotencyOptions, IdempotentReplay, type IdempotentRequest, idempotentRequest } from './idempotency';
import { errorResponse, invoke } from './invocation';
import { baseUrlFrom, type Caller, callerFrom } from './request';

export type { Caller } from './request';

export interface RouteContext {
  readonly caller: Caller;
  /** The public base URL for image links (no trailing slash). */
  readonly baseUrl: string;
  /**
   * Resolves once the hourly window has admitted the request; rejects with a 429 if not.
   * A route must await it before any side effect. Routes declared with `overlapQuota` get it
   * while the counter update is still in flight, so they can parse the body meanwhile.
   */
  readonly admitted: Promise<void>;
  /**
   * Idempotent routes call this once they know what the request asks for (`fingerprint`, see
   * core/idempotency.ts), before any side effect, in place of awaiting `admitted`: with an
   * `Idempotency-Key` it claims the key first (a replay answers the first response and ends the
   * route; 409/422 as the draft says) and only then counts the request; without one it is
   * `admitted`.
   */
  claim(fingerprint: () => string): Promise<void>;
}

export type Route = (event: APIGatewayProxyEvent, route: RouteContext) => Promise<APIGatewayProxyResult>;

export type ApiHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

export interface ApiHandlerOptions {
  readonly quota: HourlyQuota;
  readonly publicBaseUrl: string | undefined;
  /** Start the counter update and let the route work (parse) while it is in flight. */
  readonly overlapQuota?: boolean;
  /** Business metrics: 429s of the hourly window (and refused uploads, below); flushed once per request. */
  readonly metrics?: Metrics;
  /** Upload routes: a 4xx answer (other than 401/404/429) counts as a refused upload of this kind. */
  readonly countsRejectedUploads?: UploadKind;
  /**
   * Honour `Idempotency-Key` (docs/api.md#idempotent-uploads). A request with a key is counted
   * against the hour only once its claim is won, so a replay, a 409 and a 422 count nothing.
   */
  readonly idempotency?: IdempotencyOptions;
}

/**
 * Wraps an authenticated route: counts the request against the caller's hourly window,
 * adds the rate-limit headers to every response (success or error), and maps every error
 * through `errorToResponse`. A route never throws out of here.
 */
export function apiHandler(options: ApiHandlerOptions, route: Route): ApiHandler {
  return async (event, context) => {
    let decision: Promise<QuotaDecision> | undefined;
    let rateHeaders: Headers = {};
    let once: IdempotentRequest | undefined;
    let count: (() => Promise<void>) | undefined;
    return invoke({
      requestId: event.requestContext?.requestId,
      context,
      work: async () => {
        const caller = callerFrom(event);
        const counted = (count = (): Promise<void> => {
          decision ??= options.quota.consume(caller.keyId).catch((error: unknown) => {
            // Fail closed: without the counter the hourly promise cannot be kept (docs/quotas.md).
            throw new ServiceUnavailableError(5, { cause: error });
          });
          return decision.then((d) => {
            rateHeaders = d.headers;
            if (!d.allowed) throw rateLimitError(d);
          });
        });
        once = options.idempotency ? idempotentRequest(options.idempotency, event, caller.accountId) : undefined;
        // With a key the window waits for the claim; without one it starts now.
        let admit: () => void = () => undefined;
        const admitted = once ? new Promise<void>((resolve, reject) => (admit = () => counted().then(resolve, reject))) : counted();
        // Never an unhandled rejection, whichever path awaits it.
        admitted.catch(() => undefined);
        if (!options.overlapQuota && !once) await admitted;
        const claim = async (fingerprint: () => string): Promise<void> => {
          if (once) {
            await once.claim(fingerprint());
            admit();
          }
          await admitted;
        };
        const baseUrl = baseUrlFrom(event, options.publicBaseUrl);
        const result = await route(event, { caller, baseUrl, admitted, claim });
        if (once && !once.claimed) throw new Error('an idempotent route answered without claiming its key');
        await admitted;
        const answer = { ...result, headers: { ...result.headers, ...rateHeaders } };
        await once?.settle(answer);
        return answer;
      },
      recover: async (error) => {
        if (error instanceof IdempotentReplay) return error.response;
        await once?.release();
        // A request that failed before it was counted (a keyed one before its claim, or one whose
        // key is malformed) counts like any other; the 409 and 422 of a claim do not (the draft's
        // answers to a retry, which did nothing).
        if (count && !decision && !isClaimAnswer(error)) await count().catch(() => undefined);
        let reported = error;
        if (decision) {
          // A refused window wins over whatever the route found (the request was not counted).
          try {
            const d = await decision;
            rateHeaders = d.headers;
            if (!d.allowed) reported = rateLimitError(d);
          } catch (quotaError) {
            reported = quotaError;
          }
        }
        countRefusal(options, reported);
        return errorResponse(reported, rateHeaders);
      },
      finish: async () => {
        await options.metrics?.flush();
      },
    });
  };
}

function isClaimAnswer(error: unknown): boolean {
  return error instanceof IdempotencyConflictError || error instanceof IdempotencyMismatchError;
}

/** One metric per refused request: a 429 of the hourly window, or a refused upload with its reason. */
function countRefusal(options: ApiHandlerOptions, error: unknown): void {
  if (!options.metrics) return;
  if (error instanceof RateLimitError) return options.metrics.rateLimited('hourly');
  const kind = options.countsRejectedUploads;
  const reason = kind === undefined ? undefined : rejectionReason(error);
  if (kind !== undefined && reason !== undefined) options.metrics.uploadRejected(kind, reason);
}
