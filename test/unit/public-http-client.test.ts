import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PublicHttpClient, type PublicHttpClientOptions } from '../../functions/adapters/public-http-client';
import { type OutboundFailure, type OutboundRequest, OutboundRequestError } from '../../functions/core/outbound';
import { isPublicAddress } from '../../functions/core/public-address';
import { type HttpsTargets, startHttpsTargets, targetRoutes } from '../support/https-targets';

/**
 * The outbound adapter against real HTTPS servers on loopback (docs/security-and-reliability.md):
 * the positive case through a name the test resolver maps to 127.0.0.1 (which the test policy
 * treats as public), and every hostile target refused before a connection is made to it.
 */

const IMAGE = readFileSync(new URL('../fixtures/sample.png', import.meta.url));

describe('isPublicAddress (the public-address rule)', () => {
  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['2606:4700::1111'],
    ['2a00:1450:4001:82b::200e'],
  ])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT (a cloud metadata address)'],
    ['169.254.169.254', 'link-local: the instance metadata service'],
    ['169.254.0.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:8.8.8.8', 'IPv4-mapped (even of a public address: the IPv4 rule decides, not the IPv6 one)'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['2001::1', 'Teredo'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['100::1', 'discard-only'],
    ['4000::1', 'outside global unicast'],
    ['0x7f.1', 'a non-canonical IPv4 spelling'],
    ['2130706433', 'a decimal IPv4 spelling'],
    ['localhost', 'not an address'],
    ['', 'empty'],
  ])('%s is refused (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

let targets: HttpsTargets;
beforeAll(async () => {
  targets = await startHttpsTargets(targetRoutes(IMAGE));
});
afterAll(async () => {
  await targets.close();
});
beforeEach(() => {
  targets.dials.length = 0;
  targets.publicTarget.connections = 0;
  targets.privateTarget.connections = 0;
  targets.publicTarget.requests.length = 0;
  targets.privateTarget.requests.length = 0;
});

type Answers = Parameters<HttpsTargets['resolver']>[0];

function client(answers: Answers = { 'images.test': ['127.0.0.1'] }, options: Partial<PublicHttpClientOptions> = {}) {
  const resolver = targets.resolver(answers);
  return {
    resolver,
    http: new PublicHttpClient({ resolver, isAllowed: targets.policy, ca: targets.ca, dial: targets.dial, ...options }),
  };
}

function get(url: string, limits: Partial<OutboundRequest> = {}): OutboundRequest {
  return { url, maxBytes: 1024 * 1024, timeoutMs: 5000, maxRedirects: 3, ...limits };
}

async function refusal(promise: Promise<unknown>): Promise<{ failure: OutboundFailure; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundRequestError);
  return { failure: (error as OutboundRequestError).failure, message: (error as Error).message };
}

/** Nothing was sent to the private server, and the dialer was never asked for anything but 127.0.0.1. */
function expectNoPrivateConnection(): void {
  expect(targets.privateTarget.connections).toBe(0);
  expect(targets.dials.filter((address) => address !== '127.0.0.1')).toEqual([]);
}

describe('PublicHttpClient', () => {
  it('fetches over HTTPS from a name that resolves to an allowed address, connecting to the address it checked', async () => {
    const { http, resolver } = client();
    const response = await http.request(get(`${targets.publicTarget.originAs('images.test')}/image`));
    expect(response.status).toBe(200);
    expect(Buffer.compare(response.body, IMAGE)).toBe(0);
    expect(resolver.calls).toEqual(['images.test']);
    expect(targets.dials).toEqual(['127.0.0.1']);
    expect(targets.publicTarget.connections).toBe(1);
    expectNoPrivateConnection();
  });

  it.each([
    ['a loopback literal', (t: HttpsTargets) => `${t.privateTarget.origin}/image`],
    ['the metadata address', () => 'https://169.254.169.254/latest/meta-data/'],
    ['a private literal', () => 'https://10.0.0.1/image'],
    ['a carrier-grade NAT literal', () => 'https://100.64.0.1/image'],
    ['an IPv6 loopback literal', () => 'https://[::1]/image'],
    ['an IPv4-mapped IPv6 literal', (t: HttpsTargets) => `https://[::ffff:127.0.0.2]:${t.privateTarget.port}/image`],
    ['a unique-local literal', () => 'https://[fd00::1]/image'],
    ['a non-canonical loopback spelling', (t: HttpsTargets) => `https://0x7f.0.0.2:${t.privateTarget.port}/image`],
  ])('refuses %s without connecting', async (_name, url) => {
    const { http, resolver } = client();
    expect(await refusal(http.request(get(url(targets))))).toMatchObject({ failure: 'private-address' });
    expect(resolver.calls).toEqual([]);
    expect(targets.dials).toEqual([]);
    expectNoPrivateConnection();
  });

  it.each([
    ['the metadata address', ['169.254.169.254']],
    ['a private address', ['192.168.0.10']],
    ['loopback', ['127.0.0.2']],
    ['an IPv6 link-local address', ['fe80::1']],
    ['one private address among public ones', ['127.0.0.1', '127.0.0.2']],
  ])('refuses a name that resolves to %s without connecting', async (_name, addresses) => {
    const { http, resolver } = client({ 'evil.test': addresses });
    expect(await refusal(http.request(get(`${targets.publicTarget.originAs('evil.test')}/image`)))).toMatchObject({
      failure: 'private-address',
      message: 'The host evil.test is not a public address',
    });
    expect(resolver.calls).toEqual(['evil.test']);
    expect(targets.dials).toEqual([]);
    expectNoPrivateConnection();
  });

  it('connects to the address it checked, even when the name answers differently on the next lookup (DNS rebinding)', async () => {
    const { http, resolver } = client({ 'rebind.test': [['127.0.0.1'], ['127.0.0.2']] });
    const response = await http.request(get(`${targets.publicTarget.originAs('rebind.test')}/image`));
    expect(response.status).toBe(200);
    expect(resolver.calls).toEqual(['rebind.test']);
    expect(targets.publicTarget.connections).toBe(1);
    expectNoPrivateConnection();
  });

  it('checks every redirect again: a name that rebinds by the redirect is refused before the second connection', async () => {
    const { http, resolver } = client({ 'rebind.test': [['127.0.0.1'], ['127.0.0.2']] });
    const to = `${targets.publicTarget.originAs('rebind.test')}/image`;
    const first = `${targets.publicTarget.originAs('rebind.test')}/redirect?to=${encodeURIComponent(to)}`;
    expect(await refusal(http.request(get(first)))).toMatchObject({ failure: 'private-address' });
    expect(resolver.calls).toEqual(['rebind.test', 'rebind.test']);
    expect(targets.publicTarget.connections).toBe(1);
    expectNoPrivateConnection();
  });

  it.each([
    ['loopback literal', (t: HttpsTargets) => `${t.privateTarget.origin}/image`],
    ['the metadata address', () => 'https://169.254.169.254/latest/meta-data/iam/'],
    ['a name that resolves to loopback', (t: HttpsTargets) => `${t.privateTarget.originAs('other.test')}/image`],
  ])('refuses a redirect to %s', async (_name, to) => {
    const { http } = client({ 'images.test': ['127.0.0.1'], 'other.test': ['127.0.0.2'] });
    const url = `${targets.publicTarget.originAs('images.test')}/redirect?to=${encodeURIComponent(to(targets))}`;
    expect(await refusal(http.request(get(url)))).toMatchObject({ failure: 'private-address' });
    expect(targets.publicTarget.connections).toBe(1);
    expectNoPrivateConnection();
  });

  it('refuses a redirect to plain http', async () => {
    const { http } = client();
    const url = `${targets.publicTarget.originAs('images.test')}/redirect?to=${encodeURIComponent('http://images.test/image')}`;
    expect(await refusal(http.request(get(url)))).toMatchObject({ failure: 'not-https' });
  });

  it('follows at most the allowed number of redirects', async () => {
    const { http } = client();
    const origin = targets.publicTarget.originAs('images.test');
    const followed = await http.request(get(`${origin}/chain/3`));
    expect(followed.body.toString()).toBe('done');
    expect(followed.url).toBe(`${origin}/chain/0`);
    expect(await refusal(http.request(get(`${origin}/chain/4`)))).toMatchObject({ failure: 'redirects', message: 'The URL redirected more than 3 times' });
    expect(await refusal(http.request(get(`${origin}/chain/1`, { maxRedirects: 0 })))).toMatchObject({ failure: 'redirects' });
  });

  it('keeps Authorization on the same origin and drops it on a redirect to another one', async () => {
    const { http } = client({ 'images.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
    const same = `${targets.publicTarget.originAs('images.test')}/redirect?to=/echo-auth`;
    expect((await http.request({ ...get(same), headers: { Authorization: 'secret' } })).body.toString()).toBe('secret');
    const other = `${targets.publicTarget.originAs('images.test')}/redirect?to=${encodeURIComponent(`${targets.publicTarget.originAs('other.test')}/echo-auth`)}`;
    expect((await http.request({ ...get(other), headers: { Authorization: 'secret' } })).body.toString()).toBe('none');
  });

  it.each([
    ['plain http', 'http://images.test/image', 'not-https'],
    ['ftp', 'ftp://images.test/image', 'not-https'],
    ['a file URL', 'file:///etc/passwd', 'not-https'],
    ['credentials in the URL', 'https://user:pass@images.test/image', 'invalid-url'],
    ['not a URL', 'not a url', 'invalid-url'],
    ['a URL over 2048 characters', `https://images.test/${'a'.repeat(3000)}`, 'invalid-url'],
  ] as const)('refuses %s before any lookup', async (_name, url, failure) => {
    const { http, resolver } = client();
    expect(await refusal(http.request(get(url)))).toMatchObject({ failure });
    expect(resolver.calls).toEqual([]);
    expect(targets.dials).toEqual([]);
  });

  it('says so when a name does not resolve', async () => {
    const { http } = client({});
    expect(await refusal(http.request(get('https://nowhere.test/image')))).toMatchObject({ failure: 'unresolved' });
  });

  it('ends a body that trickles past the deadline, and a server that never answers', async () => {
    const { http } = client();
    const origin = targets.publicTarget.originAs('images.test');
    const started = Date.now();
    expect(await refusal(http.request(get(`${origin}/slow`, { timeoutMs: 600 })))).toMatchObject({ failure: 'timeout' });
    expect(await refusal(http.request(get(`${origin}/hang`, { timeoutMs: 600 })))).toMatchObject({ failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('ends a lookup that hangs at the deadline', async () => {
    const http = new PublicHttpClient({ resolver: () => new Promise(() => undefined), isAllowed: targets.policy, ca: targets.ca, dial: targets.dial });
    expect(await refusal(http.request(get('https://images.test/image', { timeoutMs: 300 })))).toMatchObject({ failure: 'timeout' });
    expect(targets.dials).toEqual([]);
  });

  it('cuts off an endless body at the size limit, and refuses a declared length over it without reading', async () => {
    const { http } = client();
    const origin = targets.publicTarget.originAs('images.test');
    expect(await refusal(http.request(get(`${origin}/endless`, { maxBytes: 256 * 1024 })))).toMatchObject({ failure: 'too-large' });
    expect(await refusal(http.request(get(`${origin}/declared-huge`)))).toMatchObject({ failure: 'too-large' });
  });

  it('verifies the certificate: without the test root of trust the handshake fails', async () => {
    const { http } = client({ 'images.test': ['127.0.0.1'] }, { ca: undefined });
    expect(await refusal(http.request(get(`${targets.publicTarget.originAs('images.test')}/image`)))).toMatchObject({
      failure: 'connection',
      message: 'The TLS certificate of images.test does not verify',
    });
  });

  it('checks the certificate against the name asked for, not the address connected to', async () => {
    const { http } = client({ 'unlisted.test': ['127.0.0.1'] });
    expect(await refusal(http.request(get(`${targets.publicTarget.originAs('unlisted.test')}/image`)))).toMatchObject({ failure: 'connection' });
  });
});
