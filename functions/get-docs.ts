import type { APIGatewayProxyResult } from 'aws-lambda';
import type { DocsPage } from './core/docs-page';
import { loadDocsPage } from './runtime/docs-page';

/** GET /docs (no key): the API reference page, built once per container. */
export function createGetDocsHandler({ html, csp }: DocsPage) {
  const response: APIGatewayProxyResult = {
    statusCode: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'Cache-Control': 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    },
    body: html,
  };
  return async (): Promise<APIGatewayProxyResult> => response;
}

export const handler = createGetDocsHandler(loadDocsPage());
