/**
 * A local API that dies at the worst moment (docs/security-and-reliability.md), run as a child process by
 * test/integration/crash-consistency.test.ts:
 *
 *   node --import tsx test/support/crash-child.ts <data dir> <dev key>
 *
 * It starts the whole local API on the data dir, uploads one image (and prints its id), then
 * uploads a second one and is SIGKILLed by its own LevelDB write of that image's record item:
 * after dynalite has written the record's index entries, before the item itself.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const [dataDir, devKey] = process.argv.slice(2);
if (!dataDir || !devKey) throw new Error('usage: crash-child.ts <data dir> <dev key>');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

// dynalite's own copy of `level`: every dynalite write goes through Level.prototype.put.
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const { Level } = fromDynalite('level') as { Level: { prototype: { put: (...args: unknown[]) => unknown } } };
const put = Level.prototype.put;
let imageItems = 0;
Level.prototype.put = function (this: unknown, ...args: unknown[]) {
  const key = args[0];
  if (typeof key === 'string' && key.startsWith('item-imager-images~')) {
    imageItems += 1;
    if (imageItems === 2) process.kill(process.pid, 'SIGKILL');
  }
  return put.apply(this, args);
};

const { startLocalApi } = await import('../../local/app');
const { readLocalSettings } = await import('../../local/settings');
const api = await startLocalApi(readLocalSettings({ PORT: '0', IMAGER_DATA_DIR: dataDir, IMAGER_DEV_KEY: devKey, IMAGER_SWEEP_MINUTES: '0' }), {
  writeRuntimeFile: false,
});
const png = readFileSync(new URL('../fixtures/sample.png', import.meta.url));
async function upload(): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([png], { type: 'image/png' }), 'a.png');
  return fetch(`${api.url}/api/images/upload`, { method: 'POST', headers: { Authorization: `Bearer ${devKey}` }, body: form });
}
const first = await upload();
const body = (await first.json()) as { data: { id: string } };
console.log(`ACKNOWLEDGED ${first.status} ${body.data.id}`);
await upload(); // never answers: the process dies inside it
console.log('NOT KILLED');
