import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { RateLimitError, ServiceUnavailableError } from '../core/errors';
import { type HourlyQuota, type QuotaDecision, rateLimitError } from '../core/hourly-quota';
import { type Metrics, rejectionReason, type UploadKind } from '../core/metrics';
import type { Headers } from './http';
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
    return invoke({
      requestId: event.requestContext?.requestId,
      context,
      work: async () => {
        const caller = callerFrom(event);
        decision = options.quota.consume(caller.keyId).catch((error: unknown) => {
          // Fail closed: without the counter the hourly promise cannot be kept (docs/quotas.md).
          throw new ServiceUnavailableError(5, { cause: error });
        });
        const admitted = decision.then((d) => {
          rateHeaders = d.headers;
          if (!d.allowed) throw rateLimitError(d);
        });
        // Never an unhandled rejection, whichever path awaits it.
        admitted.catch(() => undefined);
        if (!options.overlapQuota) await admitted;
        const baseUrl = baseUrlFrom(event, options.publicBaseUrl);
        const result = await route(event, { caller, baseUrl, admitted });
        await admitted;
        return { ...result, headers: { ...result.headers, ...rateHeaders } };
      },
      recover: async (error) => {
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

/** One metric per refused request: a 429 of the hourly window, or a refused upload with its reason. */
function countRefusal(options: ApiHandlerOptions, error: unknown): void {
  if (!options.metrics) return;
  if (error instanceof RateLimitError) return options.metrics.rateLimited('hourly');
  const kind = options.countsRejectedUploads;
  const reason = kind === undefined ? undefined : rejectionReason(error);
  if (kind !== undefined && reason !== undefined) options.metrics.uploadRejected(kind, reason);
}
