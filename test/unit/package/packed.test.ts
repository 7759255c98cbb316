/**
 * The package as users install it: packed, installed with --ignore-scripts into a CommonJS project
 * (nothing compiled there), then required, imported, type-checked and run as `npx hiper`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasProgram, needs } from '../../helpers/needs.js';
import { packedInstall, REPO, type PackedInstall } from '../../helpers/packed.js';

/** ELF e_machine of a shared object: 62 x86-64, 183 AArch64. */
function elfMachine(path: string): number {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(20);
  readSync(fd, head, 0, 20, 0);
  closeSync(fd);
  assert.equal(head.subarray(0, 4).toString('latin1'), '\x7fELF', `${path} is not an ELF file`);
  return head.readUInt16LE(18);
}

function node(project: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

// Run from the consumer project: a plain net server on loopback, and a connect pinned to lo through hiper.
const CJS_CONSUMER = `
const net = require('node:net');
const hiper = require('hiper');
const server = net.createServer((s) => s.end()).listen(0, '127.0.0.1', async () => {
  const { socket, trace } = await hiper.connect({ host: '127.0.0.1', port: server.address().port, interface: 'if!lo' });
  socket.destroy();
  server.close();
  console.log(JSON.stringify({ binding: hiper.deviceBinding(), bindMethod: trace.bindMethod, exports: Object.keys(hiper).length }));
});
`;

describe('the packed package, installed with --ignore-scripts into a CommonJS project', function () {
  this.timeout(240_000);
  let p: PackedInstall;
  before(function () {
    needs(this, process.platform === 'linux' && process.arch === 'x64', `the prebuild checks are for linux-x64 (this is ${process.platform}-${process.arch})`);
    p = packedInstall();
  });

  it('ships a Node-API prebuild for linux-x64, and compiles nothing at install', () => {
    assert.ok(p.files.includes('prebuilds/linux-x64/hiper.glibc.node'), p.files.filter((f) => f.startsWith('prebuilds')).join(', '));
    const installed = join(p.project, 'node_modules/hiper');
    assert.equal(elfMachine(join(installed, 'prebuilds/linux-x64/hiper.glibc.node')), 62);
    assert.equal(existsSync(join(installed, 'build')), false, 'a build/ folder means something was compiled at install');
  });

  it('ships a linux-arm64 prebuild made with the cross compiler', function () {
    needs(this, hasProgram('aarch64-linux-gnu-gcc'), 'no cross compiler (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)');
    assert.ok(p.files.includes('prebuilds/linux-arm64/hiper.glibc.node'), p.packLog);
    assert.equal(elfMachine(join(p.project, 'node_modules/hiper/prebuilds/linux-arm64/hiper.glibc.node')), 183);
  });

  it("require('hiper') works, loads the prebuilt addon and binds a socket to a device", () => {
    writeFileSync(join(p.project, 'consumer.cjs'), CJS_CONSUMER);
    const r = node(p.project, ['consumer.cjs']);
    assert.equal(r.status, 0, r.err);
    assert.doesNotMatch(r.err, /ExperimentalWarning/);
    const got = JSON.parse(r.out) as { binding: { available: boolean; addon: string; path: string }; bindMethod: string; exports: number };
    assert.equal(got.binding.available, true, JSON.stringify(got.binding));
    assert.equal(got.binding.addon, 'prebuilt');
    assert.equal(got.binding.path, join(p.project, 'node_modules/hiper/prebuilds/linux-x64/hiper.glibc.node'));
    assert.equal(got.bindMethod, 'device');
    assert.ok(got.exports > 50, `only ${got.exports} exports`);
  });

  it('import works from an ES module of the same project, with the same exports', () => {
    writeFileSync(join(p.project, 'consumer.mjs'), "import * as hiper from 'hiper'; import { createRequire } from 'node:module';\n" +
      "const cjs = createRequire(import.meta.url)('hiper');\nconsole.log(JSON.stringify([Object.keys(hiper).length, hiper.Multi === cjs.Multi]));\n");
    const r = node(p.project, ['consumer.mjs']);
    assert.equal(r.status, 0, r.err);
    const [count, same] = JSON.parse(r.out) as [number, boolean];
    assert.ok(count > 50);
    assert.equal(same, true, 'require and import must give the same classes (one copy, no dual package)');
  });

  it('the type declarations serve CommonJS (.cts) and ESM (.mts) consumers', () => {
    writeFileSync(join(p.project, 'check.cts'), [
      "import hiper = require('hiper');",
      "import { Multi, type DeviceBindingStatus } from 'hiper';",
      'const status: DeviceBindingStatus = hiper.deviceBinding();',
      "const addon: 'prebuilt' | 'built' | 'absent' = status.addon;",
      'void new Multi({ pipelining: true }).close();',
      'export { addon };',
    ].join('\n'));
    writeFileSync(join(p.project, 'check.mts'), "import { Multi, deviceBinding } from 'hiper';\nconst on: boolean = deviceBinding().available;\nvoid new Multi().close();\nexport { on };\n");
    const tsc = join(REPO, 'node_modules/.bin/tsc');
    const r = spawnSync(tsc, ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--strict', '--noEmit', '--types', 'node',
      '--typeRoots', join(REPO, 'node_modules/@types'), 'check.cts', 'check.mts'], { cwd: p.project, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('npx hiper --version names hiper, Node.js and the prebuilt addon', () => {
    const r = spawnSync('npx', ['--no-install', 'hiper', '--version'], { cwd: p.project, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const [first, second] = r.stdout.trim().split('\n');
    assert.match(first!, new RegExp(`^hiper \\d+\\.\\d+\\.\\d+ \\(Node\\.js ${process.version.replace(/\./g, '\\.')}, linux x64\\)$`));
    assert.match(second!, /^device binding: available \(SO_BINDTODEVICE\), prebuilt addon .*node_modules\/hiper\/prebuilds\/linux-x64\/hiper\.glibc\.node$/);
  });

  it('without device binding, hiper --version says so and why', () => {
    const r = node(p.project, ['node_modules/hiper/dist/cli/main.js', '-V'], { HIPER_DEVICE_BINDING: 'off' });
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /^device binding: unavailable, address binding only \(turned off by HIPER_DEVICE_BINDING=off\)$/m);
  });
});
