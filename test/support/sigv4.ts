import { createHash, createHmac } from 'node:crypto';

/**
 * Just enough of AWS Signature Version 4 to check, in a test, what a presigned upload binds:
 * s3rver does not verify V4 signatures, so what real S3 would enforce is checked here instead.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

/** RFC 3986 encoding, as SigV4 wants it. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Recomputes the signature of a presigned URL for a request sent with `method` and `headers`
 * (lower-case names; `host` is taken from the URL) and says whether it matches the URL's own.
 * A header that is listed in X-Amz-SignedHeaders and has another value makes it fail.
 */
export function presignedUrlMatches(
  presigned: string,
  method: string,
  headers: Readonly<Record<string, string>>,
  secretAccessKey: string,
): boolean {
  const url = new URL(presigned);
  const query = url.searchParams;
  const signature = query.get('X-Amz-Signature');
  const signedHeaders = (query.get('X-Amz-SignedHeaders') ?? '').split(';');
  const [, date, region, service] = (query.get('X-Amz-Credential') ?? '').split('/');
  const all: Record<string, string> = { ...headers, host: url.host };

  const canonicalQuery = [...query.entries()]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [encode(name), encode(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(all[name] ?? '').trim()}\n`).join('');
  const canonicalRequest = [
    method,
    url.pathname,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    query.get('X-Amz-Date'),
    `${date}/${region}/${service}/aws4_request`,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  const expected = createHmac('sha256', signingKey(secretAccessKey, date, region, service)).update(stringToSign).digest('hex');
  return expected === signature;
}

/** Whether a presigned POST's `X-Amz-Signature` signs exactly `policy` (base64, as sent). */
export function postPolicyMatches(fields: Readonly<Record<string, string>>, policy: string, secretAccessKey: string): boolean {
  const [, date, region, service] = (fields['X-Amz-Credential'] ?? '').split('/');
  const expected = createHmac('sha256', signingKey(secretAccessKey, date, region, service)).update(policy).digest('hex');
  return expected === fields['X-Amz-Signature'];
}
