import assert from 'node:assert/strict';
import { InterfaceTable, type InterfaceAddress, type NetworkInterface, type RouteQuery } from '../../../src/bind/index.js';
import { sourcePicker, tableSources } from '../../../src/resolve/sources.js';
import { parseGaiConf } from '../../../src/resolve/gai-conf.js';
import { classify, DEFAULT_POLICY } from '../../../src/resolve/index.js';

function address(text: string, flags: InterfaceAddress['flags'] = []): InterfaceAddress {
  const [a, len] = text.split('/');
  const family = a!.includes(':') ? 6 : 4;
  return { address: a!, family, cidr: text, netmask: '', scope: a!.startsWith('fe80') ? 'link-local' : 'global', internal: false, prefixLength: Number(len), flags };
}

function link(name: string, index: number, addresses: InterfaceAddress[], extra: Partial<NetworkInterface> = {}): NetworkInterface {
  return { name, index, internal: false, addresses, state: 'up', flags: ['up'], type: 'ether', ...extra };
}

const table = (source: 'netlink' | 'os'): InterfaceTable => new InterfaceTable([
  link('h1', 2, [address('2001:db8:1::2/64', ['deprecated']), address('2001:db8:1::3/64', ['tentative']), address('198.51.100.2/24')]),
  link('h2', 3, [address('2001:db8:2::2/64')]),
  link('tun0', 4, [address('2001:db8:4::2/64')], { type: 'sit' }),
  link('down0', 5, [address('2001:db8:5::2/64')], { state: 'down', flags: [] }),
], { source });

describe('resolve: the source of each destination', function () {
  it('the table gives what can be a source, with flags, prefix, interface and tunnel', () => {
    const list = tableSources(table('os'));
    assert.deepEqual(list.map((s) => s.address), ['2001:db8:1::2', '198.51.100.2', '2001:db8:2::2', '2001:db8:4::2'], 'tentative and down-link addresses are left out');
    assert.deepEqual(list[0], { address: '2001:db8:1::2', family: 6, interfaceIndex: 2, scopeId: 2, prefixLength: 64, flags: ['deprecated'] });
    assert.equal(list[3]!.encapsulated, true);
  });

  it('with netlink: the kernel\'s source and link, with the table\'s flags; no route is no source', () => {
    const asked: RouteQuery[] = [];
    const pick = sourcePicker(table('netlink'), {
      route: (q) => {
        asked.push(q);
        if (q.to === '2001:db8:9::1') return { reason: 'route lookup to 2001:db8:9::1 failed: ENETUNREACH' };
        return q.family === 4 ? { oif: 2, prefsrc: '198.51.100.2' } : { oif: 2, prefsrc: '2001:db8:1::2' };
      },
    });
    assert.deepEqual(pick({ address: '2001:db8:7::1', family: 6 })?.flags, ['deprecated']);
    assert.equal(pick({ address: '198.51.100.9', family: 4 })?.address, '198.51.100.2');
    assert.equal(pick({ address: '2001:db8:9::1', family: 6 }), undefined);
    assert.deepEqual(asked.map((q) => q.to), ['2001:db8:7::1', '198.51.100.9', '2001:db8:9::1']);
  });

  it('without netlink: section 5 over the table (the deprecated address loses)', () => {
    const pick = sourcePicker(table('os'));
    assert.equal(pick({ address: '2001:db8:1::1', family: 6 })?.address, '2001:db8:2::2');
  });
});

describe('resolve: /etc/gai.conf policy', function () {
  it('precedence lines replace the precedence table, label lines the label table; the rest stays default', () => {
    const { policy, problems } = parseGaiConf([
      '# prefer IPv4',
      'precedence ::ffff:0:0/96  100',
      'precedence ::/0 40  # the rest',
      'reload yes',
      'scopev4 ::ffff:169.254.0.0/112 2',
      'label 2001:db8:2::/48 7',
      'label nonsense',
    ].join('\n'));
    assert.deepEqual(problems, ['line 7: label nonsense']);
    assert.equal(classify('198.51.100.1', policy)!.precedence, 100);
    assert.equal(classify('2001:db8:1::1', policy)!.precedence, 40);
    assert.equal(classify('2002::1', policy)!.precedence, 40, 'the default 2002::/16 row is gone with the precedence table');
    assert.equal(classify('2001:db8:2::1', policy)!.label, 7);
    assert.equal(classify('2001:db8:1::1', policy)!.label, 1, 'no row: what ::/0 gives by default');
  });

  it('a file with neither keeps the default table', () => {
    assert.deepEqual(parseGaiConf('# nothing\nreload no\n').policy, DEFAULT_POLICY);
  });
});
