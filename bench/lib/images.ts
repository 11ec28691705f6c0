import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * A valid 32-bit uncompressed BMP of exactly `bytes` bytes: 1024 (or fewer) pixels wide, as many
 * rows as fit, random pixels, and the remainder as a gap before the pixel data (the header's
 * data offset says where the pixels start). Real, decodable images of any size we ask for,
 * made in code.
 */
export function bmpOfSize(bytes: number): Buffer {
  const HEADER = 54;
  const width = Math.min(1024, Math.floor(Math.sqrt((bytes - HEADER) / 4)));
  const height = Math.floor((bytes - HEADER) / (4 * width));
  if (width < 1 || height < 1) throw new Error(`no BMP fits in ${bytes} bytes`);
  const pixelBytes = 4 * width * height;
  const gap = bytes - HEADER - pixelBytes;
  const header = Buffer.alloc(HEADER);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(bytes, 2); // file size
  header.writeUInt32LE(HEADER + gap, 10); // pixel data offset
  header.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26); // planes
  header.writeUInt16LE(32, 28); // bits per pixel
  header.writeUInt32LE(0, 30); // BI_RGB
  header.writeUInt32LE(pixelBytes, 34);
  header.writeInt32LE(2835, 38);
  header.writeInt32LE(2835, 42);
  return Buffer.concat([header, Buffer.alloc(gap), randomBytes(pixelBytes)]);
}

export interface MultipartBody {
  readonly body: Buffer;
  readonly contentType: string;
  readonly boundary: string;
}

/** A multipart/form-data body as a browser sends it: the image in the field `image`. */
export function multipartImage(image: Buffer, filename = 'bench.bmp', type = 'image/bmp'): MultipartBody {
  const boundary = `----BenchBoundary${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    'latin1',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  return { body: Buffer.concat([head, image, tail]), contentType: `multipart/form-data; boundary=${boundary}`, boundary };
}

export const BENCH_ACCOUNT = 'acct_bench000000000000000';
export const BENCH_KEY_ID = 'key_bench0000';

/** A REST API (v1) proxy event as API Gateway passes it behind the TOKEN authorizer. */
export function proxyEvent(init: {
  method: string;
  resource: string;
  path: string;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
}): APIGatewayProxyEvent {
  const headers = { Host: 'api.example.com', 'X-Forwarded-Proto': 'https', ...init.headers };
  return {
    resource: init.resource,
    path: init.path,
    httpMethod: init.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: init.queryStringParameters ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: init.pathParameters ?? null,
    stageVariables: null,
    body: init.body ?? null,
    isBase64Encoded: init.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      authorizer: { accountId: BENCH_ACCOUNT, keyId: BENCH_KEY_ID, principalId: BENCH_ACCOUNT },
      domainName: 'api.example.com',
      httpMethod: init.method,
      identity: { sourceIp: '127.0.0.1' },
      path: `/v1${init.path}`,
      protocol: 'HTTP/1.1',
      requestId: 'bench-request',
      requestTimeEpoch: Date.now(),
      resourceId: 'bench',
      resourcePath: init.resource,
      stage: 'v1',
    },
  } as unknown as APIGatewayProxyEvent;
}

/** POST /api/images/upload with `image` as API Gateway delivers it (binary media type: base64). */
export function uploadEvent(image: Buffer, filename?: string, type?: string): { event: APIGatewayProxyEvent; multipart: MultipartBody } {
  const multipart = multipartImage(image, filename, type);
  const event = proxyEvent({
    method: 'POST',
    resource: '/api/images/upload',
    path: '/api/images/upload',
    headers: { 'Content-Type': multipart.contentType, 'Content-Length': String(multipart.body.byteLength) },
    body: multipart.body.toString('base64'),
    isBase64Encoded: true,
  });
  return { event, multipart };
}
