import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, ConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListBucketsCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { decodeJwt } from 'jose';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES } from '../../local/resources';
import { type ConsoleServer, startConsoleServer } from '../support/console-server';
import { TEST_PASSWORD } from '../support/session';

/**
 * An account of 500 images deleted by `npm start`'s local API (a child process), killed with
 * SIGKILL halfway through its images, restarted, and asked again (docs/account-deletion.md).
 * Afterwards EVERY table local mode defines (listed, not named, so tables added later are
 * covered) and EVERY object and multipart upload of every bucket is searched for anything of
 * the account; another account's images are untouched, the Cognito user is gone and the deleted
 * images' URLs answer 404 through the local CDN (the deny-list).
 */
const IMAGES = 500;
const DEV_KEY = 'imgr_erase-crash-test-dev-key-000000000000';
const dataDir = mkdtempSync(join(tmpdir(), 'imager-erase-'));
let server: ConsoleServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function startServer(): Promise<ConsoleServer> {
  return startConsoleServer({
    IMAGER_DATA_DIR: dataDir,
    IMAGER_DEV_KEY: DEV_KEY,
    IMAGER_AUTH_CACHE_SECONDS: '0',
    IMAGER_THROTTLE_RATE: '1000',
    IMAGER_THROTTLE_BURST: '1000',
    IMAGER_HOURLY_LIMIT: '5000',
  });
}

function runtime(): { dynamodbEndpoint: string; s3Endpoint: string; cognitoEndpoint: string; edgeStoreFile: string } {
  return JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
}

function clients() {
  const info = runtime();
  const aws = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  return {
    dynamodb: new DynamoDBClient({ ...aws, endpoint: info.dynamodbEndpoint }),
    s3: new S3Client({ ...aws, endpoint: info.s3Endpoint, forcePathStyle: true }),
    cognito: new CognitoIdentityProviderClient({ ...aws, endpoint: info.cognitoEndpoint }),
    clientId: (JSON.parse(readFileSync(join(dataDir, 'cognito', 'pool.json'), 'utf8')) as { clientId: string }).clientId,
  };
}

async function ok(response: Response, status: number): Promise<any> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  return text ? JSON.parse(text).data : undefined;
}

/** Every item of every table the local DynamoDB holds (ListTables, then a full Scan of each). */
async function everyItem(dynamodb: DynamoDBClient): Promise<Array<{ table: string; item: Record<string, unknown> }>> {
  const found: Array<{ table: string; item: Record<string, unknown> }> = [];
  let start: string | undefined;
  const tables: string[] = [];
  do {
    const page = await dynamodb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    tables.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  for (const table of tables) {
    let key: Record<string, any> | undefined;
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: key }));
      for (const item of page.Items ?? []) found.push({ table, item });
      key = page.LastEvaluatedKey;
    } while (key);
  }
  expect(tables).toEqual(expect.arrayContaining(Object.values(LOCAL_RESOURCES).filter((name) => name !== LOCAL_RESOURCES.bucketName)));
  return found;
}

/** Every object (key and body) and every open multipart upload of every bucket. */
async function everyObject(s3: S3Client): Promise<Array<{ bucket: string; key: string; body: string }>> {
  const found: Array<{ bucket: string; key: string; body: string }> = [];
  for (const bucket of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name!, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket.Name!, Key: object.Key! }))).Body!.transformToByteArray();
        found.push({ bucket: bucket.Name!, key: object.Key!, body: Buffer.from(body).toString('latin1') });
      }
      token = page.NextContinuationToken;
    } while (token);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket.Name! }));
    for (const upload of uploads.Uploads ?? []) found.push({ bucket: bucket.Name!, key: `multipart:${upload.Key}`, body: '' });
  }
  return found;
}

async function recordsOf(dynamodb: DynamoDBClient, accountId: string): Promise<number> {
  let count = 0;
  let key: Record<string, any> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: LOCAL_RESOURCES.imagesTable, FilterExpression: 'account_id = :a', ExpressionAttributeValues: { ':a': { S: accountId } }, Select: 'COUNT', ExclusiveStartKey: key }),
    );
    count += page.Count ?? 0;
    key = page.LastEvaluatedKey;
  } while (key);
  return count;
}

async function pngs(count: number, salt: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      sharp({ create: { width: 8 + (i % 8), height: 8, channels: 3, background: { r: i % 256, g: (i >> 8) * 40 + salt, b: (i * 7) % 256 } } }).png().toBuffer(),
    ),
  );
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map((item, i) => work(item, start + i)));
}

describe('deleting an account of 500 images, killed halfway and run again', () => {
  it('leaves nothing of it in any table or bucket, and the other account untouched', async () => {
    server = await startServer();
    let { dynamodb, s3, cognito, clientId } = clients();

    // A person signs up as the console does; the code is what npm start prints.
    const email = `leaver-${process.pid}-${Date.now()}@example.com`;
    await cognito.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: TEST_PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
    // The child prints the code from its own event loop: it can reach our pipe after SignUp answers.
    const code = (await server.waitForOutput(new RegExp(`Confirmation code for ${email.replace(/[.+]/g, '\\$&')}: (\\d+)`), 10_000))[1];
    await cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));
    const auth = await cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: TEST_PASSWORD } }));
    let idToken = auth.AuthenticationResult!.IdToken!;
    const sub = String(decodeJwt(idToken).sub);
    const session = (init: RequestInit = {}) => ({ ...init, headers: { Authorization: `Bearer ${idToken}`, 'Content-Type': 'application/json' } });
    const url = () => server!.url;

    const account = await ok(await fetch(`${url()}/api/account`, session()), 200);
    const created = await ok(await fetch(`${url()}/api/account/keys`, session({ method: 'POST', body: JSON.stringify({ name: 'bulk' }) })), 201);
    const key = created.key as string;
    const asKey = (k: string) => ({ Authorization: `Bearer ${k}` });

    // 500 small images with metadata (lookups), then the analysis (thumbhash, band lookups).
    const ids: string[] = [];
    await inBatches(await pngs(IMAGES, 0), 10, async (png, i) => {
      const form = new FormData();
      form.append('metadata', JSON.stringify({ user: String(i % 7), album: 'all' }));
      form.append('image', new Blob([png], { type: 'image/png' }), `${i}.png`);
      // Every 25th with an Idempotency-Key: its record (the kept answer) is the account's too.
      const headers = { ...asKey(key), ...(i % 25 === 0 ? { 'Idempotency-Key': `bulk-${i}` } : {}) };
      ids.push((await ok(await fetch(`${url()}/api/images/upload`, { method: 'POST', headers, body: form }), 201)).id);
    });
    // The console's session on the image routes: its hourly window is the account's too.
    await ok(await fetch(`${url()}/api/images?limit=1`, session()), 200);
    // A pending resumable upload (an open S3 multipart upload), a signing secret, an export.
    const pending = await ok(
      await fetch(`${url()}/api/images/uploads`, { method: 'POST', headers: { ...asKey(key), 'Content-Type': 'application/json' }, body: JSON.stringify({ size: 6 * 1024 * 1024, multipart: true }) }),
      201,
    );
    ids.push(pending.id);
    const secret = await ok(await fetch(`${url()}/api/account/signing-secrets`, session({ method: 'POST', body: '{}' })), 201);
    const exported = await ok(await fetch(`${url()}/api/account/export`, session({ method: 'POST' })), 202);
    // Another account (the dev key's) with images of its own.
    const others: string[] = [];
    await inBatches(await pngs(3, 99), 3, async (png) => {
      const form = new FormData();
      form.append('image', new Blob([png], { type: 'image/png' }), 'other.png');
      others.push((await ok(await fetch(`${url()}/api/images/upload`, { method: 'POST', headers: asKey(DEV_KEY), body: form }), 201)).id);
    });
    // Wait for the export and the analysis of every image, so what the deletion faces is all there.
    for (let ready = false; !ready; ) {
      const state = (await ok(await fetch(`${url()}/api/account/export/${exported.id}`, session()), 200)).state;
      let analysed = 0;
      let cursor: string | undefined;
      do {
        const page = await ok(await fetch(`${url()}/api/images?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: asKey(key) }), 200);
        analysed += page.images.filter((image: { thumbhash: string | null }) => image.thumbhash !== null).length;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      ready = state === 'ready' && analysed === IMAGES;
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const before = await everyItem(dynamodb);
    expect(before.some(({ item }) => JSON.stringify(item).includes(`p#${account.account_id}#`))).toBe(true);
    // The webhooks' image owners (written as each image.ready is fanned out), which the deletion must leave none of.
    expect(before.some(({ table, item }) => table === LOCAL_RESOURCES.webhooksTable && (item.owner_account as { S?: string } | undefined)?.S === account.account_id)).toBe(true);
    // What main's features keep per account is there to be deleted: Idempotency-Key records, the meter, the session's window.
    for (const prefix of [`idem#${account.account_id}#`, `meter#${account.account_id}`, `console_${account.account_id}#`]) {
      expect(before.some(({ item }) => (item.pk as { S?: string } | undefined)?.S?.startsWith(prefix)), prefix).toBe(true);
    }

    // Delete, and kill the local API with SIGKILL once the images are under way.
    const started = await ok(await fetch(`${url()}/api/account`, session({ method: 'DELETE', body: JSON.stringify({ password: TEST_PASSWORD }) })), 202);
    expect(started.state).toBe('deleting');
    expect((await fetch(`${url()}/api/images?limit=1`, { headers: asKey(key) })).status).toBe(401);
    let left = IMAGES + 1;
    while (left > IMAGES * 0.9) left = await recordsOf(dynamodb, account.account_id);
    await server.kill();
    dynamodb.destroy();
    s3.destroy();
    cognito.destroy();

    // Restarted: the deletion stopped part-way, and asking again resumes it.
    server = await startServer();
    ({ dynamodb, s3, cognito } = clients());
    // The emulator's issuer names its port, which changed: sign in again (the user is still there).
    const again = await cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: TEST_PASSWORD } }));
    idToken = again.AuthenticationResult!.IdToken!;
    const stopped = await ok(await fetch(`${url()}/api/account/deletion`, session()), 200);
    expect(stopped.state).toBe('deleting');
    expect(await recordsOf(dynamodb, account.account_id)).toBeGreaterThan(0);
    await ok(await fetch(`${url()}/api/account`, session({ method: 'DELETE', body: JSON.stringify({ password: TEST_PASSWORD }) })), 202);
    for (let state = ''; state !== 'deleted'; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      state = (await ok(await fetch(`${url()}/api/account/deletion`, session()), 200)).state;
    }
    // Purges of the last images run after the record deletes: let them land.
    await new Promise((resolve) => setTimeout(resolve, 2000));

    // Nothing of the account in any item: not its ids, its email, its images, keys or exports.
    const marks = [account.account_id, sub, email, created.id, secret.kid && `k.${secret.kid}`, exported.id, ...ids].filter(Boolean) as string[];
    const items = await everyItem(dynamodb);
    for (const { table, item } of items) {
      const text = JSON.stringify(item);
      const hits = marks.filter((mark) => text.includes(mark));
      if (hits.length === 0) continue;
      // Kept on purpose (docs/account-deletion.md): the tombstone (the sub, state and time, expiring in a day) ...
      if (text.includes(`"user#${sub}"`)) {
        expect(Object.keys(item).sort()).toEqual(['deleted_at', 'deletion_state', 'expires_at', 'pk']);
        expect(hits).toEqual([sub]);
        continue;
      }
      // ... and the deny-list's release schedule: bare image ids, no account, gone after the edge TTL.
      expect({ table, pk: (item.pk as { S?: string }).S }).toMatchObject({ table: LOCAL_RESOURCES.countersTable, pk: expect.stringMatching(/^edge-release#\d+$/) });
      expect(text).not.toContain(account.account_id);
    }
    // Nothing in any bucket: no key, no body, no open multipart upload names the account or its images.
    for (const object of await everyObject(s3)) {
      for (const mark of marks) expect(`${object.key} ${object.body}`, `${object.bucket}/${object.key}`).not.toContain(mark);
    }
    // The edge's store holds the deleted ids as gone (the deny-list) and no signing secret of the account.
    const edge = JSON.parse(readFileSync(runtime().edgeStoreFile, 'utf8')) as Record<string, string>;
    for (const id of ids.slice(0, IMAGES)) expect(edge[id], id).toBe('x');
    expect(Object.values(edge).some((value) => value.includes(account.account_id))).toBe(false);
    for (const id of ids.slice(0, 20)) expect((await fetch(`${url()}/image/${id}`, { redirect: 'follow' })).status).toBe(404);

    // The other account: all there, served.
    for (const id of others) {
      expect((await fetch(`${url()}/api/images/${id}`, { headers: asKey(DEV_KEY) })).status).toBe(200);
      expect((await fetch(`${url()}/image/${id}`, { redirect: 'follow' })).status).toBe(200);
    }
    // The Cognito user is gone.
    await expect(
      cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: TEST_PASSWORD } })),
    ).rejects.toMatchObject({ name: expect.stringMatching(/NotAuthorizedException|UserNotFoundException/) });
    dynamodb.destroy();
    s3.destroy();
    cognito.destroy();
  }, 600_000);
});
