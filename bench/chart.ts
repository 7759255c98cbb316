/**
 * bench/chart.svg, written by hand (no dependency): client CPU per request and requests per second for
 * every scenario (bars, with the min–max of the runs as a whisker), and µs per request against idle
 * connections (lines, log x).
 */
import type { C10kResult, Measured, MeasuredKind, Results, ScenarioResult } from './results.js';
import type { Figure } from './stats.js';
import { machineLine } from './machine.js';
import { bodyLabel } from './report.js';
import { sizeLabel } from './body.js';

const COLOURS: Record<MeasuredKind, string> = {
  hiper: '#1f77b4',
  undici: '#ff7f0e',
  'node:http': '#2ca02c',
  'node:http2': '#17becf',
  wrk: '#7f7f7f',
  autocannon: '#9467bd',
  net: '#bcbd22',
};
const ORDER: MeasuredKind[] = ['hiper', 'undici', 'node:http', 'node:http2', 'net', 'wrk', 'autocannon'];

const WIDTH = 960;
const FONT = 'font-family="system-ui, sans-serif"';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

const k = (n: number): string => (n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : `${Math.round(n)}`);

/** A scale's round upper bound and tick step. */
function niceMax(v: number): { max: number; step: number } {
  if (!(v > 0)) return { max: 1, step: 0.25 };
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return { max: m * p, step: (m * p) / (m === 2.5 ? 5 : m === 2 ? 4 : 5) };
  return { max: 10 * p, step: 2 * p };
}

/** A figure the bars show: client CPU per request (primary) or requests per second. */
interface Metric {
  title: string;
  pick(m: Measured): Figure | undefined;
  digits: number;
}

const CPU: Metric = { title: 'Client CPU µs per request (lower is better)', pick: (m) => m.cpuUsPerReq, digits: 1 };
const RATE: Metric = { title: 'Requests per second', pick: (m) => m.reqPerSec, digits: 0 };

function barsPanel(groups: ScenarioResult[], metric: Metric, heading: string, top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  const left = 250;
  const right = WIDTH - 70;
  const barH = 11;
  const all = groups.flatMap((g) => g.measured.map((m) => metric.pick(m)?.max ?? 0));
  const { max, step } = niceMax(Math.max(0, ...all));
  const x = (v: number): number => left + ((right - left) * v) / max;
  const label = (v: number): string => (metric.digits > 0 && v < 100 ? v.toFixed(metric.digits) : k(v));
  svg.push(text(20, top + 16, `${metric.title}, ${heading} (bar: median of the runs, whisker: min–max)`, `${FONT} font-size="15" font-weight="bold"`));
  let y = top + 34;
  const axisTop = y;
  const rows: string[] = [];
  for (const g of groups) {
    rows.push(text(20, y + 11, `${g.server} · ${g.scenario.label} · ${bodyLabel(g.scenario)}`, `${FONT} font-size="12" font-weight="bold"`));
    y += 16;
    const ms = [...g.measured].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
    for (const m of ms) {
      const f = metric.pick(m);
      if (f === undefined) continue;
      rows.push(text(left - 6, y + barH - 2, m.name, `${FONT} font-size="10" text-anchor="end"`));
      rows.push(`<rect x="${left}" y="${y}" width="${(x(f.median) - left).toFixed(1)}" height="${barH}" fill="${COLOURS[m.kind]}"/>`);
      if (f.runs > 1) {
        const cy = y + barH / 2;
        rows.push(`<path d="M${x(f.min).toFixed(1)} ${cy}H${x(f.max).toFixed(1)}M${x(f.min).toFixed(1)} ${cy - 3}v6M${x(f.max).toFixed(1)} ${cy - 3}v6" stroke="#222" stroke-width="1" fill="none"/>`);
      }
      rows.push(text(x(f.max) + 4, y + barH - 2, label(f.median), `${FONT} font-size="10"`));
      y += barH + 3;
    }
    // A peer left out is shown with its reason, so a missing bar is never silent.
    for (const s of g.skipped.filter((s) => s.name === 'hiper' || s.name === 'undici')) {
      rows.push(text(left - 6, y + barH - 2, s.name, `${FONT} font-size="10" text-anchor="end"`));
      rows.push(text(left + 4, y + barH - 2, `${s.failed ? 'failed' : 'skipped'}: ${s.reason}`, `${FONT} font-size="10" fill="#888"`));
      y += barH + 3;
    }
    y += 8;
  }
  for (let v = 0; v <= max + step / 2; v += step) {
    svg.push(`<line x1="${x(v).toFixed(1)}" y1="${axisTop}" x2="${x(v).toFixed(1)}" y2="${y}" stroke="#e4e4e4"/>`);
    svg.push(text(x(v), y + 12, label(v), `${FONT} font-size="10" text-anchor="middle" fill="#555"`));
  }
  svg.push(...rows);
  return { svg, height: y + 24 - top };
}

/** Bar panels, CPU first then requests per second, one pair per body size (their scales differ by orders of magnitude). */
function barPanels(groups: ScenarioResult[], top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  let y = top;
  const sizes = [...new Set(groups.map((g) => g.scenario.bodyBytes))].sort((a, b) => a - b);
  for (const size of sizes) {
    const these = groups.filter((g) => g.scenario.bodyBytes === size);
    for (const metric of [CPU, RATE]) {
      const p = barsPanel(these, metric, `${sizeLabel(size)} body`, y);
      svg.push(...p.svg);
      y += p.height + 10;
    }
  }
  return { svg, height: y - top };
}

function linesPanel(c: C10kResult, top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  const left = 90;
  const right = WIDTH - 220;
  const plotTop = top + 48;
  const plotH = 240;
  const clients = c.clients.filter((x) => x.levels.length > 0);
  const levels = [...new Set(clients.flatMap((x) => x.levels.map((l) => l.idle)))].sort((a, b) => a - b);
  svg.push(text(20, top + 16, 'µs per request on one active connection, against idle keep-alive connections open', `${FONT} font-size="15" font-weight="bold"`));
  svg.push(text(20, top + 32, `sequential GETs to the ${c.server} server; median of the runs, min–max whiskers; one client process each`, `${FONT} font-size="10" fill="#555"`));
  if (levels.length === 0) {
    svg.push(text(left, plotTop + 20, 'not measured', `${FONT} font-size="12" fill="#888"`));
    return { svg, height: 80 };
  }
  const lo = Math.log10(levels[0]!);
  const hi = Math.log10(levels[levels.length - 1]!);
  const x = (n: number): number => (hi === lo ? (left + right) / 2 : left + ((right - left) * (Math.log10(n) - lo)) / (hi - lo));
  const { max, step } = niceMax(Math.max(...clients.flatMap((x) => x.levels.map((l) => l.usPerRequest.max))));
  const y = (v: number): number => plotTop + plotH - (plotH * v) / max;
  for (let v = 0; v <= max + step / 2; v += step) {
    svg.push(`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${right}" y2="${y(v).toFixed(1)}" stroke="#e4e4e4"/>`);
    svg.push(text(left - 6, y(v) + 4, v.toFixed(step < 1 ? 1 : 0), `${FONT} font-size="10" text-anchor="end" fill="#555"`));
  }
  for (const n of levels) svg.push(text(x(n), plotTop + plotH + 16, `${n.toLocaleString('en-US')} idle`, `${FONT} font-size="10" text-anchor="middle" fill="#555"`));
  svg.push(text(24, plotTop + plotH / 2, 'µs / request', `${FONT} font-size="11" transform="rotate(-90 24 ${plotTop + plotH / 2})" text-anchor="middle"`));
  clients.forEach((cl, i) => {
    const colour = COLOURS[cl.kind];
    const pts = cl.levels.map((l) => `${x(l.idle).toFixed(1)},${y(l.usPerRequest.median).toFixed(1)}`).join(' ');
    svg.push(`<polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const l of cl.levels) {
      svg.push(`<circle cx="${x(l.idle).toFixed(1)}" cy="${y(l.usPerRequest.median).toFixed(1)}" r="3" fill="${colour}"/>`);
      svg.push(`<line x1="${x(l.idle).toFixed(1)}" y1="${y(l.usPerRequest.min).toFixed(1)}" x2="${x(l.idle).toFixed(1)}" y2="${y(l.usPerRequest.max).toFixed(1)}" stroke="${colour}"/>`);
    }
    const last = cl.levels[cl.levels.length - 1]!;
    svg.push(`<rect x="${right + 20}" y="${plotTop + i * 34}" width="12" height="12" fill="${colour}"/>`);
    svg.push(text(right + 38, plotTop + i * 34 + 10, cl.name, `${FONT} font-size="11"`));
    svg.push(text(right + 38, plotTop + i * 34 + 24, `${(last.rssPerIdle / 1024).toFixed(1)} KiB RSS per idle connection`, `${FONT} font-size="10" fill="#555"`));
  });
  return { svg, height: plotH + 78 };
}

export function chartSvg(r: Results): string {
  const head = text(20, 22, `hiper benchmarks (${r.mode} run, ${r.startedAt.slice(0, 10)})`, `${FONT} font-size="17" font-weight="bold"`);
  const machine = text(20, 40, machineLine(r.machine), `${FONT} font-size="10" fill="#555"`);
  const bars = barPanels([...r.throughput, ...r.h2], 50);
  const lines = 'clients' in r.c10k ? linesPanel(r.c10k, 50 + bars.height + 10) : { svg: [], height: 0 };
  const height = 50 + bars.height + 10 + lines.height + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${Math.ceil(height)}" viewBox="0 0 ${WIDTH} ${Math.ceil(height)}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    head, machine, ...bars.svg, ...lines.svg,
    '</svg>',
    '',
  ].join('\n');
}
