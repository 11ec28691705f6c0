import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicHostCheck } from '../../functions/adapters/public-host-check';
import { PublicHttpClient } from '../../functions/adapters/public-http-client';
import { startHttpsTargets, type HttpsTargets } from '../support/https-targets';
import { sendToS3, type UploadTicket } from '../support/large-upload';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES } from '../../local/resources';
import { startTestApi, type TestApi } from '../support/local-api';
import { newEmail, type SignedIn, signUpAndIn, TEST_PASSWORD } from '../support/session';

/**
 * Webhooks end to end in local mode (docs/webhooks.md): the account routes, a large upload
 * settled by finalize, the local webhook queue driving the delivery worker, and an HTTPS receiver
 * on loopback reached through the outbound adapter with the upload-by-URL tests' seam (its
 * resolver, root of trust and address policy, handed to local mode in-process; npm start keeps
 * the public-address rule).
 */

const PNG = readFileSync(new URL('../fixtures/sample.png', import.meta.url));

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let targets: HttpsTargets;
let api: TestApi;
let user: SignedIn;
let key: string;
const received: Received[] = [];

beforeAll(async () => {
  targets = await startHttpsTargets((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204);
      res.end();
    });
  });
  const resolver = targets.resolver({ 'images.test': ['127.0.0.1'], 'other.test': ['127.0.0.2'] });
  api = await startTestApi(
    { IMAGER_AUTH_CACHE_SECONDS: '0' },
    {
      webhookOutbound: {
        http: new PublicHttpClient({ resolver, isAllowed: targets.policy, ca: targets.ca, dial: targets.dial }),
        checkHost: publicHostCheck({ resolver, isAllowed: targets.policy }),
      },
    },
  );
  user = await signUpAndIn(api, newEmail('hooks'));
  key = (await data(await asUser('/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'hooks' }) }), 201)).key;
});

afterAll(async () => {
  await api?.stop();
  await targets?.close();
});

function asUser(path: string, init: RequestInit = {}, who: SignedIn = user): Promise<Response> {
  return api.call(path, { ...init, key: null, headers: { Authorization: `Bearer ${who.idToken}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) } });
}

async function data(response: Response, status = 200): Promise<any> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  return JSON.parse(text).data;
}

/** Waits (polling, at most 20 s) until the receiver has `count` requests on `path`. */
async function receivedOn(path: string, count: number): Promise<Received[]> {
  for (let i = 0; i < 200; i += 1) {
    const matching = received.filter((request) => request.path === path);
    if (matching.length >= count) return matching;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return received.filter((request) => request.path === path);
}

describe('webhooks in local mode', () => {
  it('a large upload is announced as image.ready to the registered endpoint, signed; its delete as image.deleted; the log shows both', async () => {
    const url = `${targets.publicTarget.originAs('images.test')}/in`;
    const endpoint = await data(await asUser('/api/account/webhooks', { method: 'POST', body: JSON.stringify({ url, events: ['image.ready', 'image.deleted'] }) }), 201);
    expect(endpoint.secret).toMatch(/^whsec_/);

    const started = await data(await api.call('/api/images/uploads', { method: 'POST', key, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ size: PNG.byteLength, content_type: 'image/png' }) }), 201);
    expect((await sendToS3(started.upload as UploadTicket, PNG)).ok).toBe(true);

    const [announced] = await receivedOn('/in', 1);
    expect(announced).toBeDefined();
    const payload = new Webhook(endpoint.secret).verify(announced.body, announced.headers as Record<string, string>) as { type: string; data: { id: string; state: string; size: number } };
    // The image object as the API shows it (its published size: metadata removed).
    const image = await data(await api.call(`/api/images/${started.id}`, { key }));
    expect(payload).toMatchObject({ type: 'image.ready', data: { id: started.id, state: 'ready', size: image.size, sha256: image.sha256, width: image.width } });

    expect((await api.call(`/api/images/${started.id}`, { method: 'DELETE', key })).status).toBe(204);
    const both = await receivedOn('/in', 2);
    const removal = new Webhook(endpoint.secret).verify(both[1].body, both[1].headers as Record<string, string>) as { type: string; data: { id: string } };
    expect(removal).toMatchObject({ type: 'image.deleted', data: { id: started.id } });

    await api.idle();
    const log = await data(await asUser(`/api/account/webhooks/${endpoint.id}/deliveries`));
    expect(log.deliveries.map((d: { type: string; status: string; attempts: number }) => [d.type, d.status, d.attempts])).toEqual([
      ['image.deleted', 'succeeded', 1],
      ['image.ready', 'succeeded', 1],
    ]);
    expect(log.deliveries[1].last_status_code).toBe(204);
    // One delivery each, though finalize and the analysis both announced the upload.
    expect(received.filter((request) => request.path === '/in')).toHaveLength(2);
    expect(api.webhookQueue.deadLetters).toEqual([]);
  });

  it('an endpoint on a private address is refused at registration (400, nothing stored); a bad body is a 400 envelope', async () => {
    const refused = await asUser('/api/account/webhooks', { method: 'POST', body: JSON.stringify({ url: `${targets.privateTarget.originAs('other.test')}/in`, events: ['image.ready'] }) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ status: 'error', message: 'url: The host other.test is not a public address' });
    const bad = await asUser('/api/account/webhooks', { method: 'POST', body: '{"url":' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { status: string }).status).toBe('error');
    const list = await data(await asUser('/api/account/webhooks'));
    expect(list.endpoints.map((e: { url: string }) => e.url)).toEqual([`${targets.publicTarget.originAs('images.test')}/in`]);
    expect(targets.privateTarget.connections).toBe(0);
  });

  it('an account\'s deletion tells its endpoint image.deleted for every image, then leaves nothing of its webhooks', async () => {
    const leaver = await signUpAndIn(api, newEmail('hooks-leaver'));
    const account = await data(await asUser('/api/account', {}, leaver));
    const leaverKey = (await data(await asUser('/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'k' }) }, leaver), 201)).key;
    const url = `${targets.publicTarget.originAs('images.test')}/leaver`;
    const endpoint = await data(await asUser('/api/account/webhooks', { method: 'POST', body: JSON.stringify({ url, events: ['image.ready', 'image.deleted'] }) }, leaver), 201);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const form = new FormData();
      form.append('image', new Blob([PNG], { type: 'image/png' }), `${i}.png`);
      ids.push((await data(await api.call('/api/images/upload', { method: 'POST', key: leaverKey, body: form }), 201)).id);
    }
    expect(await receivedOn('/leaver', 3)).toHaveLength(3);

    await data(await asUser('/api/account', { method: 'DELETE', body: JSON.stringify({ password: TEST_PASSWORD }) }, leaver), 202);
    for (let state = '', i = 0; state !== 'deleted' && i < 200; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = (await data(await asUser('/api/account/deletion', {}, leaver))).state;
    }
    const told = (await receivedOn('/leaver', 6)).slice(3).map((request) => new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: { id: string } });
    expect(told.map((event) => event.type)).toEqual(['image.deleted', 'image.deleted', 'image.deleted']);
    expect(told.map((event) => event.data.id).sort()).toEqual([...ids].sort());

    await api.idle();
    const dynamodb = new DynamoDBClient({ endpoint: api.emulators.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const items = (await dynamodb.send(new ScanCommand({ TableName: LOCAL_RESOURCES.webhooksTable }))).Items ?? [];
    dynamodb.destroy();
    const marks = [account.account_id, endpoint.id, ...ids];
    expect(items.filter((item) => marks.some((mark) => JSON.stringify(item).includes(mark)))).toEqual([]);
    // The first account's endpoint is untouched.
    expect((await data(await asUser('/api/account/webhooks'))).endpoints).toHaveLength(1);
  });
});
