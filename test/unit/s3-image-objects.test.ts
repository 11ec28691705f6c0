import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { S3ImageObjects } from '../../functions/adapters/s3-image-objects';

/** An S3 client whose requests are signed and kept, each answered 200 at once. */
function capturingClient(): { client: S3Client; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      async handle(request: HttpRequest) {
        requests.push(request);
        return { response: { statusCode: 200, headers: { etag: '"e"' }, body: undefined } };
      },
    },
  });
  return { client, requests };
}

const bytes = Buffer.from('the stored bytes of an image, exactly as published');
const sha256 = createHash('sha256').update(bytes).digest('hex');

describe('S3ImageObjects.put with the image SHA-256 (docs/performance.md#upload-handler)', () => {
  it('sends the digest as the object checksum and as the signed payload hash, and no CRC32', async () => {
    const { client, requests } = capturingClient();
    await new S3ImageObjects(client, 'bucket').put('images/abc', bytes, 'image/png', sha256);
    const headers = requests[0]?.headers ?? {};
    expect(headers['x-amz-checksum-sha256']).toBe(Buffer.from(sha256, 'hex').toString('base64'));
    expect(headers['x-amz-content-sha256']).toBe(sha256);
    expect(headers['x-amz-checksum-crc32']).toBeUndefined();
    expect(headers.authorization).toMatch(/x-amz-content-sha256/);
  });

  it('signs with the digest it is given instead of hashing the body again', async () => {
    // A digest that is not the body's: had the SDK hashed the body itself, the real one would be sent.
    const other = createHash('sha256').update('other bytes').digest('hex');
    const { client, requests } = capturingClient();
    await new S3ImageObjects(client, 'bucket').putIfAbsent('images/abc', bytes, 'image/png', other);
    expect(requests[0]?.headers['x-amz-content-sha256']).toBe(other);
    expect(requests[0]?.headers['if-none-match']).toBe('*');
  });

  it('without a digest leaves the hashing to the SDK, as before', async () => {
    const { client, requests } = capturingClient();
    await new S3ImageObjects(client, 'bucket').put('images/abc', bytes, 'image/png');
    const headers = requests[0]?.headers ?? {};
    expect(headers['x-amz-content-sha256']).toBe(sha256);
    expect(headers['x-amz-checksum-sha256']).toBeUndefined();
    expect(headers['x-amz-checksum-crc32']).toBeDefined();
  });
});
