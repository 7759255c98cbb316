/**
 * --waterfall: every transfer of a run on one time axis, one row each, grouped by the connection that
 * carried it (a coloured band per connection), with its phases: waiting, resolve, connect, TLS, in the
 * pipeline (written, no answer yet) and receiving. Pipelining, leader queueing and reuse show as rows of
 * one band that wait and then answer one after another.
 */
import type { TransferInfo } from '../multi/index.js';

export interface Phase {
  name: 'waiting' | 'resolve' | 'connect' | 'tls' | 'pipeline' | 'receiving';
  /** ms from the transfer's own start. */
  from: number;
  to: number;
}

export const PHASE_COLOURS: Record<Phase['name'], string> = {
  waiting: '#d9d9d9',
  resolve: '#8dd3c7',
  connect: '#fdb462',
  tls: '#bc80bd',
  pipeline: '#ffed6f',
  receiving: '#4c78a8',
};

const PHASE_LABELS: Record<Phase['name'], string> = {
  waiting: 'waiting',
  resolve: 'resolve',
  connect: 'connect',
  tls: 'TLS',
  pipeline: 'sent, no answer yet',
  receiving: 'receiving',
};

/** The phases of one transfer, from its info; zero-length phases are left out. */
export function phasesOf(info: TransferInfo): Phase[] {
  const t = info.timings;
  const phases: Phase[] = [];
  const add = (name: Phase['name'], from: number, to: number): void => {
    if (to > from) phases.push({ name, from, to });
  };
  let at = 0;
  const trace = info.connectTrace;
  if (info.numConnects > 0 && trace !== undefined) {
    // It opened its connection: the connect began namelookup-minus-resolve-time after the transfer.
    const opened = Math.max(0, t.namelookup - trace.timings.namelookup);
    add('waiting', 0, opened);
    add('resolve', opened, t.namelookup);
    add('connect', t.namelookup, t.connect);
    at = t.connect;
    if (t.appconnect > 0) {
      add('tls', t.connect, t.appconnect);
      at = t.appconnect;
    }
  }
  const written = t.pretransfer > 0 ? t.pretransfer : at;
  add('waiting', at, written);
  const end = t.total;
  const first = t.starttransfer > 0 ? t.starttransfer : end;
  add('pipeline', written, first);
  add('receiving', first, end);
  return phases;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A tick step of 1, 2 or 5 times a power of ten giving about 8 ticks. */
function tickStep(span: number): number {
  const raw = span / 8;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? p * 10;
}

export function waterfallSvg(infos: readonly TransferInfo[], title = 'hiper transfers'): string {
  const ROW = 16;
  const LEFT = 230;
  const WIDTH = 1000;
  const TOP = 64;
  const plotWidth = WIDTH - LEFT - 20;
  const origin = infos.length > 0 ? Math.min(...infos.map((i) => i.startTime)) : 0;
  const span = Math.max(1, ...infos.map((i) => i.startTime - origin + i.timings.total));
  const x = (ms: number): number => LEFT + (ms / span) * plotWidth;

  // Grouped by connection in order of first use; transfers that reached none come last.
  const groups = new Map<string, TransferInfo[]>();
  for (const info of [...infos].sort((a, b) => a.startTime - b.startTime || a.id - b.id)) {
    const key = info.connectionId !== undefined ? `connection ${info.connectionId}` : 'no connection';
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = []));
    g.push(info);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => (a === 'no connection' ? 1 : b === 'no connection' ? -1 : 0));

  const rows: string[] = [];
  let y = TOP;
  ordered.forEach(([label, members], gi) => {
    const colour = label === 'no connection' ? '#999999' : PALETTE[gi % PALETTE.length]!;
    const height = members.length * ROW;
    rows.push(`<g class="connection" data-connection="${esc(label)}">`);
    rows.push(`<rect x="0" y="${y}" width="6" height="${height}" fill="${colour}"/>`);
    rows.push(`<rect x="6" y="${y}" width="${WIDTH - 6}" height="${height}" fill="${colour}" fill-opacity="0.06"/>`);
    for (const info of members) {
      const start = info.startTime - origin;
      const facts = [`#${info.id}`, label, info.reused ? 'reused' : info.numConnects > 0 ? 'opened' : '', info.pipelinePosition > 0 ? `pos ${info.pipelinePosition}` : '']
        .filter(Boolean).join(' · ');
      const tip = `${info.method} ${info.url} — ${info.status ?? info.error ?? ''} — ${info.timings.total.toFixed(1)} ms`;
      rows.push(`<g class="transfer" data-id="${info.id}"><title>${esc(tip)}</title>`);
      rows.push(`<text x="12" y="${y + ROW - 4}" font-size="11" fill="#333">${esc(facts)}</text>`);
      for (const p of phasesOf(info)) {
        const x0 = x(start + p.from);
        const w = Math.max(0.5, x(start + p.to) - x0);
        rows.push(`<rect class="phase ${p.name}" x="${x0.toFixed(2)}" y="${y + 2}" width="${w.toFixed(2)}" height="${ROW - 4}" fill="${PHASE_COLOURS[p.name]}"/>`);
      }
      if (info.error !== undefined) rows.push(`<text x="${(x(start + info.timings.total) + 3).toFixed(2)}" y="${y + ROW - 4}" font-size="10" fill="#c00">${esc(info.error)}</text>`);
      rows.push('</g>');
      y += ROW;
    }
    rows.push('</g>');
  });

  const axis: string[] = [];
  const step = tickStep(span);
  for (let ms = 0; ms <= span + 1e-9; ms += step) {
    const tx = x(ms).toFixed(2);
    axis.push(`<line x1="${tx}" y1="${TOP - 4}" x2="${tx}" y2="${y}" stroke="#000" stroke-opacity="0.12"/>`);
    axis.push(`<text x="${tx}" y="${TOP - 8}" font-size="10" text-anchor="middle" fill="#555">${Number(ms.toPrecision(6))} ms</text>`);
  }
  const legend = (Object.keys(PHASE_COLOURS) as Array<Phase['name']>).map((name, i) =>
    `<rect x="${LEFT + i * 120}" y="${y + 12}" width="10" height="10" fill="${PHASE_COLOURS[name]}"/><text x="${LEFT + i * 120 + 14}" y="${y + 21}" font-size="10" fill="#333">${PHASE_LABELS[name]}</text>`);
  const height = y + 36;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="18" font-size="14" font-weight="bold" fill="#222">${esc(title)}</text>`,
    `<text x="12" y="34" font-size="11" fill="#555">${infos.length} transfers on ${groups.size - (groups.has('no connection') ? 1 : 0)} connections, ${span.toFixed(1)} ms; one row per transfer, grouped and coloured by connection</text>`,
    ...axis,
    ...rows,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
