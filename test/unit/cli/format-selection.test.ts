/**
 * The text trace of address selection: an attempt says which RFC 6724 section 5 rule chose its local
 * address, and link-local addresses carry their zone as the interface's name.
 */
import assert from 'node:assert/strict';
import { addressLine, attemptLine } from '../../../src/cli/format.js';
import type { Attempt } from '../../../src/connect/index.js';
import type { SourceRule } from '../../../src/bind/index.js';

const attempt = (extra: Partial<Attempt>): Attempt => ({
  remote: { address: '2001:db8:5::1', port: 8080, family: 6 }, method: 'device', interface: 's1',
  startedAt: 1, durationMs: 2, outcome: 'connected', local: { address: '2001:db8:5::9', port: 40000 }, ...extra,
});

describe('format: address selection in the text trace', () => {
  const rules: Array<[SourceRule | undefined, RegExp | undefined]> = [
    ['public', /from \[2001:db8:5::9\]:40000 \(source by rule: public\) via s1/],
    ['temporary', /\(source by rule: temporary\)/],
    ['not-deprecated', /\(source by rule: not-deprecated\)/],
    ['longest-prefix', /\(source by rule: longest-prefix\)/],
    // Nothing to choose between: nothing to say.
    ['only', undefined],
    [undefined, undefined],
  ];
  for (const [rule, shown] of rules) {
    it(`sourceRule ${rule ?? 'absent'}`, () => {
      const line = attemptLine(attempt(rule === undefined ? {} : { sourceRule: rule }));
      if (shown) assert.match(line, shown);
      else assert.doesNotMatch(line, /source by rule/);
    });
  }

  it('a link-local remote shows its zone by name (lo is index 1), an unknown index by number', () => {
    assert.match(attemptLine(attempt({ remote: { address: 'fe80::1', port: 80, family: 6, scopeId: 1 } })), /attempt {2}\[fe80::1%lo\]:80 /);
    assert.match(addressLine({ address: 'fe80::1', family: 6, scopeId: 1, source: 'literal' }, 0), /^ {3}1\. fe80::1%lo +IPv6/);
    assert.match(addressLine({ address: 'fe80::1', family: 6, scopeId: 99999, source: 'literal' }, 0), /^ {3}1\. fe80::1%99999 +IPv6/);
    assert.match(addressLine({ address: '2001:db8::1', family: 6, source: 'dns' }, 0), /^ {3}1\. 2001:db8::1 +IPv6/);
  });
});
