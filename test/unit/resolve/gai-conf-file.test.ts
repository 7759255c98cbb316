/**
 * A gai.conf-format file given by name (addressSelection.gaiConf, `--gai-conf FILE`): its policy
 * table orders the answers; a file that cannot be read, or a line that cannot, is an error naming it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolve, type LowerLookup } from '../../../src/resolve/index.js';
import { HiperError, type AddressRecord } from '../../../src/shared/index.js';
import { fakeTable } from '../../helpers/fake-table.js';
import { runCli } from '../../helpers/cli.js';

const answer: LowerLookup = async () => [
  { address: '2001:db8:1::1', family: 6, source: 'dns' },
  { address: '198.51.100.1', family: 4, source: 'dns' },
] satisfies AddressRecord[];

describe('gai.conf files by name', function () {
  this.timeout(10_000);
  let dir = '';
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(() => { dir = mkdtempSync(join(tmpdir(), 'hiper-gai-unit-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, string, string[]]> = [
    ['an empty file: the default table, IPv6 first', '', ['2001:db8:1::1', '198.51.100.1']],
    ['"precedence ::ffff:0:0/96 100" puts IPv4 first', 'precedence ::ffff:0:0/96 100\n', ['198.51.100.1', '2001:db8:1::1']],
    ['comments and other keywords are left alone', '# prefer IPv4\nreload yes\nscopev4 ::ffff:169.254.0.0/112 2\nprecedence ::ffff:0:0/96 100 # here\n', ['198.51.100.1', '2001:db8:1::1']],
  ];
  for (const [title, text, expected] of cases) {
    it(title, async () => {
      const addressSelection = { gaiConf: file(`t${title.length}.conf`, text) };
      const records = await resolve('www.select.test', { lookup: answer, table: fakeTable(), cache: false, addressSelection });
      assert.deepEqual(records.map((r) => r.address), expected);
    });
  }

  const bad: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(dir, 'missing.conf'), /cannot read the gai\.conf file .*missing\.conf/],
    ['a line without its value', () => file('novalue.conf', 'precedence ::ffff:0:0/96\n'), /novalue\.conf: .*line 1: precedence ::ffff:0:0\/96/],
    ['a prefix that is not one', () => file('badprefix.conf', '\nlabel 198.51.100.0/24 3\n'), /line 2: label 198\.51\.100\.0\/24 3/],
  ];
  for (const [title, path, message] of bad) {
    it(`${title}: ERR_INVALID_ARGUMENT naming the file and line`, async () => {
      const gaiConf = path();
      await assert.rejects(resolve('www.select.test', { lookup: answer, table: fakeTable(), cache: false, addressSelection: { gaiConf } }), (e: unknown) =>
        e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT' && message.test(e.message) && e.input === gaiConf);
    });

    it(`${title}: hiper resolve --gai-conf is a usage error (exit 2), nothing asked`, async () => {
      // A DNS server that does not exist: the usage error must come before any query.
      const r = await runCli(['resolve', 'www.select.test', '--dns-servers', '127.0.0.1:9', '--gai-conf', path()]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /--gai-conf/);
      assert.match(r.err, message);
      assert.equal(r.out, '');
    });
  }

  it('policyTable and gaiConf together are refused', async () => {
    await assert.rejects(resolve('www.select.test', { lookup: answer, table: fakeTable(), cache: false, addressSelection: { gaiConf: file('x.conf', ''), policyTable: [] } }),
      (e: unknown) => e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT' && /policyTable or gaiConf, not both/.test(e.message));
  });
});
