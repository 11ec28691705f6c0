import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve as resolvePath, sep } from 'node:path';
import { JSON_CONTENT_TYPE } from '../functions/transport/http';

/** What the gateway serves outside the route table: the web console's built files and its config. */
export interface StaticSite {
  /** Directory of the built console (index.html and assets/). */
  readonly dir: string;
  /** The body of `/config.json`, computed when asked (endpoints are known only after start). */
  readonly config: () => unknown;
}

const STATIC_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file of the site: its bytes and how to serve them. */
interface SiteFile {
  readonly body: Buffer;
  readonly type: string;
  readonly cache: string;
}

/**
 * The console's files, the way the CDN serves them on AWS: `/` is index.html, hashed assets
 * are cached for a year. Answers false, sending nothing, for a path that is not a file of the
 * site (the gateway's 404 in the envelope); paths never leave the site directory.
 */
export async function serveStatic(site: StaticSite, pathname: string, method: string, res: ServerResponse): Promise<boolean> {
  const file = await siteFile(site, pathname);
  if (!file) return false;
  res.writeHead(200, {
    'Content-Type': file.type,
    'Content-Length': String(file.body.byteLength),
    'Cache-Control': file.cache,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(method === 'HEAD' ? undefined : file.body);
  return true;
}

async function siteFile(site: StaticSite, pathname: string): Promise<SiteFile | undefined> {
  if (pathname === '/config.json') return { body: Buffer.from(JSON.stringify(site.config())), type: JSON_CONTENT_TYPE, cache: 'no-cache' };
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return undefined;
  }
  const root = resolvePath(site.dir);
  const path = resolvePath(root, `.${relative}`);
  if (!path.startsWith(`${root}${sep}`)) return undefined;
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return undefined;
  }
  return {
    body,
    type: STATIC_TYPES[extname(path)] ?? 'application/octet-stream',
    cache: relative.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}
