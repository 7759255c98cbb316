/**
 * The pure rules behind `hiper get`'s response flags, as tables: where a redirect leads (curl 7.88's
 * -L), what a resumed download (-C) does with the answer, and the info a redirect chain reports.
 */
import assert from 'node:assert/strict';
import { nextRedirect, REDIRECT_STATUSES } from '../../../src/multi/index.js';
import { chainInfo } from '../../../src/cli/get-transfer.js';
import { resumeOffset, resumeVerdict } from '../../../src/cli/resume.js';
import { responsePlan } from '../../../src/cli/response-plan.js';
import { isUsageError } from '../../../src/cli/args.js';
import type { TransferInfo } from '../../../src/multi/index.js';

describe('redirect rules (nextRedirect)', () => {
  const base = 'http://a.example/dir/page?q=1';
  // [status, method, verb given, body sent] -> [method, verb, body kept]
  const methods: Array<[number, string, string | undefined, boolean, string, string, boolean]> = [
    [301, 'POST', undefined, true, 'GET', 'GET', false],
    [302, 'POST', undefined, true, 'GET', 'GET', false],
    [303, 'POST', undefined, true, 'GET', 'GET', false],
    [307, 'POST', undefined, true, 'POST', 'POST', true],
    [308, 'POST', undefined, true, 'POST', 'POST', true],
    [301, 'PUT', undefined, true, 'PUT', 'PUT', true],
    [302, 'PUT', undefined, true, 'PUT', 'PUT', true],
    [303, 'PUT', undefined, true, 'GET', 'GET', false],
    [303, 'HEAD', undefined, false, 'HEAD', 'HEAD', false],
    [303, 'DELETE', undefined, false, 'GET', 'GET', false],
    [302, 'GET', undefined, false, 'GET', 'GET', false],
    // curl -X keeps its verb on every hop; the body follows the request's own kind.
    [302, 'POST', 'PUT', true, 'GET', 'PUT', false],
    [303, 'POST', 'POST', true, 'GET', 'POST', false],
    [307, 'POST', 'PUT', true, 'POST', 'PUT', true],
  ];
  for (const [status, method, verb, body, wantMethod, wantVerb, wantBody] of methods) {
    it(`${status} after ${verb ?? method}${body ? ' with a body' : ''}: ${wantVerb}${wantBody ? ' with the body' : ''}`, () => {
      const step = nextRedirect({ url: base, method, ...(verb !== undefined ? { verb } : {}), body }, status, '/next')!;
      assert.deepEqual([step.method, step.verb, step.body], [wantMethod, wantVerb, wantBody]);
      assert.equal(step.dropHeaders.includes('content-type'), body && !wantBody);
    });
  }

  const locations: Array<[string, string]> = [
    ['/abs', 'http://a.example/abs'],
    ['rel', 'http://a.example/dir/rel'],
    ['../up?x=2', 'http://a.example/up?x=2'],
    ['?only=query', 'http://a.example/dir/page?only=query'],
    ['//b.example/p', 'http://b.example/p'],
    ['https://c.example:8443/x', 'https://c.example:8443/x'],
    ['  /trimmed  ', 'http://a.example/trimmed'],
  ];
  for (const [location, want] of locations) {
    it(`Location ${JSON.stringify(location)} from ${base} is ${want}`, () => {
      assert.equal(nextRedirect({ url: base, method: 'GET', body: false }, 302, location)!.url, want);
    });
  }

  // [next url, trusted, credentials dropped]
  const origins: Array<[string, boolean, boolean]> = [
    ['http://a.example/x', false, false],
    ['http://a.example:80/x', false, false],
    ['http://b.example/x', false, true],
    ['http://b.example/x', true, false],
    ['https://a.example/x', false, true],
    ['http://a.example:8080/x', false, true],
  ];
  for (const [to, trusted, dropped] of origins) {
    it(`to ${to}${trusted ? ' (trusted)' : ''}: Authorization and Cookie ${dropped ? 'dropped' : 'kept'}`, () => {
      const step = nextRedirect({ url: base, method: 'GET', body: false }, 301, to, trusted)!;
      assert.equal(step.dropHeaders.includes('authorization'), dropped);
      assert.equal(step.dropHeaders.includes('cookie'), dropped);
    });
  }

  it('credentials are judged against the first URL: back on the first host they are sent again', () => {
    const step = nextRedirect({ url: 'http://b.example/', method: 'GET', body: false, origin: base }, 302, 'http://a.example/back')!;
    assert.equal(step.sameOrigin, true);
    assert.deepEqual(step.dropHeaders, []);
  });

  it('is not a redirect to follow: other statuses, no Location, an empty one', () => {
    for (const status of [200, 300, 304, 305, 306, 404]) assert.equal(nextRedirect({ url: base, method: 'GET', body: false }, status, '/x'), undefined);
    assert.equal(nextRedirect({ url: base, method: 'GET', body: false }, 302, undefined), undefined);
    assert.equal(nextRedirect({ url: base, method: 'GET', body: false }, 302, ' '), undefined);
    assert.deepEqual([...REDIRECT_STATUSES].sort(), [301, 302, 303, 307, 308]);
  });

  it('a Location that is no URL throws', () => {
    assert.throws(() => nextRedirect({ url: base, method: 'GET', body: false }, 302, 'http://[bad'), TypeError);
  });
});

describe('resume rules (-C)', () => {
  const sizes: Record<string, number> = { 'part.bin': 4, 'empty.bin': 0 };
  const sizeOf = (p: string): number => sizes[p] ?? 0;
  const offsets: Array<['end' | number | undefined, string | undefined, number]> = [
    [undefined, 'part.bin', 0],
    ['end', 'part.bin', 4],
    ['end', 'missing.bin', 0],
    ['end', 'empty.bin', 0],
    ['end', undefined, 0],
    ['end', '-', 0],
    [7, undefined, 7],
    [7, 'part.bin', 7],
  ];
  for (const [resume, output, want] of offsets) {
    it(`-C ${resume === 'end' ? '-' : resume ?? '(none)'} with -o ${output ?? '(none)'}: from ${want}`, () => {
      assert.equal(resumeOffset(resume, output, sizeOf), want);
    });
  }
  // [offset, status, content-length, content-range] -> verdict
  const verdicts: Array<[number, number, number | undefined, boolean, string]> = [
    [0, 200, 20, false, 'write'],
    [4, 206, 16, true, 'write'],
    [4, 416, 8, true, 'complete'],
    [20, 416, undefined, false, 'complete'],
    [4, 200, 20, false, 'unsupported'],
    [4, 200, undefined, false, 'unsupported'],
    [20, 200, 20, false, 'complete'],
    [4, 200, 16, true, 'write'],
    [4, 404, 9, false, 'write'],
  ];
  for (const [offset, status, length, range, want] of verdicts) {
    it(`from ${offset}, a ${status}${length !== undefined ? ` of ${length} bytes` : ''}${range ? ' with Content-Range' : ''}: ${want}`, () => {
      assert.equal(resumeVerdict(offset, status, length, range), want);
    });
  }
});

describe('response flags (responsePlan)', () => {
  it('reads curl\'s defaults and values', () => {
    const none = responsePlan({});
    assert.equal(none.maxRedirs, 50);
    assert.equal(none.lowSpeed, undefined);
    assert.equal(responsePlan({ 'max-redirs': '-1' }).maxRedirs, Infinity);
    assert.deepEqual(responsePlan({ 'speed-limit': '100' }).lowSpeed, { bytes: 100, seconds: 30 });
    assert.deepEqual(responsePlan({ 'speed-time': '5' }).lowSpeed, { bytes: 1, seconds: 5 });
    assert.equal(responsePlan({ 'continue-at': '-' }).resume, 'end');
    assert.equal(responsePlan({ 'continue-at': '12' }).resume, 12);
    assert.equal(responsePlan({ 'location-trusted': true }).follow, true);
  });
  const bad: Array<[string, string]> = [['max-redirs', '-2'], ['max-redirs', 'x'], ['continue-at', '-5'], ['continue-at', '1.5'], ['speed-limit', 'fast'], ['speed-time', '-1']];
  for (const [name, value] of bad) {
    it(`--${name} ${value} is a usage error naming --${name}`, () => {
      assert.throws(() => responsePlan({ [name]: value }), (e: unknown) => isUsageError(e) && (e as { input: string }).input === `--${name}`);
    });
  }
});

describe('the info of a redirect chain (chainInfo)', () => {
  const info = (startTime: number, t: number, connects: number, size: number, url: string): TransferInfo => ({
    id: 1, url, method: 'GET', startTime, timings: { namelookup: t, connect: t, appconnect: 0, pretransfer: t, starttransfer: t, total: t * 2 },
    reused: false, numConnects: connects, pipelinePosition: 0, tries: 1, sizeUpload: 0, sizeDownload: size,
  });
  it('the last hop\'s url and sizes; phases summed; total from the first start; connections of all hops', () => {
    const c = chainInfo([info(1000, 5, 1, 14, 'http://a/1'), info(1020, 3, 1, 17, 'http://a/2')]);
    assert.equal(c.url, 'http://a/2');
    assert.equal(c.sizeDownload, 17);
    assert.equal(c.timings.namelookup, 8);
    assert.equal(c.timings.total, 26);
    assert.equal(c.numConnects, 2);
  });
  it('one hop is its own info', () => {
    const one = info(0, 1, 1, 1, 'http://a/');
    assert.equal(chainInfo([one]), one);
  });
});
