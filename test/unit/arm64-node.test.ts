import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onPath, provideArm64Node, QEMU_PACKAGE, SYSROOT_PACKAGES } from '../support/arm64-node';

/**
 * How the arm64 run (test/platform/arm64.test.ts) gets its Node, emulator and libraries, in the
 * cases that machine does not show: a machine that can fetch none of them fails with what to
 * install, and nothing is ever skipped.
 */
const dir = mkdtempSync(join(tmpdir(), 'imager-arm64-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function executable(folder: string, name: string): string {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, 0o755);
  return path;
}

describe('providing Node 24 for linux-arm64', () => {
  it('finds programs on a PATH-style list, executable files only', () => {
    const bin = join(dir, 'bin');
    const found = executable(bin, 'qemu-aarch64-static');
    writeFileSync(join(bin, 'apt-get'), 'not executable');
    mkdirSync(join(bin, 'dpkg-deb'));
    expect(onPath('qemu-aarch64-static', `/nonexistent:${bin}`)).toBe(found);
    expect(onPath('apt-get', bin)).toBeUndefined();
    expect(onPath('dpkg-deb', bin)).toBeUndefined();
  });

  it('fails naming the packages to install when there is no emulator and no apt-get or dpkg-deb to fetch one', async () => {
    const empty = join(dir, 'empty-path');
    mkdirSync(empty);
    const attempt = provideArm64Node({ path: empty, cacheDir: join(dir, 'cache-a'), platform: 'linux', arch: 'x64', systemSysroot: join(dir, 'none') });
    const error = await attempt.then(() => undefined, (e: Error) => e);
    expect(error?.message).toContain(`needs ${QEMU_PACKAGE} (not installed here), and this machine has no apt-get, dpkg-deb, tar to fetch them`);
    expect(error?.message).toContain(`sudo apt-get install -y ${QEMU_PACKAGE} ${SYSROOT_PACKAGES.join(' ')}`);
  });

  it('with a system emulator but no arm64 libraries and nothing to fetch them, names the libraries', async () => {
    const bin = join(dir, 'qemu-only');
    executable(bin, 'qemu-aarch64-static');
    const attempt = provideArm64Node({ path: bin, cacheDir: join(dir, 'cache-b'), platform: 'linux', arch: 'x64', systemSysroot: join(dir, 'none') });
    await expect(attempt).rejects.toThrow(/needs libc6-arm64-cross, libgcc-s1-arm64-cross, libstdc\+\+6-arm64-cross \(not installed here\), and this machine has no apt-get, dpkg-deb/);
  });

  it('updates package lists of its own when the system has none, and reports an apt-get that cannot download even so', async () => {
    const bin = join(dir, 'failing-apt');
    mkdirSync(bin, { recursive: true });
    // Records each call; `update` works, `download` never finds the package.
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$*" >> "${join(dir, 'apt-calls')}"\ncase "$*" in *update*) exit 0;; esac\necho "E: Unable to locate package qemu-user-static" >&2\nexit 100\n`);
    chmodSync(join(bin, 'apt-get'), 0o755);
    executable(bin, 'dpkg-deb');
    executable(bin, 'tar');
    const attempt = provideArm64Node({ path: bin, cacheDir: join(dir, 'cache-c'), platform: 'linux', arch: 'x64', systemSysroot: join(dir, 'none') });
    await expect(attempt).rejects.toThrow(/apt-get could not download qemu-user-static, with the system's package lists nor with lists of its own[\s\S]*Unable to locate package/);
    const lists = join(dir, 'cache-c', 'apt', 'lists');
    expect(readFileSync(join(dir, 'apt-calls'), 'utf8').trim().split('\n')).toEqual([
      'download qemu-user-static',
      `-o Dir::State::Lists=${lists} -o Dir::Cache=${join(dir, 'cache-c', 'apt', 'cache')} update`,
      `-o Dir::State::Lists=${lists} -o Dir::Cache=${join(dir, 'cache-c', 'apt', 'cache')} download qemu-user-static`,
    ]);
  });

  it('refuses a machine that is not Linux, saying what it needs instead of skipping', async () => {
    await expect(provideArm64Node({ platform: 'darwin', arch: 'arm64', cacheDir: join(dir, 'cache-d') })).rejects.toThrow(/needs a Linux machine \(this one is darwin\/arm64\)/);
  });
});
