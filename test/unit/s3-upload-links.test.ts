import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3UploadLinks } from '../../functions/adapters/s3-upload-links';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token/with+chars=' };
const signingDate = new Date('2026-11-27T00:00:00Z');
const key = 'uploads/3kQ9zW1xV5bN7mR2tY8uPa';
const checksums = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;

const targets = [
  { name: 'AWS endpoint', region: 'eu-west-1', endpoint: undefined },
  { name: 'custom path-style endpoint', region: 'us-east-1', endpoint: 'http://127.0.0.1:4569' },
];

afterEach(() => {
  vi.useRealTimers();
});

describe.each(targets)('S3UploadLinks without the S3 client ($name)', ({ region, endpoint }) => {
  const client = new S3Client({ region, credentials, endpoint, forcePathStyle: endpoint !== undefined, ...checksums });
  const links = new S3UploadLinks({ bucketName: 'imager-bucket-1', region, credentials: async () => credentials, endpoint });

  it('signs the PUT exactly as the SDK does, with Content-Length among the signed headers', async () => {
    const ours = await links.uploadLink(key, { size: 20_971_520, maxBytes: 52_428_800, expiresIn: 900, signingDate });
    const sdk = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'imager-bucket-1', Key: key, ContentLength: 20_971_520 }), {
      expiresIn: 900,
      signingDate,
      signableHeaders: new Set(['content-length']),
    });
    expect(ours.method).toBe('PUT');
    expect(ours.headers).toEqual({ 'Content-Length': '20971520' });
    const [a, b] = [new URL(ours.url), new URL(sdk)];
    expect(a.origin + a.pathname).toBe(b.origin + b.pathname);
    expect(Object.fromEntries(a.searchParams)).toEqual(Object.fromEntries(b.searchParams));
    expect(a.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
  });

  it('builds the POST form exactly as @aws-sdk/s3-presigned-post does, with content-length-range', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(signingDate);
    const ours = await links.uploadLink(key, { maxBytes: 52_428_800, expiresIn: 900, signingDate: new Date() });
    const sdk = await createPresignedPost(client, {
      Bucket: 'imager-bucket-1',
      Key: key,
      Conditions: [['content-length-range', 1, 52_428_800]],
      Expires: 900,
    });
    expect(ours.method).toBe('POST');
    expect(ours.url).toBe(sdk.url);
    expect(ours.fields).toEqual(sdk.fields);
    const policy = JSON.parse(Buffer.from(ours.fields!.Policy, 'base64').toString('utf8'));
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 52_428_800]);
    expect(policy.conditions).toContainEqual({ key });
    expect(policy.expiration).toBe('2026-11-27T00:15:00Z');
  });
});
