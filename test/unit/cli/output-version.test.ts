/** hiper --version / -V in curl's shape, from the real command. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runCli } from '../../helpers/cli.js';
import { hasProgram, needs } from '../../helpers/needs.js';
import { features } from '../../../src/cli/version.js';

const NODE = process.version.replace(/\./g, '\\.');

describe('hiper --version', () => {
  const cases: Array<{ flag: string; env?: NodeJS.ProcessEnv; binding: RegExp; device: boolean }> = [
    { flag: '--version', binding: /^device binding: (available \(SO_BINDTODEVICE\), \S+ addon \S+|unavailable, address binding only \(.+\))$/, device: true },
    { flag: '-V', env: { HIPER_DEVICE_BINDING: 'off' }, binding: /^device binding: unavailable, address binding only \(turned off by HIPER_DEVICE_BINDING=off\)$/, device: false },
  ];
  for (const c of cases) {
    it(`${c.flag}${c.env ? ' without device binding' : ''}: version, Node.js, binding, interface table, Protocols, Features`, async () => {
      const r = await runCli([c.flag], c.env ? { env: c.env } : {});
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      const lines = r.out.split('\n');
      assert.equal(lines.length, 6, r.out);
      assert.match(lines[0]!, new RegExp(`^hiper \\d+\\.\\d+\\.\\d+\\S* \\(Node\\.js ${NODE}, linux ${process.arch}\\)$`));
      assert.match(lines[1]!, c.binding);
      assert.match(lines[2]!, /^interface table: (kernel \(rtnetlink\)|os\.networkInterfaces\(\), no link states \(.+\))$/);
      assert.equal(lines[3], 'Protocols: http https');
      const words = lines[4]!.replace(/^Features: /, '').split(' ');
      for (const w of ['AsynchDNS', 'DoH', 'happy-eyeballs', 'HTTP1.1-pipelining', 'HTTP2', 'IPv6', 'libz', 'brotli']) assert.ok(words.includes(w), `${w} in ${lines[4]}`);
      const available = /available \(SO_BINDTODEVICE\)/.test(lines[1]!);
      assert.equal(words.includes('device-binding'), available, 'device-binding listed exactly when available');
      if (!c.device) assert.ok(!words.includes('device-binding'));
      assert.deepEqual(words, [...words].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())), 'sorted as curl sorts them');
      assert.equal(lines[5], '');
    });
  }

  it('the interface table line says rtnetlink exactly when `hiper ifaces --json` says netlink', async () => {
    const [v, i] = await Promise.all([runCli(['-V']), runCli(['ifaces', '--json'])]);
    const source = (JSON.parse(i.out) as { tableSource: string }).tableSource;
    assert.equal(/interface table: kernel \(rtnetlink\)/.test(v.out), source === 'netlink', `${v.out}\n${source}`);
  });

  it('zstd is a feature exactly when node:zlib has it', () => {
    assert.ok(features({ available: false, reason: 'x' } as never, { createBrotliDecompress: 1, createZstdDecompress: 1 }).includes('zstd'));
    assert.ok(!features({ available: false, reason: 'x' } as never, { createBrotliDecompress: 1 }).includes('zstd'));
  });

  it('the Protocols and Features lines have the shape of curl\'s own -V', async function () {
    needs(this, hasProgram('curl'), 'curl is not installed (apt-get install curl)');
    const curl = spawnSync('curl', ['-V'], { encoding: 'utf8' });
    const hiper = await runCli(['-V']);
    const shape = (text: string): string[] => text.split('\n').filter((l) => /^(Protocols|Features): /.test(l)).map((l) => l.replace(/: .*/, ': words'));
    assert.deepEqual(shape(hiper.out), shape(curl.stdout));
    for (const line of hiper.out.split('\n').filter((l) => /^(Protocols|Features): /.test(l))) assert.match(line, /^\w+: [\w.-]+( [\w.-]+)*$/, 'space-separated words, as curl');
  });
});
