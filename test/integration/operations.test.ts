import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../../functions/core/config';
import { prepareForPublishing } from '../../functions/core/published-image';
import { HANDLERS, type HandlerName } from '../../functions/routes';
import { createLocalGateway, type LocalGateway, type ProxyHandler } from '../../local/gateway';
import { expectError, fixture, imageForm, JSON_TYPE } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { captureEmf, tally } from '../unit/support/emf';

/**
 * The usage plan's 429s happen before any function runs, so no business metric counts them; on
 * AWS the access log's responseType does (docs/operations.md), locally the gateway reports them.
 */
describe('local gateway: usage-plan refusals are reported with their cause', () => {
  const refusals: Array<[string, unknown]> = [];
  let clock = Date.UTC(2026, 10, 26, 12);
  let gateway: LocalGateway;
  let url: string;

  beforeAll(async () => {
    const ok: ProxyHandler = async () => ({ statusCode: 200, headers: { 'Content-Type': JSON_TYPE }, body: '{"status":"success","data":{}}' });
    const handlers = Object.fromEntries(Object.keys(HANDLERS).map((name) => [name, ok])) as Record<HandlerName, ProxyHandler>;
    gateway = createLocalGateway({
      handlers,
      authorizer: async (): Promise<APIGatewayAuthorizerResult> => ({
        principalId: 'acct_test',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
        context: { accountId: 'acct_test', keyId: 'key_test' },
        usageIdentifierKey: 'usage_id_0123456789abcdef',
      }),
      usagePlan: { rate: 1, burst: 1, dailyQuota: 2 },
      authCacheSeconds: 60,
      now: () => clock,
      onUsagePlanRefusal: (responseType, keyId) => refusals.push([responseType, keyId]),
    });
    url = await gateway.listen();
  });
  afterAll(() => gateway.close());

  it('one report per refused request: THROTTLED, then QUOTA_EXCEEDED; none for admitted ones', async () => {
    const call = () => fetch(`${url}/api/images`, { headers: { Authorization: 'Bearer some_key_0123456789abcdef' } });
    expect((await call()).status).toBe(200);
    expect(refusals).toEqual([]);
    await expectError(await call(), 429, 'Rate limit exceeded');
    expect(refusals).toEqual([['THROTTLED', 'key_test']]);
    clock += 5_000;
    expect((await call()).status).toBe(200);
    clock += 5_000;
    await expectError(await call(), 429, 'Rate limit exceeded');
    expect(refusals).toEqual([
      ['THROTTLED', 'key_test'],
      ['QUOTA_EXCEEDED', 'key_test'],
    ]);
  });
});

describe('local mode writes the same EMF lines as Lambda', () => {
  let api: TestApi;
  beforeAll(async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    api = await startTestApi({ IMAGER_HOURLY_LIMIT: '2' });
  });
  afterAll(async () => {
    await api.stop();
    vi.unstubAllEnvs();
  });

  it('an upload, a refused upload and an hourly 429 through the local API, each counted once', async () => {
    const { metrics } = await captureEmf(async () => {
      expect((await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('sample.png'), 'a.png') })).status).toBe(201);
      expect((await api.call('/api/images/upload', { method: 'POST', body: imageForm(fixture('script.svg'), 'a.png') })).status).toBe(400);
      expect((await api.call('/api/images')).status).toBe(429);
    });
    const stored = prepareForPublishing(fixture('sample.png'), { maxImageBytes: DEFAULTS.maxImageBytes, maxLargeImageBytes: DEFAULTS.maxLargeImageBytes, maxPixels: DEFAULTS.maxPixels });
    expect(tally(metrics)).toEqual({
      'UploadsAccepted kind=direct': 1,
      'BytesStored kind=direct sum': stored.size,
      ...(stored.metadataBytesRemoved > 0 ? { 'MetadataBytesRemoved sum': stored.metadataBytesRemoved } : {}),
      'UploadsRejected kind=direct reason=format': 1,
      'RateLimited cause=hourly': 1,
    });
    expect(new Set(metrics.map((m) => m.namespace))).toEqual(new Set(['Imager']));
  });
});
