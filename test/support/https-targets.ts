import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Dialer, Resolver } from '../../functions/adapters/public-http-client';
import { isPublicAddress } from '../../functions/core/public-address';

/**
 * HTTPS servers on this machine for the outbound adapter's tests: one on 127.0.0.1 (the "public"
 * host of the tests, which the test policy lets through) and one on 127.0.0.2 (a private
 * address, which must never be connected to), both with a self-signed certificate made here for
 * the names `images.test`, `rebind.test` and both addresses. Every connection each server
 * accepts is counted, and the test dialer counts and refuses anything off loopback, so no test
 * can send a packet to a real private or public address even if the adapter were wrong.
 */

export type Route = (req: IncomingMessage, res: ServerResponse, target: HttpsTarget) => void;

export interface HttpsTarget {
  readonly address: string;
  readonly port: number;
  /** `https://<address>:<port>` */
  readonly origin: string;
  /** `https://<name>:<port>`, for a name the test resolver maps. */
  originAs(name: string): string;
  /** TCP connections this server accepted. */
  connections: number;
  /** Request paths this server was asked for. */
  readonly requests: string[];
}

export interface HttpsTargets {
  /** PEM of the certificate both servers present, to trust as a root. */
  readonly ca: string;
  readonly publicTarget: HttpsTarget;
  readonly privateTarget: HttpsTarget;
  /** Addresses the test dialer was asked to connect to, in order. */
  readonly dials: string[];
  /** Connects only to loopback (and records every attempt). */
  readonly dial: Dialer;
  /** Lets 127.0.0.1 through as if it were public; every other address follows the real rule. */
  readonly policy: (address: string) => boolean;
  /** A resolver that answers from `answers` (a list is used in turn, one entry per lookup; the last repeats). */
  resolver(answers: Readonly<Record<string, readonly string[] | ReadonlyArray<readonly string[]>>>): Resolver & { calls: string[] };
  close(): Promise<void>;
}

/** A self-signed certificate (and its key) for the test names and both loopback addresses. */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'imager-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=images.test',
      '-addext', 'subjectAltName=DNS:images.test,DNS:rebind.test,DNS:other.test,IP:127.0.0.1,IP:127.0.0.2',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'pipe' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(address: string, tls: { key: string; cert: string }, route: Route): Promise<{ server: Server; target: HttpsTarget }> {
  const requests: string[] = [];
  const target = { address, port: 0, origin: '', originAs: (name: string) => `https://${name}:${target.port}`, connections: 0, requests } as HttpsTarget & { port: number; origin: string };
  const server = createServer(tls, (req, res) => {
    requests.push(req.url ?? '');
    route(req, res, target);
  });
  server.on('connection', () => {
    target.connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  target.port = port;
  target.origin = `https://${address}:${port}`;
  return { server, target };
}

/** Starts both servers; `route` answers every request of either (it is told which one). */
export async function startHttpsTargets(route: Route): Promise<HttpsTargets> {
  const tls = selfSigned();
  const one = await listen('127.0.0.1', tls, route);
  const two = await listen('127.0.0.2', tls, route);
  const dials: string[] = [];
  return {
    ca: tls.cert,
    publicTarget: one.target,
    privateTarget: two.target,
    dials,
    dial: (options: ConnectionOptions) => {
      const host = String(options.host);
      dials.push(host);
      if (!host.startsWith('127.')) throw new Error(`test dialer: refusing to connect to ${host}`);
      return tlsConnect(options);
    },
    policy: (address) => address === '127.0.0.1' || isPublicAddress(address),
    resolver(answers) {
      const calls: string[] = [];
      const asked = new Map<string, number>();
      const resolve = async (hostname: string) => {
        calls.push(hostname);
        const entry = answers[hostname];
        if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        const turn = asked.get(hostname) ?? 0;
        asked.set(hostname, turn + 1);
        const list = (Array.isArray(entry[0]) ? (entry as ReadonlyArray<readonly string[]>)[Math.min(turn, entry.length - 1)] : entry) as readonly string[];
        return list.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
      };
      return Object.assign(resolve, { calls });
    },
    async close() {
      for (const { server } of [one, two]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

/**
 * What the targets answer: `/image` the given bytes; `/redirect?to=<url>` a 302 there;
 * `/chain/<n>` n redirects on the same origin, then `done`; `/slow` one byte every 100 ms;
 * `/hang` nothing at all; `/endless` bytes until the client hangs up; `/declared-huge` a
 * Content-Length of 1 GB; `/echo-auth` the Authorization header it got; anything else 404.
 */
export function targetRoutes(image: Buffer): Route {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'https://target');
    const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
    if (url.pathname === '/image') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.byteLength });
      res.end(image);
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '' });
      res.end();
    } else if (chain) {
      const left = Number(chain[1]);
      if (left === 0) return void res.end('done');
      res.writeHead(302, { location: `/chain/${left - 1}` });
      res.end();
    } else if (url.pathname === '/slow') {
      res.writeHead(200, { 'content-type': 'image/png' });
      const timer = setInterval(() => res.write(Buffer.from([0x89])), 100);
      res.on('close', () => clearInterval(timer));
    } else if (url.pathname === '/hang') {
      // Never answers: the client's deadline must end it.
    } else if (url.pathname === '/endless') {
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(64 * 1024, 0x42);
      let open = true;
      res.on('close', () => {
        open = false;
      });
      const pump = () => {
        while (open && res.write(chunk)) {
          // keep writing until the socket pushes back
        }
        if (open) res.once('drain', pump);
      };
      pump();
    } else if (url.pathname === '/declared-huge') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(1024 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    } else if (url.pathname === '/echo-auth') {
      res.end(req.headers.authorization ?? 'none');
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  };
}
