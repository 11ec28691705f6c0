import { build } from 'esbuild';
const r = await build({ entryPoints: ['functions/authorizer.ts'], bundle: true, format: 'esm', platform: 'node', target: 'node22', minify: true, mainFields: ['module','main'], write: false, metafile: true, outfile: '/tmp/a.mjs',
  alias: { '@aws-sdk/credential-provider-node': '/work/main/functions/runtime/lambda-credentials.ts' }, logLevel: 'error' });
const out = Object.values(r.metafile.outputs)[0];
const byPkg = {};
for (const [f, v] of Object.entries(out.inputs)) { const m = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/dist-es\/(submodules\/[^/]+)?)?/.exec(f); const k = m ? m[1] + (m[3] ? '/' + m[3] : '') : f; byPkg[k] = (byPkg[k]||0) + v.bytesInOutput; }
console.log(Object.entries(byPkg).sort((a,b)=>b[1]-a[1]).slice(0,25).map(([k,v])=>`${(v/1024).toFixed(1)}KB ${k}`).join('\n'));
