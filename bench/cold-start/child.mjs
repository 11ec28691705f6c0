// One fresh-process measurement for bench/run.ts. Plain JavaScript on purpose: this file is what
// `node` runs before the bundle, so it must cost the same for every function and the empty handler.
//
//   node bench/cold-start/child.mjs <mode> <bundle index.mjs> [invocation.json]
//
// mode "load":   import the bundle, nothing else.
// mode "first":  start the storage stub, import the bundle, answer one request.
// mode "idle" / "event" / "upload" (peak memory): start the stub, import the bundle, answer the
//   warm-up request from the invocation file; "event" then also reads and parses the big event;
//   "upload" also answers it. Each reports process.resourceUsage().maxRSS.
//
// The stub is an HTTP server (inside this process; in its own process for the peak-memory
// modes, so the bytes it receives do not count) answering DynamoDB and S3 calls at once with
// minimal valid responses, so "first request" measures our code and the SDK, not storage. It
// loads node:http before the bundle, as the Lambda runtime client (which talks HTTP to the
// Runtime API) already has when it imports a handler.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [mode, bundlePath, invocationPath] = process.argv.slice(2);
const withStub = mode !== 'load';

/** Canned storage: what the sample events in events/ refer to (bench/cold-start/fixtures.ts). */
function storageStub(fixture) {
  const json = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const xml = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const dynamodb = (target, input, res) => {
    switch (target) {
      case 'GetItem': {
        const item = fixture.items[input.Key?.id?.S ?? input.Key?.pk?.S ?? input.Key?.export_id?.S];
        return json(res, 200, item ? { Item: item } : {});
      }
      case 'BatchGetItem': {
        const responses = {};
        for (const [table, { Keys }] of Object.entries(input.RequestItems ?? {})) {
          responses[table] = Keys.map((key) => fixture.items[key.pk?.S ?? key.id?.S]).filter(Boolean);
        }
        return json(res, 200, { Responses: responses, UnprocessedKeys: {} });
      }
      case 'Query': {
        const keyId = input.IndexName ? input.ExpressionAttributeValues?.[':id']?.S : undefined;
        if (keyId !== undefined) {
          const item = fixture.byKeyId?.[keyId];
          return json(res, 200, { Items: item ? [item] : [], Count: item ? 1 : 0 });
        }
        // The lookups and exports tables hold nothing the events ask for.
        if (/-(lookups|exports|webhooks)$/.test(input.TableName ?? '')) return json(res, 200, { Items: [], Count: 0 });
        const pending = input.ExpressionAttributeValues?.[':pending'] !== undefined;
        return json(res, 200, { Items: pending ? [] : fixture.list, Count: pending ? 0 : fixture.list.length });
      }
      case 'UpdateItem':
        return json(res, 200, { Attributes: { count: { N: '1' } } });
      case 'PutItem':
      case 'DeleteItem':
        return json(res, 200, {});
      case 'BatchWriteItem':
        return json(res, 200, { UnprocessedItems: {} });
      default:
        return json(res, 400, { __type: 'com.amazon.coral.service#UnknownOperationException' });
    }
  };
  const sqs = (action, input, res) => {
    if (action !== 'SendMessage') return json(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation' });
    return json(res, 200, { MessageId: '00000000-0000-4000-8000-000000000000', MD5OfMessageBody: createHash('md5').update(input.MessageBody ?? '').digest('hex') });
  };
  const s3 = (req, url, res) => {
    const object = fixture.object ? Buffer.from(fixture.object, 'base64') : Buffer.alloc(0);
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      return xml(
        res,
        200,
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bench</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>',
      );
    }
    // Multipart uploads (the resumable-upload functions): create, list parts, complete.
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      return xml(res, 200, '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>bench</Bucket><Key>k</Key><UploadId>bench-upload-id</UploadId></InitiateMultipartUploadResult>');
    }
    if (req.method === 'GET' && url.searchParams.has('uploadId')) {
      return xml(
        res,
        200,
        '<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><Bucket>bench</Bucket><Key>k</Key><UploadId>bench-upload-id</UploadId><IsTruncated>false</IsTruncated>' +
          '<Part><PartNumber>1</PartNumber><ETag>"1"</ETag><Size>5242880</Size></Part><Part><PartNumber>2</PartNumber><ETag>"2"</ETag><Size>1048576</Size></Part></ListPartsResult>',
      );
    }
    if (req.method === 'POST' && url.searchParams.has('uploadId')) {
      return xml(res, 200, '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>bench</Bucket><Key>k</Key><ETag>"0-2"</ETag></CompleteMultipartUploadResult>');
    }
    if (req.method === 'PUT' && req.headers['x-amz-copy-source']) {
      return xml(
        res,
        200,
        '<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>"0"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></CopyObjectResult>',
      );
    }
    if (req.method === 'PUT') {
      res.writeHead(200, { etag: '"0"', 'content-length': 0 });
      return res.end();
    }
    // No variant is stored yet: CloudFront asks the transform function only for variants its S3 origin lacks.
    if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname.includes('/variants/')) {
      return xml(res, 404, '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': object.byteLength, 'content-type': 'application/octet-stream', etag: '"0"' });
      return res.end();
    }
    if (req.method === 'GET' && fixture.exportRequest && url.pathname.endsWith(`/${fixture.exportRequest.key}`)) {
      const body = Buffer.from(fixture.exportRequest.body, 'utf8');
      res.writeHead(200, { 'content-length': body.byteLength, 'content-type': 'application/json', etag: '"0"' });
      return res.end(body);
    }
    if (req.method === 'GET') {
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range ? Math.min(Number(range[2]), object.byteLength - 1) : object.byteLength - 1;
      const body = object.subarray(start, end + 1);
      const headers = { 'content-length': body.byteLength, 'content-type': 'application/octet-stream', etag: '"0"' };
      if (range) headers['content-range'] = `bytes ${start}-${end}/${object.byteLength}`;
      res.writeHead(range ? 206 : 200, headers);
      return res.end(body);
    }
    if (req.method === 'DELETE') {
      res.writeHead(204);
      return res.end();
    }
    return xml(res, 400, '<Error><Code>NotImplemented</Code></Error>');
  };
  // CloudFront (PurgeImage): CreateInvalidation, REST-XML.
  const cloudfront = (req, url, res) => {
    const match = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(url.pathname);
    if (req.method !== 'POST' || !match) return xml(res, 400, '<Error><Code>NotImplemented</Code></Error>');
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>IBENCH</Id><Status>InProgress</Status>' +
      '<CreateTime>2026-01-01T00:00:00.000Z</CreateTime><InvalidationBatch><Paths><Quantity>0</Quantity></Paths><CallerReference>bench</CallerReference></InvalidationBatch></Invalidation>';
    res.writeHead(201, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), location: `https://cloudfront.amazonaws.com${url.pathname}/IBENCH` });
    return res.end(body);
  };
  // CloudFront KeyValueStore (the edge rules' store): DescribeKeyValueStore and UpdateKeys, REST-JSON.
  const keyValueStore = (req, url, res) => {
    const body = JSON.stringify({ ItemCount: 1, TotalSizeInBytes: 64, KvsARN: decodeURIComponent(url.pathname.split('/')[2] ?? ''), Created: 1795000000 });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), etag: 'ETBENCH' });
    return res.end(body);
  };
  // API Gateway (the console's key routes): usage plans and API keys, REST-JSON.
  const apigateway = (req, url, res) => {
    const send = (status, body) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const path = url.pathname;
    if (req.method === 'GET' && path === '/usageplans') {
      // The account meters' plan carries its tag (lib/api.ts); the console sessions' plan serves the stage too.
      return send(200, {
        item: [
          { id: 'benchsessions', name: 'bench-sessions', apiStages: [{ apiId: 'benchapi00', stage: 'v1' }] },
          { id: 'benchplan', name: 'bench', tags: { 'imager-usage-plan': 'account-meters' }, apiStages: [{ apiId: 'benchapi00', stage: 'v1' }] },
        ],
      });
    }
    if (req.method === 'POST' && path === '/apikeys') return send(201, { id: 'benchnewkey', name: 'bench', enabled: true });
    if (req.method === 'POST' && /^\/usageplans\/[^/]+\/keys$/.test(path)) return send(201, { id: 'benchnewkey', type: 'API_KEY' });
    if (req.method === 'DELETE' && (/^\/usageplans\/[^/]+\/keys\/[^/]+$/.test(path) || /^\/apikeys\/[^/]+$/.test(path))) return send(202);
    return send(400, { message: `bench stub: no API Gateway answer for ${req.method} ${path}` });
  };
  return (req, res) => {
    const chunks = [];
    // Bodies (a 4 MiB PutObject) are counted and dropped: the stub must not hold them.
    let keep = true;
    req.on('data', (chunk) => {
      if (keep && chunks.length < 64) chunks.push(chunk);
      else keep = false;
    });
    req.on('end', () => {
      const url = new URL(req.url, 'http://stub');
      const target = req.headers['x-amz-target'];
      // SQS's JSON protocol (the webhook queue): a send is accepted, its body's MD5 given back as SQS does.
      if (typeof target === 'string' && target.startsWith('AmazonSQS.')) return sqs(target.slice('AmazonSQS.'.length), JSON.parse(Buffer.concat(chunks).toString('utf8')), res);
      if (typeof target === 'string') {
        return dynamodb(target.split('.')[1], JSON.parse(Buffer.concat(chunks).toString('utf8')), res);
      }
      if (url.pathname.startsWith('/2020-05-31/')) return cloudfront(req, url, res);
      if (url.pathname.startsWith('/key-value-stores/')) return keyValueStore(req, url, res);
      if (/^\/(usageplans|apikeys|restapis)(\/|$)/.test(url.pathname)) return apigateway(req, url, res);
      return s3(req, url, res);
    });
  };
}

async function startStub(fixture) {
  const { createServer } = await import('node:http');
  const server = createServer(storageStub(fixture));
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.AWS_ENDPOINT_URL_S3 = endpoint;
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = endpoint;
  process.env.AWS_ENDPOINT_URL_SQS = endpoint;
  // SQS sends to the queue URL's own host: the queue is on the stub too.
  if (process.env.WEBHOOK_QUEUE_URL) process.env.WEBHOOK_QUEUE_URL = `${endpoint}${new URL(process.env.WEBHOOK_QUEUE_URL).pathname}`;
  await useKeyValueStoreStub(server.address().port);
  process.env.AWS_ENDPOINT_URL_API_GATEWAY = endpoint;
  return server;
}

/**
 * The KeyValueStore client puts the account id in front of the endpoint's host
 * (`<account>.<host>`), which an IP address cannot take: it is pointed at `localhost`, and names
 * under `.localhost` resolve to the stub (a DNS lookup the other clients never make).
 */
async function useKeyValueStoreStub(port) {
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE = `http://localhost:${port}`;
  const dns = await import('node:dns');
  const lookup = dns.default.lookup;
  dns.default.lookup = (hostname, options, callback) => lookup(hostname.endsWith('.localhost') ? '127.0.0.1' : hostname, options, callback);
}

/** A Lambda context as the runtime passes it. */
function lambdaContext() {
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
    memoryLimitInMB: '1024',
    awsRequestId: '00000000-0000-4000-8000-000000000000',
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

const invocation = invocationPath ? JSON.parse(readFileSync(invocationPath, 'utf8')) : undefined;
const measuringMemory = mode === 'idle' || mode === 'event' || mode === 'upload';

if (mode === 'stub') {
  // The storage stub as a process of its own (peak-memory runs): on Lambda, S3 and DynamoDB are
  // remote, so the bytes they receive must not count in the function's memory.
  const server = await startStub(invocation?.fixture ?? { items: {}, list: [] });
  process.stdout.write(`@@stub ${server.address().port}\n`);
  await new Promise(() => undefined);
}

/** Starts the stub in a child process and points the SDK at it. */
async function startRemoteStub() {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, 'stub', '-', invocationPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /@@stub (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`stub exited with ${code}`)));
  });
  child.unref();
  process.once('exit', () => child.kill());
  const endpoint = `http://127.0.0.1:${port}`;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.AWS_ENDPOINT_URL_S3 = endpoint;
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = endpoint;
  process.env.AWS_ENDPOINT_URL_SQS = endpoint;
  // SQS sends to the queue URL's own host: the queue is on the stub too.
  if (process.env.WEBHOOK_QUEUE_URL) process.env.WEBHOOK_QUEUE_URL = `${endpoint}${new URL(process.env.WEBHOOK_QUEUE_URL).pathname}`;
  await useKeyValueStoreStub(port);
}

if (withStub && measuringMemory) await startRemoteStub();
else if (withStub) await startStub(invocation?.fixture ?? { items: {}, list: [] });

const t0 = performance.now();
const module = await import(pathToFileURL(bundlePath).href);
const t1 = performance.now();
const report = { mode, importMs: t1 - t0, loadedSinceStartMs: t1 };

if (mode !== 'load') {
  const result = await module.handler(invocation.event, lambdaContext());
  const t2 = performance.now();
  report.firstRequestMs = t2 - t1;
  report.answeredSinceStartMs = t2;
  report.result = summarise(result);
}
if (measuringMemory) {
  report.warmMaxRssKiB = process.resourceUsage().maxRSS;
  if (mode !== 'idle') {
    let event = JSON.parse(readFileSync(invocation.bigEventFile, 'utf8'));
    report.eventMaxRssKiB = process.resourceUsage().maxRSS;
    if (mode === 'upload') {
      const result = await module.handler(event, lambdaContext());
      report.bigResult = summarise(result);
    }
    event = undefined;
  }
  report.maxRssKiB = process.resourceUsage().maxRSS;
}

function summarise(result) {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    return { statusCode: result.statusCode, body: typeof result.body === 'string' ? result.body.slice(0, 200) : undefined };
  }
  return JSON.parse(JSON.stringify(result ?? null));
}

process.stdout.write(`\n@@bench ${JSON.stringify(report)}\n`);
process.exit(0);
