import { readFileSync, statSync } from 'node:fs';
import { createContext, Script } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../functions/core/errors';
import { newImageId } from '../../functions/core/ids';
import { canonicalTransform, pairsFromSearch, parseTransform } from '../../functions/core/transform-params';
import { acceptHeader, junkQuery, validQuery } from '../support/transform-queries';

/**
 * The CloudFront Functions (lib/cloudfront/*.js) run here in a bare `vm` context, the way the
 * CloudFront runtime runs them: a top-level `handler(event)`, no module system, no Node APIs.
 * The request function must take the same accept/400 decisions as the TypeScript parser, with
 * the same messages, and rewrite to the same `/variants/<id>/<canonical>`.
 */
const source = (file: string): string => readFileSync(new URL(`../../lib/cloudfront/${file}`, import.meta.url), 'utf8');

function load(file: string): (event: unknown) => any {
  const context = createContext({});
  new Script(source(file), { filename: file }).runInContext(context);
  return context.handler as (event: unknown) => any;
}

const request = load('transform-request.js');
const response = load('transform-response.js');
const ID = 'AbCdEfGhIjKlMnOpQrStUv';

type CfQuery = Record<string, { value: string; multiValue?: Array<{ value: string }> }>;

/** A raw query string as CloudFront hands it to a function: one entry per name, repeats in multiValue, values not decoded. */
function cloudFrontQuery(search: string): CfQuery {
  const query: CfQuery = {};
  if (search === '') return query;
  for (const part of search.split('&')) {
    const at = part.indexOf('=');
    const name = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? '' : part.slice(at + 1);
    const existing = Object.prototype.hasOwnProperty.call(query, name) ? query[name] : undefined;
    if (existing) {
      existing.multiValue = [...(existing.multiValue ?? [{ value: existing.value }]), { value }];
    } else {
      // defineProperty: a parameter called __proto__ is data, not the prototype.
      Object.defineProperty(query, name, { value: { value }, enumerable: true, writable: true, configurable: true });
    }
  }
  return query;
}

function viewerRequest(uri: string, search: string, accept?: string) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '192.0.2.1' },
    request: {
      method: 'GET',
      uri,
      querystring: cloudFrontQuery(search),
      headers: accept === undefined ? {} : { accept: { value: accept } },
      cookies: {},
    },
  };
}

type Decision = { status: 400; message: string } | { uri: string };

function edge(search: string, accept?: string): Decision {
  const result = request(viewerRequest(`/image/${ID}`, search, accept));
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

describe('viewer-request function (transform-request.js) against the TypeScript parser', () => {
  it('same decision, message and canonical URI on generated junk queries', () => {
    fc.assert(
      fc.property(junkQuery, acceptHeader, (search, accept) => {
        expect(edge(search, accept)).toEqual(core(search, accept));
      }),
      { numRuns: 3000 },
    );
  });

  it('same canonical URI on generated valid queries in any order', () => {
    fc.assert(
      fc.property(validQuery, acceptHeader, (search, accept) => {
        const decision = edge(search, accept);
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
  ] as const)('%s (Accept %s)', (search, accept, expected) => {
    expect(edge(search, accept)).toEqual(expected);
    expect(core(search, accept)).toEqual(expected);
  });

  it('answers 404 for anything that is not /image/<22-char id>, without an origin', () => {
    for (const uri of ['/image/', '/image/short', `/image/${ID}/x`, `/images/${ID}`, `/variants/${ID}/w300-hauto-inside-webp-q80`, '/']) {
      const result = request(viewerRequest(uri, 'w=1'));
      expect(result.statusCode, uri).toBe(404);
      expect(JSON.parse(result.body.data)).toEqual({ status: 'error', message: 'Not found' });
    }
  });
});

describe('the CloudFront Function files', () => {
  it.each(['transform-request.js', 'transform-response.js'])('%s is a plain script within CloudFront Functions limits (10 KB, no module syntax)', (file) => {
    expect(statSync(new URL(`../../lib/cloudfront/${file}`, import.meta.url)).size).toBeLessThan(10 * 1024);
    expect(source(file)).not.toMatch(/\b(require|import|export|module\.exports|process|Buffer)\b/);
  });
});

describe('viewer-request function (transform-request.js): paths', () => {
  /** The answer must be a generated response in the JSON envelope with the headers every Imager error carries. */
  function expectEnvelope(result: any, status: number, message: string): void {
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

  it('rewrites /image/<id> without a query to the published object images/<id>, leaving the rest of the request as it came', () => {
    const ids = [newImageId(), newImageId(), 'A'.repeat(22), '-'.repeat(22), '_aZ09-_aZ09-_aZ09-_aZ9'];
    for (const id of ids) {
      for (const method of ['GET', 'HEAD']) {
        const base = viewerRequest(`/image/${id}`, '');
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
        const result = request(event);
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
  ])('answers 404 in the envelope for %s, with or without a query, without asking an origin', (uri) => {
    for (const search of ['', 'w=1', 'utm_source=x']) {
      const event = viewerRequest(uri, search);
      expectEnvelope(request(event), 404, 'Not found');
      expect(event.request.uri).toBe(uri);
    }
  });

  it('answers a refused query in the same envelope, and rewrites nothing', () => {
    const event = viewerRequest(`/image/${ID}`, 'w=300&utm_source=x');
    expectEnvelope(request(event), 400, 'Unknown parameter "utm_source"; allowed: w, h, fit, format, q');
    expect(event.request.uri).toBe(`/image/${ID}`);
  });

  it('never maps a path without a query to an object outside images/, and maps exactly the 22-character ids', () => {
    const idAlphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
    const uri = fc.oneof(
      fc.string({ maxLength: 60 }).map((s) => `/${s}`),
      fc.string({ minLength: 0, maxLength: 30 }).map((s) => `/image/${s}`),
      fc.array(idAlphabet, { minLength: 22, maxLength: 22 }).map((chars) => `/image/${chars.join('')}`),
    );
    fc.assert(
      fc.property(uri, (path) => {
        const result = request(viewerRequest(path, ''));
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

describe('viewer-response function (transform-response.js)', () => {
  function run(search: string, status = 200, vary?: string) {
    return response({
      version: '1.0',
      context: { eventType: 'viewer-response' },
      request: { method: 'GET', uri: `/image/${ID}`, querystring: cloudFrontQuery(search), headers: {}, cookies: {} },
      response: { statusCode: status, headers: vary ? { vary: { value: vary } } : {}, cookies: {} },
    });
  }

  it('adds Vary: Accept only when the viewer asked for format=auto', () => {
    expect(run('w=300&format=auto').headers.vary).toEqual({ value: 'Accept' });
    expect(run('w=300&format=auto', 200, 'Origin').headers.vary).toEqual({ value: 'Origin, Accept' });
    expect(run('w=300&format=auto', 200, 'accept').headers.vary).toEqual({ value: 'accept' });
    expect(run('w=300&format=webp').headers.vary).toBeUndefined();
    expect(run('').headers.vary).toBeUndefined();
    expect(run('w=300&format=auto', 400).headers.vary).toBeUndefined();
  });
});
