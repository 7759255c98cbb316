import assert from 'node:assert/strict';
import { interfaceTable, enrichInterfaces, InterfaceTable } from '../../../src/bind/index.js';
import { ERROR_CODES, HiperError } from '../../../src/shared/index.js';
import { fakeTable } from '../../helpers/fake-table.js';

describe('interface table', () => {
  it('reads this host, loopback included, with indexes', () => {
    const table = interfaceTable({ refresh: true });
    const lo = table.get('lo');
    assert.ok(lo, 'lo is listed');
    assert.equal(lo.internal, true);
    assert.equal(typeof lo.index, 'number');
    assert.equal(table.byIndex(lo.index!)?.name, 'lo');
    assert.ok(lo.addresses.some((a) => a.address === '127.0.0.1' && a.scope === 'loopback'));
  });

  it('lists interfaces without addresses and maps names to indexes', () => {
    const table = fakeTable();
    assert.deepEqual(table.names(), ['lo', 'h1', 'h2', 'down0']);
    assert.deepEqual(table.get('down0')?.addresses, []);
    assert.equal(table.indexOf('h2'), 3);
    assert.equal(table.byIndex(2)?.name, 'h1');
    assert.equal(table.owning('203.0.113.2')?.name, 'h2');
    assert.equal(table.get('h1')?.addresses.find((a) => a.address === 'fe80::1:2')?.scope, 'link-local');
  });

  // Each way of looking into a deferred table reads it, once.
  const lookups: Array<[string, (t: InterfaceTable) => unknown, unknown]> = [
    ['interfaces', (t) => t.interfaces.length, 4],
    ['source', (t) => t.source, 'os'],
    ['fallbackReason', (t) => t.fallbackReason, undefined],
    ['get', (t) => t.get('h1')?.index, 2],
    ['byIndex', (t) => t.byIndex(3)?.name, 'h2'],
    ['names', (t) => t.names().length, 4],
    ['indexOf', (t) => t.indexOf('down0'), 4],
    ['owning', (t) => t.owning('198.51.100.2')?.name, 'h1'],
  ];
  for (const [name, look, want] of lookups) {
    it(`a deferred table is read at its first use (${name}), once`, () => {
      let reads = 0;
      const t = InterfaceTable.deferred(() => (reads++, fakeTable()));
      assert.equal(reads, 0);
      assert.equal(t.isRead, false);
      assert.equal(look(t), want);
      assert.equal(look(t), want);
      assert.equal(reads, 1);
      assert.equal(t.isRead, true);
    });
  }

  it('enriches with operstate and type, lazily', async () => {
    const enriched = await enrichInterfaces(interfaceTable());
    const lo = enriched.find((i) => i.name === 'lo');
    assert.ok(lo && typeof lo.mtu === 'number' && lo.mtu > 0);
  });
});

describe('error family', () => {
  it('documents every code once with its curl equivalent and exit code', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^ERR_[A-Z0-9_]+$/);
      assert.match(info.curl, /^CURLE_/);
      assert.ok(info.exit > 0 && info.meaning.length > 0);
    }
  });

  it('carries code, input, cause and exit code', () => {
    const cause = new Error('boom');
    const err = new HiperError('ERR_TIMEOUT', 'too slow', { input: 'host', cause, details: { ms: 5 } });
    assert.equal(err.code, 'ERR_TIMEOUT');
    assert.equal(err.input, 'host');
    assert.equal(err.cause, cause);
    assert.equal(err.exitCode, 28);
    assert.deepEqual(err.details, { ms: 5 });
    assert.ok(err instanceof Error);
  });
});
