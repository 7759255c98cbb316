/**
 * `hiper get` against Debian's curl 7.88, case by case: the same arguments, each client in its own fresh
 * directory with a server of its own (the same routes). Per case, curl's own result is checked first (the
 * case and the server are right), then hiper must give the same exit codes, stdout bytes, files and
 * requests as the server saw them, save for the intended differences the case names
 * (INTENDED_DIFFERENCES in test/helpers/parity-cases.ts).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { needs } from '../../helpers/needs.js';
import { INTENDED_DIFFERENCES, PARITY_CASES, fill, type Difference, type ParityCase } from '../../helpers/parity-cases.js';
import { runSide, type Client, type SideResult } from '../../helpers/parity-run.js';
import { NODE_HAS_ZSTD, PORT_TOKEN, startParityServer } from '../../helpers/parity-server.js';
import { runCli } from '../../helpers/cli.js';

/** Cases run at once (each is two clients side by side). */
const CONCURRENT_CASES = 3;

const CURL = '/usr/bin/curl';

function limiter(concurrency: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (active >= concurrency) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function show(b: Buffer, max = 1500): string {
  const t = b.toString('latin1');
  return t.length > max ? `${t.slice(0, max)}… (${b.length} bytes)` : t;
}

type Side = SideResult & { requests: string[] };

/** A port on 127.0.0.1 that was free a moment ago: nothing listens there. */
async function closedPort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Each side's server has its own port: "127.0.0.1:<that port>" becomes "127.0.0.1:PORT" in what is compared (and so for localhost). */
function maskPort(port: number): (b: Buffer) => Buffer {
  const own = new RegExp(`\\b(127\\.0\\.0\\.1|localhost):${port}\\b`, 'g');
  return (b) => Buffer.from(b.toString('latin1').replace(own, `$1:${PORT_TOKEN}`), 'latin1');
}

/** One client's run of a case, against a server of its own. */
async function runCase(client: Client, c: ParityCase, token: string, closed: number): Promise<Side> {
  const s = await startParityServer();
  const values = { origin: s.origin, hostPort: s.hostPort, token, closed: String(closed) };
  try {
    const files = c.files && Object.fromEntries(Object.entries(c.files).map(([name, content]) => [name, typeof content === 'string' ? fill(content, values) : content]));
    const result = await runSide(client, {
      steps: c.steps.map((args) => args.map((a) => fill(a, values))),
      ...(files ? { files } : {}),
    });
    const mask = maskPort(Number(s.hostPort.replace(/^.*:/, '')));
    return {
      ...result,
      steps: result.steps.map((step) => ({ ...step, out: mask(step.out) })),
      files: new Map([...result.files].map(([name, content]) => [name, mask(content)])),
      requests: s.log,
    };
  } finally {
    await s.close();
  }
}

function differencesOf(c: ParityCase): Difference[] {
  return (c.differences ?? []).map((name) => INTENDED_DIFFERENCES[name]);
}

describe('hiper get side by side with curl 7.88', function () {
  this.timeout(60_000);
  const runs = new Map<ParityCase, Promise<[Side, Side]>>();

  before(async function () {
    needs(this, existsSync(CURL), `no ${CURL} to compare with`);
    const closed = await closedPort();
    const limit = limiter(CONCURRENT_CASES);
    // The cases that wait (retry delays, -m) start first, so that the quick ones run meanwhile.
    const waits = (c: ParityCase): number => Number(c.steps.flat().some((a) => a === '--retry' || a === '-m' || a === '--speed-time'));
    const order = [...PARITY_CASES.entries()].sort(([, a], [, b]) => waits(b) - waits(a));
    for (const [i, c] of order) {
      if (c.skip) continue;
      const run = limit(() => Promise.all([runCase('curl', c, `case${i}`, closed), runCase('hiper', c, `case${i}`, closed)]));
      run.catch(() => undefined);
      runs.set(c, run);
    }
  });

  after(async () => {
    await Promise.allSettled(runs.values());
  });

  for (const c of PARITY_CASES) {
    const admits = c.differences?.length ? ` (admits: ${c.differences.join(', ')})` : '';
    describe(c.name + admits, () => {
      it('curl does what the case expects', async function () {
        if (c.skip) {
          console.log(`      skipped: ${c.skip}`);
          this.skip();
        }
        const [curl] = await runs.get(c)!;
        curl.steps.forEach((step, i) => {
          const want = i === curl.steps.length - 1 ? c.code : 0;
          assert.equal(step.code, want, `curl step ${i + 1} exit ${step.code}, expected ${want}\n${step.err}`);
        });
        for (const check of c.curl ?? []) check(curl, (t) => fill(t, { origin: `http://127.0.0.1:${PORT_TOKEN}`, hostPort: `127.0.0.1:${PORT_TOKEN}`, token: '', closed: '' }));
      });

      it('hiper gives the same exit code, stdout, files and requests', async function () {
        if (c.skip) {
          console.log(`      skipped: ${c.skip}`);
          this.skip();
        }
        const [curl, hiper] = await runs.get(c)!;
        const diffs = differencesOf(c);
        const out = (b: Buffer): Buffer => diffs.reduce((acc, d) => (d.out ? d.out(acc) : acc), b);
        const request = (seen: string): string => diffs.reduce((acc, d) => (d.request ? d.request(acc) : acc), seen);
        curl.steps.forEach((cs, i) => {
          const hs = hiper.steps[i]!;
          const context = `step ${i + 1}: hiper get ${c.steps[i]!.join(' ')}\nhiper stderr:\n${hs.err}`;
          const want = i === curl.steps.length - 1 && c.hiperCode !== undefined ? c.hiperCode : cs.code;
          assert.equal(hs.code, want, `exit code, ${context}\nhiper stdout:\n${show(hs.out)}`);
          assert.equal(show(out(hs.out), 100_000), show(out(cs.out), 100_000), `stdout, ${context}`);
        });
        assert.deepEqual([...hiper.files.keys()], [...curl.files.keys()], 'the files in the directory');
        for (const [name, content] of curl.files) {
          assert.equal(show(hiper.files.get(name)!, 100_000), show(content, 100_000), `the file ${name}\nhiper stderr:\n${hiper.steps.map((s) => s.err).join('\n')}`);
        }
        assert.equal(hiper.requests.map(request).join('----\n'), curl.requests.map(request).join('----\n'), 'the requests as the server saw them');
      });
    });
  }

  if (!NODE_HAS_ZSTD) {
    // curl 7.88 decodes zstd; this Node cannot (zlib has zstd from 22.15): hiper does not ask for it, and
    // a zstd body it gets anyway is a content encoding it cannot decode (curl's exit 61), never bytes it passes off as decoded.
    it(`--compressed on ${process.version}, a Node without zstd: zstd is not offered, and a zstd body is exit 61 naming it`, async () => {
      const s = await startParityServer();
      try {
        const r = await runCli(['get', '-sS', '--compressed', `${s.origin}/zstd`]);
        assert.equal(r.code, 61, r.err);
        assert.equal(r.out, '');
        assert.match(r.err, /zstd/);
        assert.match(s.log.join('\n'), /^accept-encoding: deflate, gzip, br$/m);
      } finally {
        await s.close();
      }
    });
  }
});
