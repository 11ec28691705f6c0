import { localEnvironment } from '../local/resources';
import { findRunningLocalApi } from '../local/runtime-file';
import { readLocalSettings } from '../local/settings';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** `npm run sweep`: runs the sweep handler once against the running local API's storage. */
async function main(): Promise<void> {
  const settings = readLocalSettings();
  const info = findRunningLocalApi(settings.dataDir);
  if (!info) throw new Error(`The local API is not running for ${settings.dataDir}: start it with "npm start".`);
  Object.assign(process.env, localEnvironment(info));
  const { handler } = await import('../functions/sweep.ts');
  console.log(JSON.stringify(await handler()));
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
