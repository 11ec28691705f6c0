import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { published } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { checkedFetch } from '../support/contract';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

describe('local API smoke', () => {
  it('uploads a PNG and serves it, metadata removed, from its public URL', async () => {
    const bytes = readFileSync(new URL('../fixtures/sample.png', import.meta.url));
    const form = new FormData();
    form.append('image', new Blob([bytes]), 'sample.png');
    const upload = await api.call('/api/images/upload', { method: 'POST', body: form });
    expect(upload.status).toBe(201);
    const { data } = (await upload.json()) as { data: { id: string; url: string } };
    const view = await checkedFetch(data.url, { redirect: 'follow' });
    expect(view.status).toBe(200);
    expect(Buffer.from(await view.arrayBuffer()).equals(Buffer.from(published(bytes).bytes))).toBe(true);
  });
});
