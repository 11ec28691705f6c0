/** What the server tells the console at `/config.json` (local gateway, or the CDN on AWS). */
export interface ConsoleConfig {
  /** Base URL of the API; '' means the console's own origin (local mode). */
  readonly apiUrl: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  /** Set locally (cognito-local); on AWS the SDK's regional endpoint is used. */
  readonly cognitoEndpoint?: string;
  /** Largest direct upload; bigger files go through the presigned flow. */
  readonly maxImageBytes: number;
  readonly maxLargeImageBytes: number;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`The console's configuration could not be loaded (HTTP ${response.status}).`);
  const config = (await response.json()) as Partial<ConsoleConfig>;
  for (const field of ['region', 'userPoolId', 'clientId'] as const) {
    if (typeof config[field] !== 'string' || config[field] === '') throw new Error(`The console's configuration lacks ${field}.`);
  }
  return {
    apiUrl: (config.apiUrl ?? '').replace(/\/+$/, ''),
    region: config.region!,
    userPoolId: config.userPoolId!,
    clientId: config.clientId!,
    cognitoEndpoint: config.cognitoEndpoint,
    maxImageBytes: config.maxImageBytes ?? 4 * 1024 * 1024,
    maxLargeImageBytes: config.maxLargeImageBytes ?? 50 * 1024 * 1024,
  };
}
