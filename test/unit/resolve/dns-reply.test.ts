import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { encodeDnsQuery, tcpFrame } from '../../../src/resolve/dns/message.js';
import { judgeReply, ttlSeconds, type DnsReply } from '../../../src/resolve/dns/reply.js';
import { HiperError } from '../../../src/shared/index.js';
import { fromRcode } from '../../../src/resolve/errors.js';

const query = encodeDnsQuery('www.hiper.test', 'A', 0x1234);
const q = dnsPacket.decode(query.wire);

function reply(over: Partial<dnsPacket.Packet> = {}, rcode = 0): Buffer {
  return dnsPacket.encode({ type: 'response', id: 0x1234, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions!, ...over });
}
const a = (name: string, data: string, ttl = 60): dnsPacket.Answer => ({ name, type: 'A', class: 'IN', ttl, data });
const cname = (name: string, data: string, ttl = 60): dnsPacket.Answer => ({ name, type: 'CNAME', class: 'IN', ttl, data });

describe('resolve: DNS replies judged from their bytes', function () {
  it('a query: random 16-bit IDs, RD set, one IN question; a TCP frame is the length and the message', () => {
    assert.equal(q.id, 0x1234);
    assert.equal(q.flags! & dnsPacket.RECURSION_DESIRED, dnsPacket.RECURSION_DESIRED);
    assert.deepEqual(q.questions, [{ name: 'www.hiper.test', type: 'A', class: 'IN' }]);
    const ids = new Set(Array.from({ length: 64 }, () => encodeDnsQuery('x.test', 'A').id));
    assert.ok(ids.size > 32, `${ids.size} distinct IDs of 64`);
    for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id <= 0xffff);
    const framed = tcpFrame(query.wire);
    assert.equal(framed.readUInt16BE(0), query.wire.length);
    assert.deepEqual(framed.subarray(2), query.wire);
  });

  const top = 0x8000_0000;
  const cases: Array<[string, Buffer, DnsReply]> = [
    ['an answer with its TTL', reply({ answers: [a('www.hiper.test', '192.0.2.1', 300)] }), { kind: 'answer', answers: [{ address: '192.0.2.1', ttl: 300 }] }],
    ['a TTL with the top bit set is 0 (RFC 2181 §8)', reply({ answers: [a('www.hiper.test', '192.0.2.1', top + 5)] }), { kind: 'answer', answers: [{ address: '192.0.2.1', ttl: 0 }] }],
    ['a CNAME chain: the smallest TTL along it', reply({ answers: [cname('www.hiper.test', 'b.hiper.test', 20), cname('b.hiper.test', 'c.hiper.test', 90), a('c.hiper.test', '192.0.2.3', 70)] }),
      { kind: 'answer', answers: [{ address: '192.0.2.3', ttl: 20 }] }],
    ['a CNAME with the top bit set makes the chain TTL 0', reply({ answers: [cname('www.hiper.test', 'b.hiper.test', top), a('b.hiper.test', '192.0.2.3', 70)] }),
      { kind: 'answer', answers: [{ address: '192.0.2.3', ttl: 0 }] }],
    ['records of other names are not taken', reply({ answers: [a('other.hiper.test', '192.0.2.9')] }), { kind: 'answer', answers: [] }],
    ['NODATA: no records', reply(), { kind: 'answer', answers: [] }],
    ['NXDOMAIN', reply({}, 3), { kind: 'rcode', rcode: 'NXDOMAIN' }],
    ['SERVFAIL without a question', reply({ questions: [] }, 2), { kind: 'rcode', rcode: 'SERVFAIL' }],
    ['REFUSED', reply({}, 5), { kind: 'rcode', rcode: 'REFUSED' }],
    ['TC set', reply({ flags: dnsPacket.TRUNCATED_RESPONSE }), { kind: 'truncated' }],
    ['another ID', reply({ id: 0x1235 }), { kind: 'ignore', why: 'ID 4661, not 4660' }],
    ['a query, not a response', dnsPacket.encode({ type: 'query', id: 0x1234, questions: q.questions! }), { kind: 'ignore', why: 'the QR bit is not set (a query, not a response)' }],
    ['another question', reply({ questions: [{ name: 'evil.test', type: 'A', class: 'IN' }] }), { kind: 'ignore', why: 'it answers evil.test A IN' }],
    ['another type', reply({ questions: [{ name: 'www.hiper.test', type: 'AAAA', class: 'IN' }] }), { kind: 'ignore', why: 'it answers www.hiper.test AAAA IN' }],
    ['an answer without its question', reply({ questions: [] }), { kind: 'ignore', why: '0 questions instead of 1' }],
    ['shorter than a header', Buffer.from([0x12, 0x34, 0x81]), { kind: 'malformed', why: '3 bytes, shorter than a DNS header' }],
    ['trailing bytes', Buffer.concat([reply(), Buffer.from([0, 0])]), { kind: 'malformed', why: '2 bytes follow the message' }],
    ['a CNAME loop', reply({ answers: [cname('www.hiper.test', 'b.hiper.test'), cname('b.hiper.test', 'www.hiper.test')] }), { kind: 'malformed', reason: 'cname-loop', why: 'the CNAME chain loops at www.hiper.test' }],
  ];
  for (const [what, body, expected] of cases) {
    it(what, () => assert.deepEqual(judgeReply(body, query), expected));
  }

  it('a header that promises more than it holds is malformed', () => {
    const cut = reply({ answers: [a('www.hiper.test', '192.0.2.1')] });
    const r = judgeReply(cut.subarray(0, cut.length - 3), query);
    assert.equal(r.kind, 'malformed');
  });

  it('a CNAME chain longer than 16 is malformed', () => {
    const answers = Array.from({ length: 18 }, (_, i) => cname(i === 0 ? 'www.hiper.test' : `c${i}.hiper.test`, `c${i + 1}.hiper.test`));
    assert.deepEqual(judgeReply(reply({ answers }), query), { kind: 'malformed', reason: 'cname-chain', why: 'the CNAME chain is longer than 16' });
  });

  it('TTLs: undefined and the top bit are 0, others kept', () => {
    assert.deepEqual([ttlSeconds(undefined), ttlSeconds(0x7fff_ffff), ttlSeconds(0x8000_0000), ttlSeconds(0xffff_ffff)], [0, 0x7fff_ffff, 0, 0]);
  });

  it('RCODEs map to the error vocabulary', () => {
    const codes = ['NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR'].map((r) => fromRcode(r, 'x.test', 4, 'dns'));
    assert.ok(codes.every((e) => e instanceof HiperError));
    assert.deepEqual(codes.map((e) => e.code), ['ERR_DNS_NOT_FOUND', 'ERR_DNS_SERVFAIL', 'ERR_DNS_REFUSED', 'ERR_DNS_FAILED']);
    assert.match(codes[0]!.message, /x\.test does not exist \(NXDOMAIN\)/);
    assert.match(codes[3]!.message, /answered FORMERR/);
  });
});
