import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS, type FunctionName } from '../../functions/function-table';
import { BENCH_AWS } from '../lib/environment';
import { ROOT } from './synth';

/*
 * What the fresh-process runs send and find: each function's request is its sample event in
 * events/ (the one `sam local invoke` uses), unchanged, and the storage stub holds what those
 * events refer to (their API key, image ids, signed-in person and key id).
 */

const eventOf = (name: FunctionName): Record<string, any> => JSON.parse(readFileSync(join(ROOT, 'events', `${FUNCTIONS[name].file}.json`), 'utf8'));

// What the events refer to.
const API_KEY = String(eventOf('Authorizer').authorizationToken).replace(/^Bearer /, '');
const { accountId: ACCOUNT, keyId: KEY_ID } = eventOf('GetImage').requestContext.authorizer as { accountId: string; keyId: string };
const READY_ID = String(eventOf('GetImage').pathParameters.image_id);
const PENDING_KEY = String(eventOf('FinalizeUpload').Records[0].s3.object.key);
const PENDING_ID = PENDING_KEY.split('/')[1];
/** The open multipart upload the resumable-upload events name (two parts of a 6 MiB image). */
const MULTIPART_ID = String(eventOf('SignUploadParts').pathParameters.image_id);
const { sub: SESSION_SUB, email: SESSION_EMAIL } = eventOf('GetAccount').requestContext.authorizer.claims as { sub: string; email: string };
const SESSION_KEY_ID = String(eventOf('RevokeAccountKey').pathParameters.key_id);
/** The delete link's token: the ready image's record keeps its hash. */
const DELETE_TOKEN = String(eventOf('DeleteByLink').pathParameters.token);
/** The signing secret the revoke event names, held by the signed-in person's account. */
const SIGNING_KID = String(eventOf('RevokeSigningSecret').pathParameters.kid);
/** The signed-in person's account and the key it holds (the key itself appears in no event). */
const SESSION_ACCOUNT = 'acct_benchsession00000000';
const SESSION_KEY = 'imgr_bench_session_key_00000000000000000000';
/** The export the builder's event asks for (its key: export-requests/<account>/<export id>). */
const EXPORT_REQUEST_KEY = String(eventOf('BuildAccountExport').Records[0].s3.object.key);
const [, EXPORT_ACCOUNT, EXPORT_ID] = EXPORT_REQUEST_KEY.split('/');
const SAMPLE = readFileSync(join(ROOT, 'test', 'fixtures', 'sample.png'));

/** The functions measured in fresh processes (the transform function: `--only transforms`). */
export type MeasuredFunction = Exclude<FunctionName, 'TransformImage'>;

/** What a correct answer to each function's event looks like. */
const ANSWERS: Readonly<Record<MeasuredFunction, (event: Record<string, any>, result: any) => boolean>> = {
  Authorizer: (_event, r) => r?.policyDocument?.Statement?.[0]?.Effect === 'Allow',
  UploadImage: (_event, r) => r?.statusCode === 201,
  GetImage: (_event, r) => r?.statusCode === 200,
  ListImages: (_event, r) => r?.statusCode === 200,
  DeleteImage: (_event, r) => r?.statusCode === 204,
  // GET of the delete link: the confirmation page.
  // The confirmation page (its first 200 characters reach the report: the title, not the form).
  DeleteByLink: (_event, r) => r?.statusCode === 200 && String(r.body).includes('<title>Delete this image?'),
  StartUpload: (_event, r) => r?.statusCode === 201,
  SignUploadParts: (_event, r) => r?.statusCode === 200,
  ListUploadParts: (_event, r) => r?.statusCode === 200,
  CompleteUpload: (_event, r) => r?.statusCode === 202,
  AbortUpload: (_event, r) => r?.statusCode === 204,
  ViewImage: (_event, r) => r?.statusCode === 301,
  GetAccount: (_event, r) => r?.statusCode === 200,
  // The child keeps the first 200 characters of a body: enough to see the account's key.
  ListAccountKeys: (_event, r) => r?.statusCode === 200 && String(r.body).includes(`"id":"${SESSION_KEY_ID}"`),
  CreateAccountKey: (_event, r) => r?.statusCode === 201,
  RevokeAccountKey: (_event, r) => r?.statusCode === 204,
  PatchImage: (_event, r) => r?.statusCode === 200,
  ListSigningSecrets: (_event, r) => r?.statusCode === 200 && String(r.body).includes(`"kid":"${SIGNING_KID}"`),
  CreateSigningSecret: (_event, r) => r?.statusCode === 201,
  RevokeSigningSecret: (_event, r) => r?.statusCode === 204,
  GetOpenApi: (_event, r) => r?.statusCode === 200,
  GetDocs: (_event, r) => r?.statusCode === 200,
  FinalizeUpload: (event, r) => r?.results?.[event.Records[0].s3.object.key] === 'ready',
  PurgeImage: (event, r) => r?.purged?.[0] === String(event.Records[0].s3.object.key).split('/')[1],
  Sweep: (_event, r) => typeof r?.objectsChecked === 'number',
  ListSimilarImages: (_event, r) => r?.statusCode === 200,
  StartAccountExport: (_event, r) => r?.statusCode === 202,
  GetAccountExport: (_event, r) => r?.statusCode === 200,
  BuildAccountExport: (event, r) => r?.results?.[event.Records[0].s3.object.key] === 'ready',
  // The deletion's status (the password route needs Cognito, which the stub does not answer).
  DeleteAccount: (_event, r) => r?.statusCode === 200,
  // The stub holds no account being deleted: the run finds nothing to do.
  EraseAccount: (event, r) => r?.results?.[event.Records[0].s3.object.key] === 'nothing',
  // Measured with the transform function's method (it ships sharp beside its bundle).
  AnalyzeImage: (event, r) => r?.results?.[event.Records[0].s3.object.key] === 'analyzed',
  WebhookEndpoints: (_event, r) => r?.statusCode === 200,
  DeliverWebhooks: (_event, r) => Array.isArray(r?.batchItemFailures) && r.batchItemFailures.length === 0,
};

/** A representative request for `name` (its event in events/), and what a correct answer looks like. */
export function representativeRequest(name: FunctionName): { event: unknown; expect: (result: any) => boolean } {
  if (!Object.hasOwn(ANSWERS, name)) throw new Error(`${name} is not measured in a fresh process`);
  const event = eventOf(name);
  return { event, expect: (result) => ANSWERS[name as MeasuredFunction](event, result) };
}

const imageItem = (id: string, state: 'ready' | 'pending', objectKey: string) => ({
  id: { S: id },
  account_id: { S: ACCOUNT },
  created_key: { S: `2026-11-26T00:00:00.000Z#${id}` },
  object_key: { S: objectKey },
  state: { S: state },
  created_at: { S: '2026-11-26T00:00:00.000Z' },
  ...(state === 'ready'
    ? {
        format: { S: 'png' },
        content_type: { S: 'image/png' },
        width: { N: '64' },
        height: { N: '48' },
        size: { N: String(SAMPLE.byteLength) },
        delete_token_sha256: { S: createHash('sha256').update(DELETE_TOKEN).digest('hex') },
      }
    : { pending: { S: 'pending' }, expires_at: { N: '4102444800' } }),
});

/** A key record as the keys table holds it (DynamoKeyStore), by the key itself. */
function keyItem(key: string, keyId: string, accountId: string, accountName: string, extra: Record<string, { S: string }> = {}) {
  const keyHash = createHash('sha256').update(key, 'utf8').digest('hex');
  return {
    pk: { S: `key#${keyHash}` },
    key_id: { S: keyId },
    key_hash: { S: keyHash },
    account_id: { S: accountId },
    account_name: { S: accountName },
    created_at: { S: '2026-11-26T00:00:00.000Z' },
    ...extra,
  };
}

/**
 * What the stub holds: the events' API key, one ready image, one pending upload and one open
 * multipart upload, the
 * signed-in person with one key, and the bytes of every object (the image the upload events
 * carry, test/fixtures/sample.png).
 */
export function storageFixture() {
  const ready = imageItem(READY_ID, 'ready', `images/${READY_ID}`);
  const apiKey = keyItem(API_KEY, KEY_ID, ACCOUNT, 'bench');
  const sessionKey = keyItem(SESSION_KEY, SESSION_KEY_ID, SESSION_ACCOUNT, `user-${SESSION_SUB}`, {
    key_name: { S: 'bench' },
    key_prefix: { S: SESSION_KEY.slice(0, 12) },
    usage_id: { S: 'bench-usage-identifier' },
    apigw_key_id: { S: 'benchapikey' },
  });
  const sessionKeyHash = sessionKey.key_hash.S;
  return {
    items: {
      [apiKey.pk.S]: apiKey,
      [`user#${SESSION_SUB}`]: {
        pk: { S: `user#${SESSION_SUB}` },
        sub: { S: SESSION_SUB },
        email: { S: SESSION_EMAIL },
        account_id: { S: SESSION_ACCOUNT },
        created_at: { S: '2026-11-26T00:00:00.000Z' },
        keys: { M: { [SESSION_KEY_ID]: { S: sessionKeyHash } } },
        active_keys: { M: { [SESSION_KEY_ID]: { S: sessionKeyHash } } },
      },
      [sessionKey.pk.S]: sessionKey,
      [`signing#${SESSION_ACCOUNT}`]: {
        pk: { S: `signing#${SESSION_ACCOUNT}` },
        account_id: { S: SESSION_ACCOUNT },
        secrets: { S: JSON.stringify([{ kid: SIGNING_KID, secret: 'bench-signing-secret-0000000000000000000000', createdAt: '2026-11-26T00:00:00.000Z' }]) },
        version: { N: '1' },
      },
      [`signing#${ACCOUNT}`]: {
        pk: { S: `signing#${ACCOUNT}` },
        account_id: { S: ACCOUNT },
        secrets: { S: JSON.stringify([{ kid: 'kBenchImages', secret: 'bench-signing-secret-1111111111111111111111', createdAt: '2026-11-26T00:00:00.000Z' }]) },
        version: { N: '1' },
      },
      [READY_ID]: ready,
      [PENDING_ID]: imageItem(PENDING_ID, 'pending', PENDING_KEY),
      [EXPORT_ID]: {
        account_id: { S: EXPORT_ACCOUNT },
        export_id: { S: EXPORT_ID },
        state: { S: 'pending' },
        created_at: { S: '2026-11-26T00:00:00.000Z' },
        expires_at: { N: '4102444800' },
      },
      [MULTIPART_ID]: {
        ...imageItem(MULTIPART_ID, 'pending', `uploads/${MULTIPART_ID}`),
        multipart: { M: { upload_id: { S: 'bench-upload-id' }, size: { N: String(6 * 1024 * 1024) }, part_size: { N: String(5 * 1024 * 1024) } } },
      },
    },
    list: [ready],
    // What the keys table's key-id index answers (DynamoKeyStore.findById).
    byKeyId: { [SESSION_KEY_ID]: sessionKey },
    object: SAMPLE.toString('base64'),
    // What the export request object holds (every other key answers the image's bytes).
    exportRequest: { key: EXPORT_REQUEST_KEY, body: JSON.stringify({ accountId: EXPORT_ACCOUNT, id: EXPORT_ID, baseUrl: 'https://dbench.cloudfront.net' }) },
  };
}

/** Environment of every child: what Lambda sets, dummy credentials, checksums as local mode sets them. */
export function lambdaEnvironment(name: string, fnEnvironment: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...BENCH_AWS,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_SESSION_TOKEN: 'BENCH',
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    TZ: 'UTC',
    ...fnEnvironment,
  };
}
