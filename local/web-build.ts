import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The web console's sources and its built files (served at `/` by the local gateway). */
export const CONSOLE_ROOT = fileURLToPath(new URL('../web', import.meta.url));
export const CONSOLE_DIST = join(CONSOLE_ROOT, 'dist');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** The console calls the API through the typed client, so client/ is among its sources. */
const CLIENT_ROOT = fileURLToPath(new URL('../client', import.meta.url));

/** True when there is no build, or a source file changed after the last one. */
export function consoleBuildIsStale(): boolean {
  const built = join(CONSOLE_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const sources = [...['index.html', 'src', 'vite.config.ts'].map((name) => join(CONSOLE_ROOT, name)), CLIENT_ROOT].filter((path) => existsSync(path));
  return Math.max(...sources.map(newestMtime)) > statSync(built).mtimeMs;
}

/** Builds the console with Vite (its own config in web/), into web/dist. */
export async function buildConsole(outDir = CONSOLE_DIST): Promise<void> {
  const { build } = await import('vite');
  await build({ root: CONSOLE_ROOT, configFile: join(CONSOLE_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

/** `npm start`: a build when there is none or the sources are newer, so one command is enough. */
export async function ensureConsoleBuilt(): Promise<void> {
  if (consoleBuildIsStale()) await buildConsole();
}
