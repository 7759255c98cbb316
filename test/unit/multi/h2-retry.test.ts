/**
 * An HTTP/2 server that turns a stream away before any response header: REFUSED_STREAM (twice, so past
 * the one resend on the same session) or ENHANCE_YOUR_CALM. An idempotent request is sent once more on a
 * new connection; a POST refused goes again too (the server did not process it, RFC 9113 §8.7), while a
 * POST told to calm down ends with ERR_HTTP2 naming the code.
 */
import assert from 'node:assert/strict';
import http2, { constants } from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Multi } from '../../../src/multi/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';

const CASES: Array<{ why: string; method: string; code: number; resets: number; outcome: 'ok' | string }> = [
  { why: 'GET, ENHANCE_YOUR_CALM once: sent again on a new connection', method: 'GET', code: constants.NGHTTP2_ENHANCE_YOUR_CALM, resets: 1, outcome: 'ok' },
  { why: 'GET, ENHANCE_YOUR_CALM on every connection: ERR_HTTP2 after the second try', method: 'GET', code: constants.NGHTTP2_ENHANCE_YOUR_CALM, resets: 9, outcome: 'ENHANCE_YOUR_CALM' },
  { why: 'POST, ENHANCE_YOUR_CALM: not sent again, ERR_HTTP2', method: 'POST', code: constants.NGHTTP2_ENHANCE_YOUR_CALM, resets: 1, outcome: 'ENHANCE_YOUR_CALM' },
  { why: 'GET, REFUSED_STREAM twice on its session: sent again on a new connection', method: 'GET', code: constants.NGHTTP2_REFUSED_STREAM, resets: 2, outcome: 'ok' },
  { why: 'POST, REFUSED_STREAM twice: not processed, so sent again too', method: 'POST', code: constants.NGHTTP2_REFUSED_STREAM, resets: 2, outcome: 'ok' },
];

describe('HTTP/2 streams turned away before any answer are sent again where the rules allow', () => {
  let cert: TestCert;
  before(() => (cert = makeCert()));
  after(() => cert.cleanup());

  for (const c of CASES) {
    it(c.why, async () => {
      let streams = 0;
      const sessions = new Set<http2.ServerHttp2Session>();
      const server = http2.createSecureServer({ key: cert.key, cert: cert.cert });
      server.on('session', (s) => sessions.add(s));
      server.on('stream', (stream) => {
        stream.on('error', () => {});
        if (streams++ < c.resets) stream.close(c.code);
        else stream.respond({ ':status': 200 }), stream.end('ok');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const multi = new Multi({ tls: { ca: cert.cert } });
      try {
        const t = multi.add({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, method: c.method, ...(c.method === 'POST' ? { body: 'x' } : {}) });
        if (c.outcome === 'ok') {
          const r = await t.done;
          assert.equal(r.body.toString(), 'ok');
          assert.equal(r.info.tries, 2);
          assert.equal(r.info.connectionId, 2, 'on a new connection');
        } else {
          await assert.rejects(t.done, (err: unknown) => err instanceof HiperError && err.code === 'ERR_HTTP2' && err.details.h2Code === c.outcome);
        }
      } finally {
        await multi.close();
        for (const s of sessions) s.destroy();
        server.close();
      }
    });
  }
});
