/**
 * What API Gateway itself answers (no handler involved), in the envelope. The CDK stack turns
 * this into gateway responses and the local gateway answers from the same table.
 */
export interface GatewayResponseDefinition {
  /** Undefined keeps API Gateway's own status (the DEFAULT_* catch-alls). */
  readonly statusCode?: number;
  /** Undefined uses API Gateway's own message (`$context.error.messageString`). */
  readonly message?: string;
  /** Static extra headers (API Gateway gateway responses cannot compute values). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type GatewayResponseType =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'RESOURCE_NOT_FOUND'
  | 'INVALID_API_KEY'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'REQUEST_TOO_LARGE'
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'AUTHORIZER_FAILURE'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT'
  | 'API_CONFIGURATION_ERROR'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX';

export const GATEWAY_RESPONSES: Readonly<Record<GatewayResponseType, GatewayResponseDefinition>> = {
  UNAUTHORIZED: { statusCode: 401, message: 'Missing or invalid API key' },
  INVALID_API_KEY: { statusCode: 401, message: 'Missing or invalid API key' },
  ACCESS_DENIED: { statusCode: 403, message: 'Forbidden' },
  // API Gateway answers unknown routes and methods with "Missing Authentication Token" (403).
  MISSING_AUTHENTICATION_TOKEN: { statusCode: 404, message: 'Not found' },
  RESOURCE_NOT_FOUND: { statusCode: 404, message: 'Not found' },
  THROTTLED: { statusCode: 429, message: 'Rate limit exceeded', headers: { 'Retry-After': '1' } },
  // Usage-plan daily quotas reset at midnight UTC; a static header can only give a hint.
  QUOTA_EXCEEDED: { statusCode: 429, message: 'Rate limit exceeded', headers: { 'Retry-After': '3600' } },
  REQUEST_TOO_LARGE: { statusCode: 413, message: 'Request body exceeds the 10 MB limit' },
  BAD_REQUEST_BODY: { statusCode: 400, message: 'Invalid request body' },
  BAD_REQUEST_PARAMETERS: { statusCode: 400, message: 'Invalid request parameters' },
  UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, message: 'Unsupported media type' },
  AUTHORIZER_FAILURE: { statusCode: 503, message: 'Service temporarily unavailable, retry later', headers: { 'Retry-After': '5' } },
  AUTHORIZER_CONFIGURATION_ERROR: { statusCode: 500, message: 'Internal server error' },
  INTEGRATION_FAILURE: { statusCode: 502, message: 'Internal server error' },
  INTEGRATION_TIMEOUT: { statusCode: 504, message: 'Request timed out' },
  API_CONFIGURATION_ERROR: { statusCode: 500, message: 'Internal server error' },
  DEFAULT_4XX: {},
  DEFAULT_5XX: { message: 'Internal server error' },
};
