/** The large-body and download sections as tables, and their targets. */
import { sizeLabel } from './body.js';
import { ratio, withSpread, type Table } from './table.js';
import type { DownloadFigures, DownloadResult, LargeBodyFigures, LargeBodyResult, Results, Skip, Target } from './results.js';
import type { Figure } from './stats.js';

const MiB = 1024 * 1024;

function client(r: LargeBodyResult, variant: string): LargeBodyFigures | undefined {
  return r.clients.find((c) => c.variant === variant);
}

/** A figure, or why there is none: 'failed' / 'skipped' where the client of that kind was left out. */
function cell(r: LargeBodyResult, variant: string, pick: (c: LargeBodyFigures) => Figure): string {
  const c = client(r, variant);
  if (c) return withSpread(pick(c));
  const kind = variant.split(' ')[0]!;
  const s = r.skipped.find((x) => x.name === kind || x.name.startsWith(`${kind} `));
  return s ? (s.failed ? 'failed' : 'skipped') : 'n/a';
}

const cpu = (c: LargeBodyFigures): Figure => c.cpuUsPerMiB;
const rate = (c: LargeBodyFigures): Figure => c.mibPerSec;
const cpuRatio = (r: LargeBodyResult, a: string, b: string): string => ratio(client(r, a)?.cpuUsPerMiB.median, client(r, b)?.cpuUsPerMiB.median);
const rateRatio = (r: LargeBodyResult, a: string, b: string): string => ratio(client(r, a)?.mibPerSec.median, client(r, b)?.mibPerSec.median);
const where = (r: LargeBodyResult): string[] => [r.server, sizeLabel(r.bodyBytes), String(r.connections)];
/** "3 / 120 / 1": each client's median minor page faults per MiB ('–' where not measured). */
const faults = (r: LargeBodyResult, variants: string[]): string =>
  variants.map((v) => {
    const f = client(r, v)?.faultsPerMiB;
    return f ? String(Math.round(f.median)) : '–';
  }).join(' / ');

const TITLE_TAIL = 'client CPU µs per MiB of body first (user + system of the client\'s own process over a run, divided by the MiB received; lower is better), ' +
  'then MiB of body per second; median ±half-range of the runs. HTTP/1.1, no pipelining, 2 requests in flight per connection';

export function largeBodyTables(results: LargeBodyResult[]): Table[] {
  const buffered = results.filter((r) => r.read === 'buffer');
  const streamed = results.filter((r) => r.read === 'stream');
  const tables: Table[] = [];
  if (buffered.length) {
    tables.push({
      title: `Large bodies, buffered (hiper \`(await t.done).body\`, undici \`body.arrayBuffer()\`, the net floor joins the slices into one Buffer): ${TITLE_TAIL}`,
      headers: [
        'server', 'body', 'connections',
        'hiper CPU/MiB', 'undici CPU/MiB', 'net floor CPU/MiB', 'hiper ÷ undici CPU', 'hiper ÷ net CPU',
        'hiper MiB/s', 'undici MiB/s', 'net floor MiB/s', 'hiper ÷ undici MiB/s', 'page faults per MiB (hiper / undici / net)',
      ],
      textColumns: 3,
      rows: buffered.map((r) => [
        ...where(r),
        cell(r, 'hiper buffer', cpu), cell(r, 'undici buffer', cpu), cell(r, 'net buffer', cpu),
        cpuRatio(r, 'hiper buffer', 'undici buffer'), cpuRatio(r, 'hiper buffer', 'net buffer'),
        cell(r, 'hiper buffer', rate), cell(r, 'undici buffer', rate), cell(r, 'net buffer', rate),
        rateRatio(r, 'hiper buffer', 'undici buffer'), faults(r, ['hiper buffer', 'undici buffer', 'net buffer']),
      ]),
    });
  }
  if (streamed.length) {
    tables.push({
      title: `Large bodies, streamed (hiper \`stream: true\` and \`for await\` over \`r.body\`, undici \`body.dump()\` and \`for await\` over its body, the net floor counts the slices): ${TITLE_TAIL}`,
      headers: [
        'server', 'body', 'connections',
        'hiper for await CPU/MiB', 'undici dump() CPU/MiB', 'undici for await CPU/MiB', 'net floor CPU/MiB',
        'hiper ÷ undici dump() CPU', 'hiper ÷ undici for await CPU', 'hiper ÷ net CPU',
        'hiper MiB/s', 'undici dump() MiB/s', 'undici for await MiB/s', 'net floor MiB/s', 'hiper ÷ undici for await MiB/s',
        'page faults per MiB (hiper / undici dump() / undici for await / net)',
      ],
      textColumns: 3,
      rows: streamed.map((r) => [
        ...where(r),
        cell(r, 'hiper iterate', cpu), cell(r, 'undici dump', cpu), cell(r, 'undici iterate', cpu), cell(r, 'net iterate', cpu),
        cpuRatio(r, 'hiper iterate', 'undici dump'), cpuRatio(r, 'hiper iterate', 'undici iterate'), cpuRatio(r, 'hiper iterate', 'net iterate'),
        cell(r, 'hiper iterate', rate), cell(r, 'undici dump', rate), cell(r, 'undici iterate', rate), cell(r, 'net iterate', rate),
        rateRatio(r, 'hiper iterate', 'undici iterate'), faults(r, ['hiper iterate', 'undici dump', 'undici iterate', 'net iterate']),
      ]),
    });
  }
  return tables;
}

/**
 * Buffered bodies: hiper's CPU per MiB at most undici's `body.arrayBuffer()`, for every size, server and
 * connection count measured (the worst ratio decides).
 */
export function largeBodyTarget(results: LargeBodyResult[]): Target | undefined {
  const buffered = results.filter((r) => r.read === 'buffer');
  if (buffered.length === 0) return undefined;
  const goal = 'buffered bodies (1 MiB, 16 MiB): hiper CPU per MiB ≤ undici body.arrayBuffer()';
  const ratios = buffered.flatMap((r) => {
    const h = client(r, 'hiper buffer')?.cpuUsPerMiB.median;
    const u = client(r, 'undici buffer')?.cpuUsPerMiB.median;
    return h !== undefined && u ? [{ r, x: h / u }] : [];
  });
  if (ratios.length === 0) return { goal, measured: 'hiper or undici not measured', met: undefined };
  const measured = ratios.map(({ r, x }) => `${sizeLabel(r.bodyBytes)} ×${r.connections} (${r.server}) ${x.toFixed(2)}x`).join(', ');
  return { goal, measured, met: ratios.length === buffered.length ? ratios.every(({ x }) => x <= 1) : undefined };
}

const seconds = (f: Figure): Figure => ({ median: f.median / 1000, min: f.min / 1000, max: f.max / 1000, runs: f.runs });
const mib = (f: Figure): Figure => ({ median: f.median / MiB, min: f.min / MiB, max: f.max / MiB, runs: f.runs });
const find = (d: DownloadResult, v: DownloadFigures['variant']): DownloadFigures | undefined => d.clients.find((c) => c.variant === v);

export function downloadTable(d: DownloadResult | Skip): Table | undefined {
  if ('reason' in d) return undefined;
  const floor = find(d, 'floor');
  const curl = find(d, 'curl');
  return {
    title: `Download of ${sizeLabel(d.bytes)} to a file (${d.server} server), each program in its own process: wall time (start to exit) and CPU time ` +
      `(user + system) of the process, then peak RSS; median ±half-range of ${d.rounds} round${d.rounds === 1 ? '' : 's'}. ÷ floor: against the node:net floor that writes the file`,
    headers: ['program', 'command', 'wall s', 'CPU s', 'user s', 'system s', 'MiB/s', 'peak RSS MiB', 'wall ÷ floor', 'CPU ÷ floor', 'wall ÷ curl', 'CPU ÷ curl'],
    rows: d.clients.map((c) => [
      c.name, `\`${c.command}\``,
      withSpread(seconds(c.wallMs), 2), withSpread(seconds(c.cpuMs), 2), withSpread(seconds(c.userMs), 2), withSpread(seconds(c.systemMs), 2),
      withSpread(c.mibPerSec), withSpread(mib(c.peakRssBytes)),
      ratio(c.wallMs.median, floor?.wallMs.median), ratio(c.cpuMs.median, floor?.cpuMs.median),
      ratio(c.wallMs.median, curl?.wallMs.median), ratio(c.cpuMs.median, curl?.cpuMs.median),
    ]),
  };
}

/** The CLI's download against the Node floor (wall and CPU time, same file written), with curl and the dropping floor for scale. */
export function downloadTarget(r: Results): Target {
  const d = r.download;
  const goal = `hiper get -o FILE${'bytes' in d ? ` of ${sizeLabel(d.bytes)}` : ''}: within 1.3x the Node floor (wall time and CPU time; the floor writes the same file)`;
  if ('reason' in d) return { goal, measured: 'not measured', met: undefined };
  const hiper = find(d, 'hiper');
  const floor = find(d, 'floor');
  if (hiper === undefined || floor === undefined) return { goal, measured: 'hiper or the floor not measured', met: undefined };
  const x = (a: number, b: number | undefined): string => (b ? `${(a / b).toFixed(2)}x` : '–');
  const wall = hiper.wallMs.median / floor.wallMs.median;
  const cpu = hiper.cpuMs.median / floor.cpuMs.median;
  const drop = find(d, 'floor-discard');
  const curl = find(d, 'curl');
  return {
    goal,
    measured: `wall ${wall.toFixed(2)}x, CPU ${cpu.toFixed(2)}x` +
      (drop ? `; against the floor that drops the body: wall ${x(hiper.wallMs.median, drop.wallMs.median)}, CPU ${x(hiper.cpuMs.median, drop.cpuMs.median)}` : '') +
      (curl ? `; against curl: wall ${x(hiper.wallMs.median, curl.wallMs.median)}, CPU ${x(hiper.cpuMs.median, curl.cpuMs.median)}` : ''),
    met: wall <= 1.3 && cpu <= 1.3,
  };
}
