/**
 * The images bucket's one CORS rule: browsers (the web console) send large uploads straight to
 * the presigned PUT or POST URL, and the parts of resumable ones to their part URLs. Defined once
 * for the stack (lib/storage.ts) and the local S3 emulator (local/emulators.ts), so the browser
 * test of the console exercises the same rule.
 */
export const UPLOAD_CORS_RULE = {
  allowedMethods: ['PUT', 'POST'],
  allowedOrigins: ['*'],
  allowedHeaders: ['Content-Type', 'Content-Length'],
  // A part's ETag names it when the upload is completed: the page must be able to read it.
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 3000,
} as const;

/** The rule as S3's PutBucketCors XML (what s3rver reads from its bucket configs). */
export function corsConfigurationXml(rule = UPLOAD_CORS_RULE): string {
  const tags = (name: string, values: readonly string[]) => values.map((value) => `<${name}>${value}</${name}>`).join('');
  return (
    '<CORSConfiguration><CORSRule>' +
    tags('AllowedOrigin', rule.allowedOrigins) +
    tags('AllowedMethod', rule.allowedMethods) +
    tags('AllowedHeader', rule.allowedHeaders) +
    tags('ExposeHeader', rule.exposedHeaders) +
    `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds>` +
    '</CORSRule></CORSConfiguration>'
  );
}
