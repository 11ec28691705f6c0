import { readFileSync, statSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newImageId } from '../../functions/core/ids';
import { IMAGE_REQUEST_FUNCTION_FILE } from '../../lib/delivery';

/**
 * The viewer-request CloudFront Function (lib/cloudfront/image-request.js), run the way
 * CloudFront runs it: the file as one script in a fresh context with only the JavaScript
 * built-ins (no require, process, Buffer or console), its global `handler` called with
 * CloudFront's event objects (functions-event-structure, cloudfront-js-2.0).
 */

const SOURCE = readFileSync(IMAGE_REQUEST_FUNCTION_FILE, 'utf8');

interface CfValue {
  value: string;
  multiValue?: CfValue[];
}
interface CfRequest {
  method: string;
  uri: string;
  querystring: Record<string, CfValue>;
  headers: Record<string, CfValue>;
  cookies: Record<string, CfValue>;
}
interface CfResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, CfValue>;
  body: { encoding: string; data: string };
}

function loadHandler(): (event: unknown) => CfRequest | CfResponse {
  const context = createContext({});
  runInContext(SOURCE, context, { filename: 'image-request.js' });
  const handler = (context as { handler?: unknown }).handler;
  if (typeof handler !== 'function') throw new Error('image-request.js defines no global handler');
  return handler as (event: unknown) => CfRequest | CfResponse;
}

const handler = loadHandler();

function viewerRequest(uri: string, querystring: Record<string, CfValue> = {}, method = 'GET') {
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'req-1' },
    viewer: { ip: '198.51.100.7' },
    request: {
      method,
      uri,
      querystring,
      headers: { host: { value: 'd111111abcdef8.cloudfront.net' }, accept: { value: 'image/avif,image/webp,*/*' } },
      cookies: { session: { value: 'abc' } },
    } satisfies CfRequest,
  };
}

function isResponse(result: CfRequest | CfResponse): result is CfResponse {
  return 'statusCode' in result;
}

/** The answer must be a generated response in the JSON envelope with the headers every Imager error carries. */
function expectEnvelope(result: CfRequest | CfResponse, status: number, message: string | RegExp): void {
  expect(isResponse(result)).toBe(true);
  const response = result as CfResponse;
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toEqual({ value: 'application/json; charset=utf-8' });
  expect(response.headers['x-content-type-options']).toEqual({ value: 'nosniff' });
  expect(response.headers['access-control-allow-origin']).toEqual({ value: '*' });
  expect(response.headers['cache-control']).toEqual({ value: 'no-store' });
  expect(response.body.encoding).toBe('text');
  const body = JSON.parse(response.body.data) as { status: string; message: string };
  expect(Object.keys(body).sort()).toEqual(['message', 'status']);
  expect(body.status).toBe('error');
  if (typeof message === 'string') expect(body.message).toBe(message);
  else expect(body.message).toMatch(message);
}

describe('image-request CloudFront Function', () => {
  it('is a plain script within CloudFront Functions limits (10 KB, no module syntax)', () => {
    expect(statSync(IMAGE_REQUEST_FUNCTION_FILE).size).toBeLessThan(10 * 1024);
    expect(SOURCE).not.toMatch(/\b(require|import|export|module\.exports|process|Buffer)\b/);
  });

  it('rewrites /image/<id> to the published object images/<id>, leaving the rest of the request as it came', () => {
    const ids = [newImageId(), newImageId(), 'A'.repeat(22), '-'.repeat(22), '_aZ09-_aZ09-_aZ09-_aZ9'];
    for (const id of ids) {
      for (const method of ['GET', 'HEAD']) {
        const event = viewerRequest(`/image/${id}`, {}, method);
        const expected = structuredClone(event.request);
        const result = handler(event);
        expect(isResponse(result), id).toBe(false);
        expect(result).toEqual({ ...expected, uri: `/images/${id}` });
      }
    }
  });

  it.each([
    '/',
    '/image',
    '/image/',
    `/image/${'a'.repeat(21)}`,
    `/image/${'a'.repeat(23)}`,
    `/image/${'a'.repeat(21)}=`,
    `/image/${'a'.repeat(21)}.`,
    `/image/${newImageId()}/`,
    `/image/${newImageId()}.jpg`,
    `/image/${newImageId()}/extra`,
    `/images/${newImageId()}`,
    `/uploads/${newImageId()}`,
    `/variants/${newImageId()}/w=100`,
    '/errors/not-found.json',
    `/IMAGE/${newImageId()}`,
    `//image/${newImageId()}`,
    `/image//${newImageId()}`,
    `/image/${newImageId().slice(0, 19)}%2F1`,
    '/image/../uploads/aaaaaaaaaaaaaaaaaaaaaa',
    `/api/images/${newImageId()}`,
    '/favicon.ico',
  ])('answers 404 in the envelope for %s, without asking the bucket', (uri) => {
    const event = viewerRequest(uri);
    const result = handler(event);
    expectEnvelope(result, 404, 'Not found');
    expect(event.request.uri).toBe(uri);
  });

  it('answers 400 in the envelope for any query string parameter on an image URL', () => {
    const id = newImageId();
    const cases: Array<[Record<string, CfValue>, string]> = [
      [{ w: { value: '100' } }, 'w'],
      [{ format: { value: 'webp' }, q: { value: '80' } }, 'format'],
      [{ v: { value: '' } }, 'v'],
      [{ cb: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } }, 'cb'],
      [{ 'utm_source"x': { value: 'y' } }, 'utm_source"x'],
    ];
    for (const [querystring, first] of cases) {
      const event = viewerRequest(`/image/${id}`, querystring);
      const result = handler(event);
      expectEnvelope(result, 400, `Unsupported query parameter "${first}": image URLs take no parameters`);
      // Not rewritten: the request never reaches the origin.
      expect(event.request.uri).toBe(`/image/${id}`);
    }
  });

  it('keeps the 400 message short whatever the parameter name', () => {
    const result = handler(viewerRequest(`/image/${newImageId()}`, { ['x'.repeat(5000)]: { value: '1' } }));
    expectEnvelope(result, 400, new RegExp(`^Unsupported query parameter "${'x'.repeat(64)}\\.\\.\\."`));
    expect((result as CfResponse).body.data.length).toBeLessThan(200);
  });

  it('an unknown path with a query string is still a 404', () => {
    expectEnvelope(handler(viewerRequest('/other', { w: { value: '1' } })), 404, 'Not found');
  });

  it('never maps any path to an object outside images/, and maps exactly the 22-character ids', () => {
    const idAlphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
    const uri = fc.oneof(
      fc.string({ maxLength: 60 }).map((s) => `/${s}`),
      fc.string({ minLength: 0, maxLength: 30 }).map((s) => `/image/${s}`),
      fc.array(idAlphabet, { minLength: 22, maxLength: 22 }).map((chars) => `/image/${chars.join('')}`),
    );
    fc.assert(
      fc.property(uri, (path) => {
        const result = handler(viewerRequest(path));
        const valid = /^\/image\/[A-Za-z0-9_-]{22}$/.test(path);
        if (valid) {
          expect(isResponse(result)).toBe(false);
          expect((result as CfRequest).uri).toBe(`/images/${path.slice('/image/'.length)}`);
        } else {
          expectEnvelope(result, 404, 'Not found');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
