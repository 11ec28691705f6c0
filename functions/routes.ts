import { FUNCTIONS, type FunctionsTriggeredBy, functionsTriggeredBy } from './function-table';

/**
 * The route table: the single source for the CDK stack's API and the local gateway.
 * `handler` names the function in the function table (functions/function-table.ts).
 */
export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway resource path; `{name}` segments are path parameters. */
  readonly path: string;
  readonly handler: HandlerName;
  /**
   * Who may call it: `key` = bearer API key through the key authorizer + usage plan (image
   * routes); `session` = the signed-in person's Cognito ID token (account routes, docs/accounts-and-console.md);
   * `none` = public (the view link).
   */
  readonly auth: RouteAuth;
}

export type RouteAuth = 'key' | 'session' | 'none';

/** The functions behind API routes: the function table's entries with an `api` trigger. */
export type HandlerName = FunctionsTriggeredBy<'api'>;

/** Each API function's handler file in functions/ (from the function table). */
export const HANDLERS: Readonly<Record<HandlerName, string>> = Object.fromEntries(
  functionsTriggeredBy('api').map((name) => [name, FUNCTIONS[name].file]),
) as Record<HandlerName, string>;

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'POST', path: '/api/images/upload', handler: 'UploadImage', auth: 'key' },
  { method: 'POST', path: '/api/images/uploads', handler: 'StartUpload', auth: 'key' },
  { method: 'POST', path: '/api/images/{image_id}/upload/parts', handler: 'SignUploadParts', auth: 'key' },
  { method: 'GET', path: '/api/images/{image_id}/upload/parts', handler: 'ListUploadParts', auth: 'key' },
  { method: 'POST', path: '/api/images/{image_id}/upload/complete', handler: 'CompleteUpload', auth: 'key' },
  { method: 'DELETE', path: '/api/images/{image_id}/upload', handler: 'AbortUpload', auth: 'key' },
  { method: 'GET', path: '/api/images', handler: 'ListImages', auth: 'key' },
  { method: 'GET', path: '/api/images/{image_id}', handler: 'GetImage', auth: 'key' },
  { method: 'GET', path: '/api/images/{image_id}/similar', handler: 'ListSimilarImages', auth: 'key' },
  { method: 'DELETE', path: '/api/images/{image_id}', handler: 'DeleteImage', auth: 'key' },
  { method: 'PATCH', path: '/api/images/{image_id}', handler: 'PatchImage', auth: 'key' },
  // The upload's delete_url: the token in the path is the only credential (docs/api.md#delete-links).
  { method: 'GET', path: '/api/images/{image_id}/delete/{token}', handler: 'DeleteByLink', auth: 'none' },
  { method: 'POST', path: '/api/images/{image_id}/delete/{token}', handler: 'DeleteByLink', auth: 'none' },
  { method: 'GET', path: '/image/{image_id}', handler: 'ViewImage', auth: 'none' },
  { method: 'GET', path: '/api/account', handler: 'GetAccount', auth: 'session' },
  { method: 'DELETE', path: '/api/account', handler: 'DeleteAccount', auth: 'session' },
  { method: 'GET', path: '/api/account/deletion', handler: 'DeleteAccount', auth: 'session' },
  { method: 'GET', path: '/api/account/keys', handler: 'ListAccountKeys', auth: 'session' },
  { method: 'POST', path: '/api/account/keys', handler: 'CreateAccountKey', auth: 'session' },
  { method: 'DELETE', path: '/api/account/keys/{key_id}', handler: 'RevokeAccountKey', auth: 'session' },
  { method: 'POST', path: '/api/account/export', handler: 'StartAccountExport', auth: 'session' },
  { method: 'GET', path: '/api/account/export', handler: 'GetAccountExport', auth: 'session' },
  { method: 'GET', path: '/api/account/export/{export_id}', handler: 'GetAccountExport', auth: 'session' },
  { method: 'GET', path: '/api/account/signing-secrets', handler: 'ListSigningSecrets', auth: 'session' },
  { method: 'POST', path: '/api/account/signing-secrets', handler: 'CreateSigningSecret', auth: 'session' },
  { method: 'DELETE', path: '/api/account/signing-secrets/{kid}', handler: 'RevokeSigningSecret', auth: 'session' },
  { method: 'GET', path: '/api/account/webhooks', handler: 'WebhookEndpoints', auth: 'session' },
  { method: 'POST', path: '/api/account/webhooks', handler: 'WebhookEndpoints', auth: 'session' },
  { method: 'PATCH', path: '/api/account/webhooks/{endpoint_id}', handler: 'WebhookEndpoints', auth: 'session' },
  { method: 'DELETE', path: '/api/account/webhooks/{endpoint_id}', handler: 'WebhookEndpoints', auth: 'session' },
  { method: 'POST', path: '/api/account/webhooks/{endpoint_id}/secret', handler: 'WebhookEndpoints', auth: 'session' },
  { method: 'GET', path: '/api/account/webhooks/{endpoint_id}/deliveries', handler: 'WebhookEndpoints', auth: 'session' },
  { method: 'POST', path: '/api/account/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver', handler: 'WebhookEndpoints', auth: 'session' },
  { method: 'GET', path: '/api/openapi.json', handler: 'GetOpenApi', auth: 'none' },
  { method: 'GET', path: '/docs', handler: 'GetDocs', auth: 'none' },
];

/** Request content types API Gateway passes to Lambda base64-encoded. */
export const BINARY_MEDIA_TYPES: readonly string[] = ['multipart/form-data'];

/** Largest request API Gateway accepts (REST APIs: 10 MB). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** Matches a concrete path against a route path; returns the path parameters or undefined. */
export function matchPath(routePath: string, path: string): Record<string, string> | undefined {
  const want = routePath.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const segment = want[i];
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (got[i] === '') return undefined;
      let value: string;
      try {
        value = decodeURIComponent(got[i]);
      } catch {
        return undefined;
      }
      params[segment.slice(1, -1)] = value;
    } else if (segment !== got[i]) {
      return undefined;
    }
  }
  return params;
}
