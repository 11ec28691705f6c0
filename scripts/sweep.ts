import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntimeInfo } from '../local/app';
import { localEnvironment } from '../local/app';
import { readLocalSettings } from '../local/settings';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** `npm run sweep`: runs the sweep handler once against the running local API's storage. */
async function main(): Promise<void> {
  const settings = readLocalSettings();
  const file = join(settings.dataDir, 'local.json');
  if (!existsSync(file)) throw new Error(`The local API is not running for ${settings.dataDir}: start it with "npm start".`);
  const info = JSON.parse(readFileSync(file, 'utf8')) as LocalRuntimeInfo;
  Object.assign(process.env, localEnvironment(info));
  const { handler } = await import('../functions/sweep.ts');
  console.log(JSON.stringify(await handler()));
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
