/**
 * The reference routes: GET /api/openapi.json (no key) returns openapi.yaml with `servers` set to
 * the URL the client called, through the local gateway and through the handler with the API
 * Gateway event (stage prefix); GET /docs returns the page with its assets inline.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as docsHandler } from '../../functions/get-docs';
import { handler as openApiHandler } from '../../functions/get-openapi';
import getDocsEvent from '../../events/get-docs.json';
import getOpenApiEvent from '../../events/get-openapi.json';
import { assertConforms, loadDocument } from '../support/contract';
import { startTestApi, type TestApi } from '../support/local-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

/** GET with a chosen Host header (fetch may not set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Host: host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/openapi.json', () => {
  it('needs no key and returns openapi.yaml with servers = the URL called', async () => {
    const response = await api.call('/api/openapi.json', { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const { servers, ...served } = (await response.json()) as Record<string, unknown>;
    const { servers: _written, ...document } = loadDocument();
    expect(served).toEqual(document);
    expect(servers).toEqual([{ url: api.url, description: 'This API' }]);
  });

  it('names the host the client used', async () => {
    const { port } = new URL(api.url);
    const reply = await getWithHost(`${api.url}/api/openapi.json`, `imager.example.test:${port}`);
    await assertConforms({ method: 'GET', path: '/api/openapi.json', ...reply });
    expect(JSON.parse(reply.body).servers).toEqual([{ url: `http://imager.example.test:${port}`, description: 'This API' }]);
  });

  it('on API Gateway: https, the API domain and the stage prefix (events/get-openapi.json)', async () => {
    const result = await openApiHandler(structuredClone(getOpenApiEvent) as unknown as APIGatewayProxyEvent);
    await assertConforms({ method: 'GET', path: '/api/openapi.json', status: result.statusCode, headers: result.headers ?? {}, body: result.body });
    expect(JSON.parse(result.body).servers).toEqual([{ url: 'https://abc123defg.execute-api.us-east-1.amazonaws.com/v1', description: 'This API' }]);
  });

  it('is what a client generator and the typed client read: every operation has an operationId', async () => {
    const { data } = await api.client(null).GET('/api/openapi.json');
    const operations = Object.values((data as { paths: Record<string, Record<string, { operationId?: string; responses?: object }>> }).paths)
      .flatMap((item) => Object.values(item))
      .filter((value) => typeof value === 'object' && value !== null && 'responses' in value);
    expect(operations.length).toBeGreaterThanOrEqual(13);
    expect(operations.every((operation) => typeof operation.operationId === 'string')).toBe(true);
  });
});

describe('GET /docs', () => {
  it('serves the page with Redoc inline, reading api/openapi.json relative to the page, under a hash-based CSP', async () => {
    const response = await api.call('/docs', { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain("Redoc.init('api/openapi.json'");
    // No asset from elsewhere: no external script, style or image reference.
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href="?https?:/i);
    expect(html).not.toContain('cdn.redoc.ly');
    const csp = response.headers.get('content-security-policy') ?? '';
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(2);
    for (const script of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toContain('unsafe-inline\'; script');
  });

  it('on API Gateway: the same page (events/get-docs.json)', async () => {
    const result = await docsHandler();
    expect(result.statusCode).toBe(200);
    expect(getDocsEvent.path).toBe('/docs');
    await assertConforms({ method: 'GET', path: getDocsEvent.path, status: result.statusCode, headers: result.headers ?? {}, body: result.body });
    expect(result.body).toBe(await (await api.call('/docs', { key: null })).text());
  });
});
