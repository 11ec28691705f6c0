// One fresh-process cold start of the transform function bundle, for bench/transforms.ts.
// Plain JavaScript: this is what `node` runs before the bundle.
//
//   node bench/transform-cold-child.mjs <load|first|sharp> <bundle index.mjs> <original.jpg> <canonical>
//
// "load":  import the bundle only.
// "first": start an S3 stub in this process (originals under images/, no variants yet: an empty
//          listing for the variant cap's count, puts accepted and dropped), import the bundle, answer one /variants/<id>/<canonical> request.
// "sharp": import sharp only (what any sharp function pays), for reference.
// Prints `@@cold {...}` with the times and the peak resident memory (VmHWM on Linux).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [mode, bundlePath, originalPath, canonical] = process.argv.slice(2);
const ID = 'BenchBenchBenchBench00';

async function startStub(original) {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url, 'http://stub');
      const path = url.pathname;
      if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
        const body = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>';
        res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        return res.end(body);
      }
      if (req.method === 'GET' && path.endsWith(`/images/${ID}`)) {
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': original.byteLength, etag: '"0"' });
        return res.end(original);
      }
      if (req.method === 'PUT') {
        res.writeHead(200, { etag: '"0"', 'content-length': 0 });
        return res.end();
      }
      const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';
      res.writeHead(404, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${server.address().port}`;
  return server;
}

function peakRssKiB() {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

let server;
if (mode === 'first') server = await startStub(readFileSync(originalPath));

const t0 = performance.now();
const module = mode === 'sharp' ? await import('sharp') : await import(pathToFileURL(bundlePath).href);
const t1 = performance.now();
const report = { mode, importMs: t1 - t0, loadedSinceStartMs: t1 };
if (mode === 'first') {
  const path = `/variants/${ID}/${canonical}`;
  const result = await module.handler({
    version: '2.0',
    rawPath: path,
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method: 'GET', path }, requestId: 'bench' },
    isBase64Encoded: false,
  });
  const t2 = performance.now();
  report.firstRequestMs = t2 - t1;
  report.answeredSinceStartMs = t2;
  report.status = result.statusCode;
  report.contentType = result.headers?.['Content-Type'];
  report.bodyBytes = result.body ? Buffer.from(result.body, 'base64').byteLength : 0;
  server.close();
}
// VmHWM, not resourceUsage().maxRSS: Linux carries ru_maxrss across fork + exec, so a child of
// a big parent would report the parent's size. VmHWM belongs to this process's own memory map.
report.maxRssKiB = peakRssKiB();
process.stdout.write(`@@cold ${JSON.stringify(report)}\n`);
process.exit(0);
