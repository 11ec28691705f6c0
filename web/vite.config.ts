import { defineConfig } from 'vite';

// The console is a plain TypeScript single-page app; Vite bundles it into dist/ (served at `/`
// by the local gateway, and from the CDN on AWS). config.json is provided by the server.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', target: 'es2022', sourcemap: true, assetsInlineLimit: 0 },
});
