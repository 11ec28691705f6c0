import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
const entries = process.argv.slice(2);
const out = '/tmp/exp'; mkdirSync(out, { recursive: true });
writeFileSync(`${out}/empty.mjs`, 'export const handler = async () => ({});\n');
const variants = {};
for (const e of entries) for (const alias of [false, true]) {
  const name = `${e.replace(/\W/g,'_')}${alias ? '_alias' : ''}`;
  await build({ entryPoints: [`functions/${e}.ts`], bundle: true, format: 'esm', platform: 'node', target: 'node20', minify: true, mainFields: ['module','main'], outfile: `${out}/${name}.mjs`,
    banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
    alias: alias ? { '@aws-sdk/credential-provider-node': '/work/main/functions/runtime/lambda-credentials.ts' } : {}, logLevel: 'error' });
  variants[name] = `${out}/${name}.mjs`;
}
variants.empty = `${out}/empty.mjs`;
const env = { ...process.env, BUCKET_NAME: 'b', IMAGES_TABLE: 'i', KEYS_TABLE: 'k', COUNTERS_TABLE: 'c', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const times = Object.fromEntries(Object.keys(variants).map(k => [k, []]));
for (let i = 0; i < 15; i++) for (const [k, f] of Object.entries(variants)) {
  const t = execFileSync('node', ['-e', `const s=performance.now(); import('${f}').then(()=>console.log(performance.now()))`], { env }).toString();
  times[k].push(Number(t));
}
const med = a => a.sort((x,y)=>x-y)[Math.floor(a.length/2)];
const { statSync } = await import('node:fs');
const base = med(times.empty);
for (const [k, a] of Object.entries(times)) console.log(k.padEnd(30), (statSync(variants[k]).size/1024).toFixed(0)+'KB', med(a).toFixed(1), (med(a)/base).toFixed(2));
