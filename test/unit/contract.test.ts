/**
 * The response checker that every integration test goes through (test/support/contract.ts):
 * proof that it accepts what the document allows and refuses each way a response can drift.
 */
import { describe, expect, it } from 'vitest';
import { contractProblems, matchTemplate, type ObservedResponse } from '../support/contract';

const JSON_TYPE = 'application/json; charset=utf-8';
const ID = '7Yq2mN0c4TzP1aXbK9eLwQ';
const RATE = {
  'X-RateLimit-Limit': '1000',
  'X-RateLimit-Remaining': '998',
  'X-RateLimit-Reset': '1796378400',
  'RateLimit-Policy': '"hourly";q=1000;w=3600',
  RateLimit: '"hourly";r=998;t=1740',
};
const IMAGE = {
  id: ID,
  url: `http://127.0.0.1:3000/image/${ID}`,
  state: 'ready',
  width: 64,
  height: 48,
  format: 'jpeg',
  content_type: 'image/jpeg',
  size: 1352,
  sha256: 'ee231f75f238f5951a4707ffd7e345b8ca23d6be6096f57d8d65af49874b8144',
  created_at: '2026-11-26T23:59:59.123Z',
  metadata: {},
  thumbhash: null,
  dominant_color: null,
  delete_url: `http://127.0.0.1:3000/api/images/${ID}/delete/Q2xpY2sgdGhlIGxpbmsgdG8gZGVsZXRlIGl0IG9uY2U`,
};

function upload(overrides: Partial<ObservedResponse> = {}, data: unknown = IMAGE): ObservedResponse {
  return {
    method: 'POST',
    path: '/api/images/upload',
    status: 201,
    headers: { 'Content-Type': JSON_TYPE, Location: `/api/images/${ID}`, ...RATE },
    body: JSON.stringify({ status: 'success', data }),
    ...overrides,
  };
}

describe('contractProblems', () => {
  it('accepts a documented answer', async () => {
    expect(await contractProblems(upload())).toEqual([]);
  });

  it('refuses a status the operation does not declare', async () => {
    const problems = await contractProblems(upload({ status: 418 }));
    expect(problems.join()).toMatch(/status not declared for POST \/api\/images\/upload/);
  });

  it('refuses a missing required header, and a malformed one', async () => {
    const { 'X-RateLimit-Limit': _limit, ...rest } = RATE;
    expect((await contractProblems(upload({ headers: { 'Content-Type': JSON_TYPE, Location: '/x', ...rest } }))).join()).toMatch(
      /required header X-RateLimit-Limit is missing/,
    );
    const bad = { 'Content-Type': JSON_TYPE, Location: '/x', ...RATE, 'RateLimit-Policy': 'hourly 1000' };
    expect((await contractProblems(upload({ headers: bad }))).join()).toMatch(/header RateLimit-Policy/);
  });

  it('refuses a body that is not the schema: a missing field, an extra field, a wrong type', async () => {
    const { url: _url, ...noUrl } = IMAGE;
    expect((await contractProblems(upload({}, noUrl))).join()).toMatch(/body/);
    expect((await contractProblems(upload({}, { ...IMAGE, secret: 'x' })))).not.toEqual([]);
    expect((await contractProblems(upload({}, { ...IMAGE, width: '64' })))).not.toEqual([]);
    expect((await contractProblems(upload({}, { ...IMAGE, created_at: 'yesterday' })))).not.toEqual([]);
  });

  it('refuses an undeclared content type and a JSON answer without its charset', async () => {
    const html = upload({ headers: { 'Content-Type': 'text/html', Location: '/x', ...RATE } });
    expect((await contractProblems(html)).join()).toMatch(/Content-Type text\/html is not declared/);
    const bare = upload({ headers: { 'Content-Type': 'application/json', Location: '/x', ...RATE } });
    expect((await contractProblems(bare)).join()).toMatch(/expected application\/json; charset=utf-8/);
  });

  it('refuses a body where none is declared, and accepts an empty 204', async () => {
    const deleted: ObservedResponse = { method: 'DELETE', path: `/api/images/${ID}`, status: 204, headers: RATE, body: '' };
    expect(await contractProblems(deleted)).toEqual([]);
    expect((await contractProblems({ ...deleted, body: '{}' })).join()).toMatch(/no body is declared/);
  });

  it('allows only the 404 envelope on a route the document does not have', async () => {
    const unknown: ObservedResponse = {
      method: 'GET',
      path: '/api/nope',
      status: 404,
      headers: { 'Content-Type': JSON_TYPE },
      body: '{"status":"error","message":"Not found"}',
    };
    expect(await contractProblems(unknown)).toEqual([]);
    expect((await contractProblems({ ...unknown, status: 200 })).join()).toMatch(/only 404 is allowed/);
    expect(await contractProblems({ ...unknown, body: '{"error":"Not found"}' })).not.toEqual([]);
  });

  it('checks the public URL: image bytes with their headers', async () => {
    const view: ObservedResponse = {
      method: 'GET',
      path: `/image/${ID}`,
      status: 200,
      headers: {
        'content-type': 'image/png',
        'cache-control': 'public, max-age=31536000, immutable',
        etag: '"abc"',
        'x-content-type-options': 'nosniff',
        'access-control-allow-origin': '*',
        'accept-ranges': 'bytes',
      },
      body: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    };
    expect(await contractProblems(view)).toEqual([]);
    const { etag: _etag, ...noEtag } = view.headers as Record<string, string>;
    expect((await contractProblems({ ...view, headers: noEtag })).join()).toMatch(/required header ETag is missing/);
    expect((await contractProblems({ ...view, headers: { ...view.headers, 'content-type': 'image/svg+xml' } })).join()).toMatch(
      /not declared/,
    );
    expect((await contractProblems({ ...view, status: 302 })).join()).toMatch(/status not declared/);
    expect(await contractProblems({ ...view, method: 'HEAD', body: '' })).toEqual([]);
  });
});

describe('matchTemplate', () => {
  const paths = ['/api/images', '/api/images/upload', '/api/images/{image_id}', '/image/{image_id}'];
  it('prefers literal segments and needs every segment', () => {
    expect(matchTemplate(paths, '/api/images/upload')).toBe('/api/images/upload');
    expect(matchTemplate(paths, `/api/images/${ID}`)).toBe('/api/images/{image_id}');
    expect(matchTemplate(paths, '/api/images/')).toBeUndefined();
    expect(matchTemplate(paths, '/image')).toBeUndefined();
  });
});
