import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addonCandidates, loadAddon, packageRoot, prebuildFor, BUILT_ADDON } from '../../../src/bind/addon.js';

/** A package root with the given files (empty), as a folder under tmp. */
function root(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'hiper-addon-'));
  writeFileSync(join(dir, 'binding.gyp'), '{}');
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  return dir;
}

const here = `${process.platform}-${process.arch}`;
const other = process.arch === 'arm64' ? `${process.platform}-x64` : `${process.platform}-arm64`;

describe('addon: which device-binding addon is loaded', () => {
  const made: string[] = [];
  const at = (files: string[]): string => {
    const dir = root(files);
    made.push(dir);
    return dir;
  };
  after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const cases: Array<{ name: string; files: string[]; want: Array<[string, string]> }> = [
    { name: 'a prebuild and a local build: the prebuild first', files: [`prebuilds/${here}/hiper.glibc.node`, BUILT_ADDON], want: [['prebuilt', `prebuilds/${here}/hiper.glibc.node`], ['built', BUILT_ADDON]] },
    { name: 'only a local build', files: [BUILT_ADDON], want: [['built', BUILT_ADDON]] },
    { name: 'a prebuild for another architecture only', files: [`prebuilds/${other}/hiper.glibc.node`], want: [] },
    { name: 'a musl prebuild beside the glibc one: glibc on this system', files: [`prebuilds/${here}/hiper.musl.node`, `prebuilds/${here}/hiper.glibc.node`], want: [['prebuilt', `prebuilds/${here}/hiper.glibc.node`]] },
    { name: 'nothing', files: [], want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dir = at(c.files);
      assert.deepEqual(addonCandidates(dir).map((x) => [x.source, x.path]), c.want.map(([s, p]) => [s, join(dir, p)]));
    });
  }

  it('a prebuild that does not load gives way to the local build, and the failure is kept', () => {
    const dir = at([`prebuilds/${here}/hiper.glibc.node`, BUILT_ADDON]);
    const r = loadAddon<string>(addonCandidates(dir), (path) => {
      if (path.includes('prebuilds')) throw new Error('libc.so.6: version `GLIBC_9.99` not found');
      return 'the built one';
    });
    assert.deepEqual(r, { addon: 'the built one', source: 'built', path: join(dir, BUILT_ADDON) });
  });

  it('when nothing loads, the reason names each candidate and its failure', () => {
    const dir = at([`prebuilds/${here}/hiper.glibc.node`, BUILT_ADDON]);
    const r = loadAddon(addonCandidates(dir), () => {
      throw new Error('invalid ELF header');
    });
    assert.equal(r.addon, undefined);
    assert.match('reason' in r ? r.reason : '', /^the prebuilt addon .*hiper\.glibc\.node did not load: invalid ELF header; the built addon .*hiper_bind\.node did not load: invalid ELF header$/);
  });

  it('with no candidate at all, the reason says there is no prebuild and no build', () => {
    const r = loadAddon([]);
    assert.match('reason' in r ? r.reason : '', /no prebuilt addon for this platform and the native addon was not built/);
  });

  it('prebuildFor follows the platform and architecture asked for', () => {
    const dir = at([`prebuilds/linux-arm64/hiper.glibc.node`, `prebuilds/linux-x64/hiper.glibc.node`]);
    assert.equal(prebuildFor(dir, 'linux', 'arm64'), join(dir, 'prebuilds/linux-arm64/hiper.glibc.node'));
    assert.equal(prebuildFor(dir, 'linux', 'x64'), join(dir, 'prebuilds/linux-x64/hiper.glibc.node'));
    assert.equal(prebuildFor(dir, 'darwin', 'arm64'), undefined);
  });

  it('packageRoot finds the folder holding binding.gyp above a module', () => {
    const dir = at(['dist/bind/device.js']);
    assert.equal(packageRoot(join(dir, 'dist/bind')), dir);
  });
});
