import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../functions/core/errors';
import { newImageId } from '../../functions/core/ids';
import { canonicalTransform, pairsFromSearch, parseTransform } from '../../functions/core/transform-params';
import { secretKey, secretValue } from '../../functions/core/edge-entries';
import { signature } from '../../functions/core/url-signing';
import { cloudFrontQuery, requestFunction, responseFunction, viewerRequestEvent } from '../support/cloudfront';
import { acceptHeader, junkQuery, validQuery } from '../support/transform-queries';

/**
 * The viewer-request function (lib/edge/viewer-request.js) runs here the way CloudFront runs it
 * (local/edge-runtime.ts: a bare `vm` context, no Node APIs, its store and crypto from shims). Its
 * transform rules must take the same accept/400 decisions as the TypeScript parser, with the same
 * messages, and rewrite to the same `/variants/<id>/<canonical>`. Queries here carry a valid
 * signature, so the unsigned set (test/unit/edge-rules.test.ts) never decides for them.
 */
const KEY = { kid: 'ktest', secret: 'transform-request-test-secret', accountId: 'acct_test' };
const request = requestFunction({ store: { [secretKey(KEY.kid)]: secretValue(KEY.accountId, KEY.secret) } });
const response = responseFunction();
const ID = 'AbCdEfGhIjKlMnOpQrStUv';

/** `search` with `kid` and a valid `sig` appended (made over the decoded pairs, as the edge checks them). */
function signed(search: string): string {
  let params: Record<string, string>;
  try {
    params = Object.fromEntries(pairsFromSearch(search));
  } catch {
    params = {};
  }
  const sig = signature(KEY.secret, `/image/${ID}`, { ...params, kid: KEY.kid });
  return `${search}${search === '' ? '' : '&'}kid=${KEY.kid}&sig=${sig}`;
}

type Decision = { status: 400; message: string } | { uri: string };

async function edge(search: string, accept?: string): Promise<Decision> {
  const result = (await request(viewerRequestEvent(`/image/${ID}`, signed(search), accept))) as any;
  if ('statusCode' in result) {
    expect(result.statusCode).toBe(400);
    expect(result.headers['content-type'].value).toBe('application/json; charset=utf-8');
    const body = JSON.parse(result.body.data) as { status: string; message: string };
    expect(body.status).toBe('error');
    return { status: 400, message: body.message };
  }
  expect(result.querystring).toEqual({});
  return { uri: result.uri };
}

function core(search: string, accept?: string): Decision {
  try {
    const t = parseTransform(pairsFromSearch(search), accept);
    return { uri: t ? `/variants/${ID}/${canonicalTransform(t)}` : `/images/${ID}` };
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    return { status: 400, message: error.message };
  }
}

describe('viewer-request function (lib/edge/viewer-request.js) against the TypeScript parser', () => {
  it('same decision, message and canonical URI on generated junk queries', async () => {
    await fc.assert(
      fc.asyncProperty(junkQuery, acceptHeader, async (search, accept) => {
        expect(await edge(search, accept)).toEqual(core(search, accept));
      }),
      { numRuns: 3000 },
    );
  });

  it('same canonical URI on generated valid queries in any order', async () => {
    await fc.assert(
      fc.asyncProperty(validQuery, acceptHeader, async (search, accept) => {
        const decision = await edge(search, accept);
        expect(decision).toEqual(core(search, accept));
        expect('uri' in decision && decision.uri.startsWith(`/variants/${ID}/`)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['', undefined, { uri: `/images/${ID}` }],
    ['w=300', undefined, { uri: `/variants/${ID}/w300-hauto-inside-original-qauto` }],
    ['format=webp&w=300&q=80', undefined, { uri: `/variants/${ID}/w300-hauto-inside-webp-q80` }],
    ['w=300&format=auto', 'image/avif,image/webp,*/*', { uri: `/variants/${ID}/w300-hauto-inside-avif-q50` }],
    ['w=300&format=auto', 'image/webp,*/*', { uri: `/variants/${ID}/w300-hauto-inside-webp-q80` }],
    ['w=300&format=auto', '*/*', { uri: `/variants/${ID}/w300-hauto-inside-original-qauto` }],
    ['w=%33%30%30', undefined, { uri: `/variants/${ID}/w300-hauto-inside-original-qauto` }],
    ['w=300&w=300', undefined, { status: 400, message: 'Parameter w is repeated' }],
    ['w=300&utm_source=x', undefined, { status: 400, message: 'Unknown parameter "utm_source"; allowed: w, h, fit, format, q' }],
    ['w=%E0%A4%A', undefined, { status: 400, message: 'Malformed query string' }],
  ] as const)('%s (Accept %s)', async (search, accept, expected) => {
    expect(await edge(search, accept)).toEqual(expected);
    expect(core(search, accept)).toEqual(expected);
  });

  it('answers 404 for anything that is not /image/<22-char id>, without an origin', async () => {
    for (const uri of ['/image/', '/image/short', `/image/${ID}/x`, `/images/${ID}`, `/variants/${ID}/w300-hauto-inside-webp-q80`, '/']) {
      const result = (await request(viewerRequestEvent(uri, 'w=1'))) as any;
      expect(result.statusCode, uri).toBe(404);
      expect(JSON.parse(result.body.data)).toEqual({ status: 'error', message: 'Not found' });
    }
  });
});

describe('viewer-request function (lib/edge/viewer-request.js): paths', () => {
  /** The answer must be a generated response in the JSON envelope with the headers every Imager error carries. */
  function expectEnvelope(result: any, status: number, message: string): void {
    expect(result.statusDescription).toBe(status === 400 ? 'Bad Request' : 'Not Found');
    expect(result.statusCode).toBe(status);
    expect(result.headers).toEqual({
      'content-type': { value: 'application/json; charset=utf-8' },
      'x-content-type-options': { value: 'nosniff' },
      'access-control-allow-origin': { value: '*' },
      'cache-control': { value: 'no-store' },
    });
    expect(result.body.encoding).toBe('text');
    expect(JSON.parse(result.body.data)).toEqual({ status: 'error', message });
  }

  it('rewrites /image/<id> without a query to the published object images/<id>, leaving the rest of the request as it came', async () => {
    const ids = [newImageId(), newImageId(), 'A'.repeat(22), '-'.repeat(22), '_aZ09-_aZ09-_aZ09-_aZ9'];
    for (const id of ids) {
      for (const method of ['GET', 'HEAD']) {
        const base = viewerRequestEvent(`/image/${id}`, '');
        const event = {
          ...base,
          request: {
            ...base.request,
            method,
            headers: { host: { value: 'd111111abcdef8.cloudfront.net' }, accept: { value: 'image/avif,image/webp,*/*' } },
            cookies: { session: { value: 'abc' } },
          },
        };
        const expected = structuredClone(event.request);
        const result = (await request(event)) as any;
        expect('statusCode' in result, id).toBe(false);
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
  ])('answers 404 in the envelope for %s, with or without a query, without asking an origin', async (uri) => {
    for (const search of ['', 'w=1', 'utm_source=x']) {
      const event = viewerRequestEvent(uri, search);
      expectEnvelope(await request(event), 404, 'Not found');
      expect(event.request.uri).toBe(uri);
    }
  });

  it('answers a refused query in the same envelope, and rewrites nothing', async () => {
    const event = viewerRequestEvent(`/image/${ID}`, 'w=300&utm_source=x');
    expectEnvelope(await request(event), 400, 'Unknown parameter "utm_source"; allowed: w, h, fit, format, q');
    expect(event.request.uri).toBe(`/image/${ID}`);
  });

  it('never maps a path without a query to an object outside images/, and maps exactly the 22-character ids', async () => {
    const idAlphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
    const uri = fc.oneof(
      fc.string({ maxLength: 60 }).map((s) => `/${s}`),
      fc.string({ minLength: 0, maxLength: 30 }).map((s) => `/image/${s}`),
      fc.array(idAlphabet, { minLength: 22, maxLength: 22 }).map((chars) => `/image/${chars.join('')}`),
    );
    await fc.assert(
      fc.asyncProperty(uri, async (path) => {
        const result = (await request(viewerRequestEvent(path, ''))) as any;
        if (/^\/image\/[A-Za-z0-9_-]{22}$/.test(path)) {
          expect('statusCode' in result).toBe(false);
          expect(result.uri).toBe(`/images/${path.slice('/image/'.length)}`);
        } else {
          expectEnvelope(result, 404, 'Not found');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('viewer-response function (lib/edge/viewer-response.js)', () => {
  function run(request: { querystring: ReturnType<typeof cloudFrontQuery>; headers: Record<string, { value: string }> }, status = 200, vary?: string) {
    return response({
      version: '1.0',
      context: { eventType: 'viewer-response' },
      request: { method: 'GET', uri: `/image/${ID}`, cookies: {}, ...request },
      response: { statusCode: status, headers: vary ? { vary: { value: vary } } : {}, cookies: {} },
    }) as any;
  }
  /** The request as the viewer-response function sees it: the one the viewer-request function returned (query folded away). */
  async function asSeen(search: string) {
    const result = (await request(viewerRequestEvent(`/image/${ID}`, signed(search), 'image/avif,image/webp,*/*'))) as any;
    expect(result.querystring).toEqual({});
    return { querystring: result.querystring, headers: result.headers };
  }
  const asSent = (search: string) => ({ querystring: cloudFrontQuery(search), headers: {} });

  it('adds Vary: Accept to format=auto answers, on the request the viewer-request function returned', async () => {
    expect(run(await asSeen('w=300&format=auto')).headers.vary).toEqual({ value: 'Accept' });
    expect(run(await asSeen('w=300&format=auto'), 200, 'Origin').headers.vary).toEqual({ value: 'Origin, Accept' });
    expect(run(await asSeen('w=300&format=auto'), 200, 'accept').headers.vary).toEqual({ value: 'accept' });
    expect(run(await asSeen('w=300&format=auto'), 304).headers.vary).toBeUndefined();
    expect(run(await asSeen('w=300&format=avif')).headers.vary).toBeUndefined();
    expect(run(await asSeen('w=300')).headers.vary).toBeUndefined();
    expect(run(await asSeen('')).headers.vary).toBeUndefined();
  });

  it('a viewer cannot plant the marker: the viewer-request function removes a sent x-imager-auto', async () => {
    const event = viewerRequestEvent(`/image/${ID}`, signed('w=300&format=webp'));
    event.request.headers['x-imager-auto'] = { value: '1' };
    const seen = (await request(event)) as any;
    expect(seen.headers['x-imager-auto']).toBeUndefined();
    expect(run({ querystring: seen.querystring, headers: seen.headers }).headers.vary).toBeUndefined();
  });

  it('and on the request as the viewer sent it, should CloudFront ever hand that one over', () => {
    expect(run(asSent('w=300&format=auto')).headers.vary).toEqual({ value: 'Accept' });
    expect(run(asSent('w=300&format=webp')).headers.vary).toBeUndefined();
    expect(run(asSent('')).headers.vary).toBeUndefined();
    expect(run(asSent('w=300&format=auto'), 400).headers.vary).toBeUndefined();
  });
});
