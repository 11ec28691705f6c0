/**
 * Options for every SDK client a handler creates. Without a request timeout a hung S3 or
 * DynamoDB connection would hold the function until its own timeout (a 504 from the gateway);
 * with one the SDK retries and then fails fast, which the handlers answer with a 503.
 * `throwOnRequestTimeout` makes the timeout an error rather than a logged warning.
 */
export const API_CLIENT_OPTIONS = {
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500, throwOnRequestTimeout: true },
} as const;

/** Background functions (finalize, sweep) copy and list larger things: longer, still bounded. */
export const BACKGROUND_CLIENT_OPTIONS = {
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 20_000, throwOnRequestTimeout: true },
} as const;
