import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandlerName } from '../../functions/routes';
import { type LocalApi, startLocalApi } from '../../local/app';
import { createLocalGateway, type GatewayOptions, type LocalGateway, type ProxyHandler } from '../../local/gateway';
import { readLocalSettings } from '../../local/settings';
import { createImagerClient, type ImagerClient } from '../../client/index';
import { checkedResponse, loadContract } from './contract';

export interface TestApi extends LocalApi {
  readonly dataDir: string;
  /**
   * fetch() relative to the API's URL, with the dev key unless `key: null` or another key is
   * given. Every answer is checked against openapi.yaml (status, headers, body) before the test
   * sees it.
   */
  call(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  /** The typed client (client/index.ts) with the dev key, or with `key` (null: no key); answers checked like `call`'s. */
  client(key?: string | null): ImagerClient;
  /**
   * A second local gateway, on a free port, over the same handler module instances this API
   * serves (so the same clients and settings), with a usage plan, authorizer cache and clock of
   * its own; `handlers` replaces some of the modules. Closed by `stop()`.
   */
  gatewayBeside(options?: GatewayBesideOptions): Promise<{ readonly url: string; readonly gateway: LocalGateway }>;
  stop(): Promise<void>;
}

export interface GatewayBesideOptions extends Partial<Omit<GatewayOptions, 'handlers'>> {
  readonly handlers?: Partial<Record<HandlerName, ProxyHandler>>;
}

/**
 * Starts the whole local API in this process (emulators, gateway, the real handler modules)
 * on a free port with a fresh data dir. One per test file: handler modules create their SDK
 * clients once, at import, like in Lambda. `now` is the gateway's clock (default: the real one).
 */
export async function startTestApi(
  env: Record<string, string> = {},
  options: { readonly now?: () => number; readonly webhookOutbound?: NonNullable<Parameters<typeof startLocalApi>[1]>['webhookOutbound'] } = {},
): Promise<TestApi> {
  // Compile the contract first: it blocks the event loop for a moment, and the API runs in this
  // process (a storage call timed out meanwhile would be retried by the SDK).
  await loadContract();
  const dataDir = mkdtempSync(join(tmpdir(), 'imager-test-'));
  Object.assign(process.env, env);
  const api = await startLocalApi(
    readLocalSettings({ PORT: '0', IMAGER_DATA_DIR: dataDir, IMAGER_SWEEP_MINUTES: '0', ...env }),
    { writeRuntimeFile: env.WRITE_RUNTIME_FILE === 'true', now: options.now, webhookOutbound: options.webhookOutbound },
  );
  const besides: LocalGateway[] = [];
  return Object.assign(api, {
    dataDir,
    call(path: string, init: RequestInit & { key?: string | null } = {}) {
      const { key, ...rest } = init;
      const headers = new Headers(rest.headers);
      const useKey = key === undefined ? api.devKey : key;
      if (useKey !== null && !headers.has('authorization')) headers.set('Authorization', `Bearer ${useKey}`);
      const url = `${api.url}${path}`;
      return fetch(url, { ...rest, headers, redirect: rest.redirect ?? 'manual' }).then((response) =>
        checkedResponse(response, { method: rest.method, url, base: api.url }),
      );
    },
    client(key?: string | null) {
      const useKey = key === undefined ? api.devKey : key;
      return createImagerClient({
        baseUrl: api.url,
        ...(useKey === null ? {} : { apiKey: useKey }),
        fetch: async (request: Request) =>
          checkedResponse(await fetch(request, { redirect: 'manual' }), { method: request.method, url: request.url, base: api.url }),
      });
    },
    async gatewayBeside({ handlers, ...options }: GatewayBesideOptions = {}) {
      const gateway = createLocalGateway({
        authorizer: api.authorizer,
        // Unlimited and uncached unless the test says otherwise: what it measures is its own.
        usagePlan: { rate: 1000, burst: 1000, dailyQuota: 1_000_000 },
        authCacheSeconds: 0,
        ...options,
        handlers: { ...api.handlers, ...handlers },
      });
      besides.push(gateway);
      return { url: await gateway.listen(), gateway };
    },
    async stop() {
      for (const gateway of besides) await gateway.close();
      await api.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
