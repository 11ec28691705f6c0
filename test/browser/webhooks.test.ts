import { mkdirSync, readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publicHostCheck } from '../../functions/adapters/public-host-check';
import { PublicHttpClient } from '../../functions/adapters/public-http-client';
import { ensureConsoleBuilt } from '../../local/web-build';
import { launchBrowser } from '../support/browser';
import { type HttpsTargets, startHttpsTargets } from '../support/https-targets';
import { startTestApi, type TestApi } from '../support/local-api';
import { newEmail, TEST_PASSWORD } from '../support/session';
import { button, byName, fill, idToken, signUpAndIn } from './console-page';

/**
 * The console's Webhooks section (docs/webhooks.md) in headless Chromium. The local API runs in
 * this process (test/support/local-api.ts, what npm start runs) so that it can be handed the
 * outbound client of test/integration/webhooks.test.ts: a resolver, root of trust and address
 * policy that reach an HTTPS receiver on loopback (npm start's child keeps the public-address
 * rule, and would refuse it). The receiver answers what the test says, and can hold its answer.
 * Pictures of the section at 390 and 1280 px go to a temporary directory, or with
 * IMAGER_SCREENSHOTS=docs to docs/.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PNG = readFileSync(join(ROOT, 'test/fixtures/sample.png'));

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let targets: HttpsTargets;
let api: TestApi;
let shots: string;
let browser: Browser;
let page: Page;
let endpointUrl: string;
const received: Received[] = [];
/** What the receiver answers, and (while set) what it waits for before answering. */
let answer = 204;
let hold: Promise<void> | undefined;

beforeAll(async () => {
  targets = await startHttpsTargets((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      await hold;
      res.writeHead(answer);
      res.end();
    });
  });
  const resolver = targets.resolver({ 'images.test': ['127.0.0.1'], 'other.test': ['127.0.0.2'] });
  endpointUrl = `${targets.publicTarget.originAs('images.test')}/in`;
  await ensureConsoleBuilt();
  api = await startTestApi(
    { IMAGER_AUTH_CACHE_SECONDS: '0' },
    {
      webhookOutbound: {
        http: new PublicHttpClient({ resolver, isAllowed: targets.policy, ca: targets.ca, dial: targets.dial }),
        checkHost: publicHostCheck({ resolver, isAllowed: targets.policy }),
      },
    },
  );
  shots = process.env.IMAGER_SCREENSHOTS === 'docs' ? join(ROOT, 'docs') : join(api.dataDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const site = { url: api.url, confirmationCode: async (email: string) => api.confirmationCodes.get(email) ?? '' };
  await signUpAndIn(page, site, newEmail('hooks-console'), TEST_PASSWORD);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await targets?.close();
});

/** The account route `path` with the page's session, checked against openapi.yaml. */
async function asUser(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { Authorization: `Bearer ${await idToken(page)}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) };
  return api.call(path, { ...init, key: null, headers });
}

async function data(response: Response, status = 200): Promise<any> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  return JSON.parse(text).data;
}

async function upload(key: string): Promise<string> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'sample.png');
  return (await data(await api.call('/api/images/upload', { method: 'POST', key, body: form }), 201)).id;
}

function section(): Promise<ElementHandle<Element>> {
  return page.waitForSelector('section.webhooks', { timeout: 20_000 }) as Promise<ElementHandle<Element>>;
}

function endpointRow(): Promise<ElementHandle<Element>> {
  return page.waitForSelector('section.webhooks li.endpoint', { timeout: 20_000 }) as Promise<ElementHandle<Element>>;
}

/** The section's alert, once it shows. */
async function alertText(): Promise<string> {
  const alert = await page.waitForSelector('section.webhooks > [role="alert"]:not([hidden])', { timeout: 20_000 });
  return (await alert!.evaluate((node) => node.textContent)) ?? '';
}

/** The secret the page shows, or null when none is shown. */
function shownSecret(): Promise<string | null> {
  return page.evaluate(() => {
    const region = document.querySelector('section.webhooks [role="region"][aria-label="New webhook secret"]') as HTMLElement | null;
    return region && !region.hidden ? (region.querySelector('code.secret')?.textContent ?? null) : null;
  });
}

/** The delivery log's rows as the page shows them. */
function logRows(): Promise<Array<{ id: string; type: string; status: string; attempts: string; last: string; next: string; redeliver: boolean }>> {
  return page.$$eval('section.webhooks li.delivery', (rows) =>
    rows.map((row) => {
      const value = (term: string) => [...row.querySelectorAll('dt')].find((dt) => dt.textContent === term)?.nextElementSibling?.textContent ?? '';
      return {
        id: row.querySelector('.delivery-name code')?.textContent ?? '',
        type: row.querySelector('.delivery-name strong')?.textContent ?? '',
        status: value('Status'),
        attempts: value('Attempts'),
        last: value('Last answer'),
        next: value('Next attempt'),
        redeliver: [...row.querySelectorAll('button')].some((b) => b.textContent === 'Redeliver'),
      };
    }),
  );
}

/** The endpoint row's button `name`. */
async function rowButton(name: string): Promise<ElementHandle<Element>> {
  return button(page, name, await endpointRow());
}

/** Clicks `target` and answers the confirm() it opens with `accept`. */
async function clickAndAnswer(target: ElementHandle<Element>, accept: boolean): Promise<string> {
  const asked = new Promise<string>((resolve) =>
    page.once('dialog', (dialog) => {
      resolve(dialog.message());
      void (accept ? dialog.accept() : dialog.dismiss());
    }),
  );
  await target.click();
  return asked;
}

async function sectionShots(name: string): Promise<void> {
  const element = await section();
  for (const [label, width] of [
    ['narrow', 390],
    ['wide', 1280],
  ] as const) {
    await page.setViewport({ width, height: width === 390 ? 844 : 900 });
    await element.scrollIntoView();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await element.screenshot({ path: join(shots, `console-${name}-${label}.png`) });
  }
  await page.setViewport({ width: 1280, height: 900 });
}

const WAIT = { timeout: 30_000, interval: 200 };

describe.sequential('webhooks in the console', () => {
  let endpointId: string;
  let secret: string;
  let key: string;
  let firstImage: string;

  it('refuses an endpoint on a private address in the section’s alert, and stores nothing', async () => {
    await section();
    await fill(page, 'Endpoint URL', `${targets.privateTarget.originAs('other.test')}/in`);
    await (await button(page, 'Add endpoint')).click();
    expect(await alertText()).toBe('url: The host other.test is not a public address');
    expect((await data(await asUser('/api/account/webhooks'))).endpoints).toEqual([]);
    expect(targets.privateTarget.connections).toBe(0);
  });

  it('adds an endpoint with the events ticked; its secret is shown once, and Rotate shows a new one', async () => {
    const form = (await page.$('section.webhooks form.webhook-form'))!;
    await fill(page, 'Endpoint URL', endpointUrl);
    for (const event of ['image.rejected', 'image.expired']) await (await byName(page, `${event}[role="checkbox"]`, form)).click();
    await (await button(page, 'Add endpoint')).click();
    await vi.waitFor(async () => expect(await shownSecret()).toMatch(/^whsec_/), WAIT);
    const first = (await shownSecret())!;
    const [stored] = (await data(await asUser('/api/account/webhooks'))).endpoints;
    expect(stored).toMatchObject({ url: endpointUrl, events: ['image.ready', 'image.deleted'], enabled: true });
    expect(stored).not.toHaveProperty('secret');
    endpointId = stored.id;
    const row = await endpointRow();
    expect(await row.evaluate((node) => node.querySelector('.endpoint-url')?.textContent)).toBe(endpointUrl);
    expect(await row.evaluate((node) => node.querySelector('.status')?.textContent)).toBe('Enabled');
    expect(await row.$$eval('input[type="checkbox"]:checked', (boxes) => boxes.map((box) => (box as HTMLInputElement).value))).toEqual(['image.ready', 'image.deleted']);

    // Shown once: after a reload the page has no secret anywhere.
    await page.reload({ waitUntil: 'networkidle0' });
    await endpointRow();
    expect(await shownSecret()).toBeNull();
    expect(await page.evaluate(() => document.body.innerHTML.includes('whsec_'))).toBe(false);

    expect(await clickAndAnswer(await rowButton('Rotate secret'), true)).toContain(endpointUrl);
    await vi.waitFor(async () => expect(await shownSecret()).toMatch(/^whsec_/), WAIT);
    secret = (await shownSecret())!;
    expect(secret).not.toBe(first);
    expect(await page.evaluate(() => document.querySelector('section.webhooks [aria-label="New webhook secret"]')?.textContent)).toContain('it will not be shown again');
  });

  it('a failed attempt shows in the log with its answer; disabled, the delivery is kept as failed; enabled again, Redeliver sends it, signed with the shown secret', async () => {
    key = (await data(await asUser('/api/account/keys', { method: 'POST', body: JSON.stringify({ name: 'hooks' }) }), 201)).key;
    answer = 500;
    firstImage = await upload(key);
    await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);
    // The delivery carries the secret the page showed (and not the one before the rotation).
    const event = new Webhook(secret).verify(received[0].body, received[0].headers as Record<string, string>) as { type: string; data: { id: string } };
    expect(event).toMatchObject({ type: 'image.ready', data: { id: firstImage } });

    await (await (await endpointRow()).$('details.deliveries summary'))!.click();
    await vi.waitFor(async () => expect(await logRows()).toMatchObject([{ type: 'image.ready', status: 'Pending', attempts: '1', last: 'The endpoint answered 500', redeliver: false }]), WAIT);
    const [pending] = await logRows();
    expect(pending.next).not.toBe('—');
    expect(pending.id).toBe(received[0].headers['webhook-id']);

    await (await rowButton('Disable')).click();
    await vi.waitFor(async () => expect(await (await endpointRow()).evaluate((node) => node.querySelector('.status')?.textContent)).toBe('Disabled'), WAIT);
    expect((await data(await asUser('/api/account/webhooks'))).endpoints[0].enabled).toBe(false);
    // The retry (5 s later) finds the endpoint disabled: failed, with the reason, and Redeliver offered.
    await vi.waitFor(async () => expect(await logRows()).toMatchObject([{ status: 'Failed', attempts: '1', last: 'The endpoint is disabled', next: '—', redeliver: true }]), { ...WAIT, timeout: 40_000 });
    expect(received).toHaveLength(1);

    await (await rowButton('Enable')).click();
    await vi.waitFor(async () => expect((await data(await asUser('/api/account/webhooks'))).endpoints[0].enabled).toBe(true), WAIT);
    answer = 204;
    await (await button(page, 'Redeliver', (await page.$('section.webhooks li.delivery'))!)).click();
    await vi.waitFor(async () => expect(await logRows()).toMatchObject([{ id: pending.id, status: 'Succeeded', attempts: '1', last: 'HTTP 204', redeliver: true }]), WAIT);
    expect(received).toHaveLength(2);
    expect(received[1].headers['webhook-id']).toBe(pending.id);
    expect(() => new Webhook(secret).verify(received[1].body, received[1].headers as Record<string, string>)).not.toThrow();
    const log = await data(await asUser(`/api/account/webhooks/${endpointId}/deliveries`));
    expect(log.deliveries).toMatchObject([{ id: pending.id, status: 'succeeded', attempts: 1, last_status_code: 204 }]);
  }, 120_000);

  it('Redeliver on a delivery that is being tried again says so in words (409) and leaves it to finish', async () => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const [shown] = await logRows();
    // Another tab (here: the API) redelivers it; the receiver holds the attempt, so it stays pending.
    await data(await asUser(`/api/account/webhooks/${endpointId}/deliveries/${shown.id}/redeliver`, { method: 'POST' }), 202);
    await vi.waitFor(() => expect(received).toHaveLength(3), WAIT);
    await (await button(page, 'Redeliver', (await page.$('section.webhooks li.delivery'))!)).click();
    expect(await alertText()).toBe(`Delivery ${shown.id} is still being tried: it can be redelivered once it has succeeded or failed.`);
    await vi.waitFor(async () => expect(await logRows()).toMatchObject([{ id: shown.id, status: 'Pending', redeliver: false }]), WAIT);
    hold = undefined;
    release();
    await vi.waitFor(async () => expect(await logRows()).toMatchObject([{ id: shown.id, status: 'Succeeded', redeliver: true }]), WAIT);
    expect(received).toHaveLength(3);
  }, 60_000);

  it('shows each delivery’s answer: a removal delivered, an upload being retried (pictures of the section, the new secret still shown)', async () => {
    expect((await api.call(`/api/images/${firstImage}`, { method: 'DELETE', key })).status).toBe(204);
    await vi.waitFor(() => expect(received).toHaveLength(4), WAIT);
    answer = 500;
    await upload(key);
    await vi.waitFor(() => expect(received).toHaveLength(5), WAIT);
    await (await button(page, 'Refresh', await endpointRow())).click();
    await vi.waitFor(
      async () =>
        expect(await logRows()).toMatchObject([
          { type: 'image.ready', status: 'Pending', last: 'The endpoint answered 500', redeliver: false },
          { type: 'image.deleted', status: 'Succeeded', attempts: '1', last: 'HTTP 204', redeliver: true },
          { type: 'image.ready', status: 'Succeeded', attempts: '1', last: 'HTTP 204', redeliver: true },
        ]),
      WAIT,
    );
    expect(await shownSecret()).toBe(secret);
    await sectionShots('webhooks');
  }, 60_000);

  it('pages the log newest first with "Load more"; the events can be changed', async () => {
    answer = 204;
    for (let i = 0; i < 8; i += 1) await upload(key);
    let all: Array<{ id: string }> = [];
    await vi.waitFor(async () => {
      all = (await data(await asUser(`/api/account/webhooks/${endpointId}/deliveries?limit=100`))).deliveries;
      expect(all).toHaveLength(11);
    }, WAIT);
    await (await button(page, 'Refresh', await endpointRow())).click();
    await vi.waitFor(async () => expect((await logRows()).map((row) => row.id)).toEqual(all.slice(0, 10).map((delivery) => delivery.id)), WAIT);
    await (await button(page, 'Load more', await endpointRow())).click();
    await vi.waitFor(async () => expect((await logRows()).map((row) => row.id)).toEqual(all.map((delivery) => delivery.id)), WAIT);
    expect(await page.$eval('section.webhooks details.deliveries .log-body > button:last-child', (more) => (more as HTMLElement).hidden)).toBe(true);

    const row = await endpointRow();
    await (await byName(page, 'image.deleted[role="checkbox"]', row)).click();
    await (await byName(page, 'image.expired[role="checkbox"]', row)).click();
    // The row is drawn again from the API's answer once saved: marked, the old one is told from it.
    await row.evaluate((node) => node.setAttribute('data-before-save', ''));
    await (await button(page, 'Save events', row)).click();
    const saved = (await page.waitForSelector('section.webhooks li.endpoint:not([data-before-save])', { timeout: 20_000 }))!;
    expect(await saved.$$eval('input[type="checkbox"]:checked', (boxes) => boxes.map((box) => (box as HTMLInputElement).value))).toEqual(['image.ready', 'image.expired']);
    expect((await data(await asUser('/api/account/webhooks'))).endpoints[0].events).toEqual(['image.ready', 'image.expired']);
  }, 120_000);

  it('Delete asks first; confirmed, the endpoint and its log are gone', async () => {
    expect(await clickAndAnswer(await rowButton('Delete'), false)).toBe(`Delete the endpoint ${endpointUrl} and its delivery log?`);
    expect((await data(await asUser('/api/account/webhooks'))).endpoints).toHaveLength(1);
    await clickAndAnswer(await rowButton('Delete'), true);
    await page.waitForFunction(() => document.querySelector('section.webhooks')?.textContent?.includes('No endpoints yet.'), { timeout: 20_000 });
    expect((await data(await asUser('/api/account/webhooks'))).endpoints).toEqual([]);
    expect((await asUser(`/api/account/webhooks/${endpointId}/deliveries`)).status).toBe(404);
  });
});
