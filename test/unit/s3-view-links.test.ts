import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { S3ViewLinks } from '../../functions/adapters/s3-view-links';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token/with+chars=' };
const signingDate = new Date('2026-11-27T00:00:00Z');
const params = { contentType: 'image/png', filename: 'AbC_123.png', expiresIn: 300 };

/** The same link made by the SDK's own S3 client and getSignedUrl, for comparison. */
async function sdkUrl(client: S3Client, key: string): Promise<URL> {
  return new URL(
    await getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: 'imager-bucket-1',
        Key: key,
        ResponseContentType: params.contentType,
        ResponseContentDisposition: `inline; filename="${params.filename}"`,
        ResponseCacheControl: `private, max-age=${params.expiresIn}`,
      }),
      { expiresIn: params.expiresIn, signingDate },
    ),
  );
}

function signedParts(url: URL): Record<string, string> {
  const parts: Record<string, string> = { origin: url.origin, pathname: url.pathname };
  for (const [name, value] of url.searchParams) parts[name] = value;
  return parts;
}

describe('S3ViewLinks (presigning without the S3 client)', () => {
  it('signs exactly what the SDK S3 client signs, on AWS endpoints', async () => {
    const client = new S3Client({ region: 'eu-west-1', credentials, responseChecksumValidation: 'WHEN_REQUIRED', requestChecksumCalculation: 'WHEN_REQUIRED' });
    const links = new S3ViewLinks({ bucketName: 'imager-bucket-1', region: 'eu-west-1', credentials: async () => credentials });
    const key = 'images/7Yq2mN0c4TzP1aXbK9eLwQ';
    const ours = new URL(await links.viewUrl(key, { ...params, signingDate }));
    expect(signedParts(ours)).toEqual(signedParts(await sdkUrl(client, key)));
    expect(ours.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(ours.searchParams.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
  });

  it('signs exactly what the SDK S3 client signs, on a custom path-style endpoint', async () => {
    const endpoint = 'http://127.0.0.1:4569';
    const client = new S3Client({ region: 'us-east-1', credentials, endpoint, forcePathStyle: true, responseChecksumValidation: 'WHEN_REQUIRED', requestChecksumCalculation: 'WHEN_REQUIRED' });
    const links = new S3ViewLinks({ bucketName: 'imager-bucket-1', region: 'us-east-1', credentials: async () => credentials, endpoint });
    const key = 'uploads/3kQ9zW1xV5bN7mR2tY8uPa';
    const ours = new URL(await links.viewUrl(key, { ...params, signingDate }));
    expect(ours.origin).toBe(endpoint);
    expect(ours.pathname).toBe(`/imager-bucket-1/${key}`);
    expect(signedParts(ours)).toEqual(signedParts(await sdkUrl(client, key)));
  });

  it('reduces a hostile file name to a safe one inside the signed disposition', async () => {
    const links = new S3ViewLinks({ bucketName: 'b-1', region: 'us-east-1', credentials: async () => credentials });
    const url = new URL(await links.viewUrl('images/x', { ...params, filename: '../"evil"\r\n\u202e.html' }));
    expect(url.searchParams.get('response-content-disposition')).toBe('inline; filename="..__evil____.html"');
    expect(url.searchParams.get('response-content-type')).toBe('image/png');
  });
});
