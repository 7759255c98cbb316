/** The results as tables of ratios (plain text for the terminal, Markdown for the README), and the targets. */
import type { Figure } from './stats.js';
import type { Measured, MeasuredKind, Results, Scenario, ScenarioResult, Skip, Target } from './results.js';
import { machineLine } from './machine.js';
import { sizeLabel } from './body.js';
import { markdownTable, ratio, withSpread, type Table } from './table.js';
import { downloadTable, downloadTarget, largeBodyTables, largeBodyTarget } from './large-body-report.js';
import { startTable, startTargets } from './start.js';
import { rssAgainstNet } from './c10k.js';

export { markdownTable, ratio, textTable, withSpread, type Table } from './table.js';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function find(r: ScenarioResult, kind: MeasuredKind): Measured | undefined {
  return r.measured.find((m) => m.kind === kind);
}

const cpuOf = (m: Measured): Figure | undefined => m.cpuUsPerReq;

function cell(r: ScenarioResult, kind: MeasuredKind, pick: (m: Measured) => Figure | undefined = (m) => m.reqPerSec, digits = 0): string {
  const m = find(r, kind);
  if (m === undefined) {
    const s = r.skipped.find((x) => x.name === kind || x.name.startsWith(`${kind} `));
    return s ? (s.failed ? 'failed' : 'skipped') : 'n/a';
  }
  const f = pick(m);
  return f ? withSpread(f, digits) : '–';
}

const cpuRatio = (r: ScenarioResult): string => ratio(find(r, 'hiper')?.cpuUsPerReq?.median, find(r, 'undici')?.cpuUsPerReq?.median);
const rateRatio = (r: ScenarioResult): string => ratio(find(r, 'hiper')?.reqPerSec.median, find(r, 'undici')?.reqPerSec.median);

/** "10 / 10 / 1": the most requests each client had in flight on one connection ('–' where not measured). */
function inFlightCell(r: ScenarioResult, kinds: MeasuredKind[]): string {
  return kinds.map((k) => find(r, k)?.maxInFlight ?? '–').join(' / ');
}

/** "1 KiB streamed", "1 MiB buffered". */
export function bodyLabel(s: Scenario): string {
  return `${sizeLabel(s.bodyBytes)} ${s.read === 'buffer' ? 'buffered' : 'streamed'}`;
}

export function throughputTable(results: ScenarioResult[]): Table {
  return {
    title: 'HTTP/1.1 GET: client CPU µs per request first (user + system of the client\'s own process; lower is better), then requests per second; ' +
      'median ±half-range of the runs. Streamed: hiper onData, the others count \'data\' events (net counts bytes); ' +
      'buffered: hiper result.body, undici body.bytes(), node:http and net join the chunks into one Buffer',
    headers: [
      'server', 'scenario', 'body',
      'hiper CPU', 'undici CPU', 'node:http CPU', 'net CPU', 'hiper ÷ undici CPU',
      'hiper req/s', 'undici req/s', 'node:http req/s', 'net floor req/s', 'wrk req/s', 'hiper ÷ undici req/s',
      'max in flight per connection (hiper / undici / net)',
    ],
    textColumns: 3,
    rows: results.map((r) => [
      r.server, r.scenario.label, bodyLabel(r.scenario),
      cell(r, 'hiper', cpuOf, 1), cell(r, 'undici', cpuOf, 1), cell(r, 'node:http', cpuOf, 1), cell(r, 'net', cpuOf, 1), cpuRatio(r),
      cell(r, 'hiper'), cell(r, 'undici'), cell(r, 'node:http'), cell(r, 'net'), cell(r, 'wrk'), rateRatio(r),
      inFlightCell(r, ['hiper', 'undici', 'net']),
    ]),
  };
}

export function h2Table(results: ScenarioResult[]): Table {
  return {
    title: 'HTTP/2 over TLS, one connection, 100 concurrent streams, 1 KiB streamed: client CPU µs per request first (lower is better), then requests per second',
    headers: [
      'server', 'hiper CPU', 'undici allowH2 CPU', 'node:http2 session CPU', 'hiper ÷ undici CPU',
      'hiper req/s', 'undici req/s', 'node:http2 req/s', 'hiper ÷ undici req/s', 'max streams in flight (hiper / undici / node:http2)',
    ],
    textColumns: 1,
    rows: results.map((r) => [
      r.server,
      cell(r, 'hiper', cpuOf, 1), cell(r, 'undici', cpuOf, 1), cell(r, 'node:http2', cpuOf, 1), cpuRatio(r),
      cell(r, 'hiper'), cell(r, 'undici'), cell(r, 'node:http2'), rateRatio(r),
      inFlightCell(r, ['hiper', 'undici', 'node:http2']),
    ]),
  };
}

export function c10kTable(r: Results['c10k']): Table | undefined {
  if ('reason' in r) return undefined;
  const levels = [...new Set(r.clients.flatMap((c) => c.levels.map((l) => l.idle)))].sort((a, b) => a - b);
  const first = levels[0];
  const last = levels[levels.length - 1];
  const net = r.clients.find((c) => c.kind === 'net')?.levels.find((l) => l.idle === last);
  return {
    title: `c10k: µs per sequential request on one connection with N idle keep-alive connections open (${r.server} server); memory growth per idle connection at ${int.format(last ?? 0)}`,
    headers: ['client', ...levels.map((n) => `${int.format(n)} idle`), `${int.format(last ?? 0)} ÷ ${int.format(first ?? 0)}`, 'RSS per idle', 'RSS ÷ net.Socket', 'JS heap per idle', 'open-file limit'],
    rows: r.clients.map((c) => {
      const at = (n: number | undefined) => c.levels.find((l) => l.idle === n);
      if (c.levels.length === 0) return [c.name, ...levels.map(() => 'skipped'), '–', '–', '–', '–', '–'];
      const top = at(last);
      const perIdle = (bytes: number) => `${(bytes / Math.max(1, (top!.open ?? top!.idle + 1) - 1) / 1024).toFixed(1)} KiB`;
      return [
        c.name,
        ...levels.map((n) => (at(n) ? withSpread(at(n)!.usPerRequest, 1) : '–')),
        ratio(at(last)?.usPerRequest.median, at(first)?.usPerRequest.median),
        top ? perIdle(top.rssGrowth) : '–',
        ratio(top?.rssPerIdle, net?.rssPerIdle),
        top ? perIdle(top.heapGrowth) : '–',
        c.nofile ? String(c.nofile.soft) : '?',
      ];
    }),
  };
}

export function connectTable(r: Results['connect']): Table | undefined {
  if ('reason' in r) return undefined;
  return {
    title: `connect, sequential on loopback: µs per connection (runs of ${r.connectionsPerRun})`,
    headers: ['variant', 'µs per connection', '÷ net.connect'],
    rows: r.variants.map((v) => [v.name, withSpread(v.usPerConnection, 1), `${v.ratio.toFixed(2)}x`]),
  };
}

export function resolveTable(r: Results['resolve']): Table | undefined {
  if ('reason' in r) return undefined;
  return {
    title: 'resolve: ns per sequential awaited call; queries made for N concurrent lookups of one name',
    headers: ['variant', 'ns per call'],
    rows: [
      ...r.nsPerCall.map((v) => [v.name, withSpread(v.ns)]),
      ...r.dedup.map((d) => [`${int.format(d.concurrent)} concurrent lookups: queries with the cache / with cache: false`, `${d.queriesWithCache} / ${d.queriesWithoutCache}`]),
    ],
  };
}

export function targetsTable(targets: Target[], mode: Results['mode']): Table {
  const unknown = mode === 'quick' ? 'not judged (quick run)' : 'not measured';
  return {
    title: 'targets (reported, not asserted)',
    headers: ['target', 'measured', 'met'],
    rows: targets.map((t) => [t.goal, t.measured, t.met === undefined ? unknown : t.met ? 'yes' : 'no']),
  };
}

/** The targets, against what was measured. */
export function targets(r: Results): Target[] {
  const out: Target[] = [];
  /** hiper against undici in one scenario, per server: both ratios in words, and whether `met` holds on every server. */
  const versus = (goal: string, id: string, met: (rate: number, cpu: number) => boolean, servers?: string[]) => {
    const pairs = r.throughput
      .filter((x) => x.scenario.id === id && (servers === undefined || servers.includes(x.server)))
      .map((x) => [x.server, find(x, 'hiper'), find(x, 'undici')] as const);
    const known = pairs.flatMap(([s, h, u]) => (h?.cpuUsPerReq && u?.cpuUsPerReq
      ? [{ server: s, rate: h.reqPerSec.median / u.reqPerSec.median, cpu: h.cpuUsPerReq.median / u.cpuUsPerReq.median }]
      : []));
    out.push({
      goal,
      measured: known.length
        ? known.map((k) => `${servers?.length === 1 ? '' : `${k.server}: `}req/s ${k.rate.toFixed(2)}x, CPU per request ${k.cpu.toFixed(2)}x`).join('; ')
        : 'hiper or undici not measured',
      met: known.length ? known.every((k) => met(k.rate, k.cpu)) : undefined,
    });
  };
  versus('h1 pipelined depth 10 ≥ 2x undici Client depth 10 (req/s; undici pipelining for real)', '1x10', (rate) => rate >= 2);
  versus('10 connections ≥ 1.3x undici Pool (req/s)', '10x1', (rate) => rate >= 1.3);
  versus('h1 pipelined depth 10 (node:http server): hiper CPU per request ≤ 0.60x undici\'s', '1x10', (_, cpu) => cpu <= 0.6, ['node:http']);
  versus('10 connections: hiper CPU per request ≤ 0.7x undici Pool\'s', '10x1', (_, cpu) => cpu <= 0.7);
  out.push(h2Target(r.h2));

  const hiperC10k = 'clients' in r.c10k ? r.c10k.clients.find((c) => c.kind === 'hiper') : undefined;
  const lv = hiperC10k?.levels ?? [];
  const lo = lv[0];
  const hi = lv[lv.length - 1];
  out.push({
    goal: `µs per request at ${hi ? int.format(hi.idle) : '10,000'} idle ≤ 1.1x that at ${lo ? int.format(lo.idle) : '10'}`,
    measured: lo && hi && lo !== hi ? `${(hi.usPerRequest.median / lo.usPerRequest.median).toFixed(2)}x` : 'hiper not measured',
    met: lo && hi && lo !== hi ? hi.usPerRequest.median / lo.usPerRequest.median <= 1.1 : undefined,
  });
  const vsNet = 'clients' in r.c10k ? rssAgainstNet(r.c10k) : undefined;
  out.push({
    goal: 'client RSS per idle connection ≤ 8 KiB',
    measured: hi ? `${(hi.rssPerIdle / 1024).toFixed(1)} KiB at ${int.format(hi.idle)} idle${vsNet ? ` (a bare net.Socket: ${(vsNet.net / 1024).toFixed(1)} KiB, hiper ${(vsNet.hiper / vsNet.net).toFixed(2)}x)` : ''}` : 'hiper not measured',
    met: hi ? hi.rssPerIdle <= 8 * 1024 : undefined,
  });

  if ('variants' in r.connect) {
    const v = r.connect.variants.find((x) => x.name.includes('device-bound')) ?? r.connect.variants.find((x) => x.name === 'hiper connect');
    out.push({ goal: 'connect ≤ 1.15x net.connect', measured: v ? `${v.ratio.toFixed(2)}x (${v.name})` : 'not measured', met: v ? v.ratio <= 1.15 : undefined });
  }
  if ('nsPerCall' in r.resolve) {
    const hit = r.resolve.nsPerCall.find((x) => x.name.includes('cache hit'));
    out.push({ goal: 'cached resolve ≤ 1 µs', measured: hit ? `${(hit.ns.median / 1000).toFixed(2)} µs` : 'not measured', met: hit ? hit.ns.median <= 1000 : undefined });
  }
  if (!('reason' in r.download)) out.push(downloadTarget(r));
  const bodies = largeBodyTarget(r.largeBody);
  if (bodies) out.push(bodies);
  out.push(...startTargets(r.start));
  // Smoke-mode counts are far too small to judge (RSS over 100 connections is noise).
  if (r.mode === 'quick') return out.map((t) => ({ ...t, met: undefined }));
  return out;
}

/** HTTP/2, 100 streams on one connection: hiper's CPU per request against a bare node:http2 session's, per server. */
function h2Target(results: ScenarioResult[]): Target {
  const known = results.flatMap((x) => {
    const h = find(x, 'hiper')?.cpuUsPerReq;
    const bare = find(x, 'node:http2')?.cpuUsPerReq;
    return h && bare ? [{ server: x.server, ratio: h.median / bare.median }] : [];
  });
  return {
    goal: 'HTTP/2, 100 streams on one connection: hiper CPU per request ≤ 1.10x a bare node:http2 session\'s',
    measured: known.length ? known.map((k) => `${k.server}: ${k.ratio.toFixed(2)}x`).join('; ') : 'hiper or the bare session not measured',
    met: known.length ? known.every((k) => k.ratio <= 1.1) : undefined,
  };
}

export function allTables(r: Results): Table[] {
  return [
    ...(r.throughput.length ? [throughputTable(r.throughput)] : []),
    ...(r.h2.length ? [h2Table(r.h2)] : []),
    ...largeBodyTables(r.largeBody), downloadTable(r.download),
    c10kTable(r.c10k), connectTable(r.connect), resolveTable(r.resolve), startTable(r.start),
    targetsTable(r.targets, r.mode),
  ].filter((t): t is Table => t !== undefined);
}

/** One line per thing left out; a tool missing for several scenarios ("wrk (nginx, …)") is one line. */
export function skippedLines(skips: Skip[]): string[] {
  const groups = new Map<string, { name: string; contexts: Set<string>; line: (name: string) => string }>();
  for (const s of skips) {
    const m = /^(.*?) \((.*)\)$/.exec(s.name);
    const name = m ? m[1]! : s.name;
    const status = s.failed ? 'FAILED' : 'skipped';
    const key = `${name}\0${status}\0${s.reason}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { name, contexts: new Set(), line: (n) => `${n}: ${status} (${s.reason})` }));
    g.contexts.add(m ? m[2]! : '');
  }
  return [...groups.values()].map((g) => {
    const contexts = [...g.contexts].filter((c) => c !== '');
    if (contexts.length === 0) return g.line(g.name);
    return g.line(contexts.length === 1 ? `${g.name} (${contexts[0]})` : `${g.name} (${contexts.length} scenarios)`);
  });
}

export function markdownReport(r: Results): string {
  return [
    `Measured ${r.startedAt.slice(0, 10)} (${r.mode} run, ${Math.round(r.seconds)} s) on: ${machineLine(r.machine)}.`,
    '',
    ...allTables(r).flatMap((t) => [markdownTable(t), '']),
    ...(r.skipped.length ? ['Skipped:', '', ...skippedLines(r.skipped).map((l) => `- ${l}`), ''] : []),
    ...r.notes.flatMap((n, i) => (i === 0 ? [n] : ['', n])),
    '',
  ].join('\n');
}
