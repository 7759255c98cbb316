/** Tables as plain text (the terminal) and Markdown (bench/results.md, the README), and how figures are written in them. */
import type { Figure } from './stats.js';

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  /** Leading text columns (left-aligned); the rest are figures. Default 2. */
  textColumns?: number;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "12,345 ±4%": the median and half the min–max range relative to it. */
export function withSpread(f: Figure, digits = 0): string {
  const value = digits === 0 ? int.format(f.median) : f.median.toFixed(digits);
  if (f.runs < 2 || f.median === 0) return value;
  return `${value} ±${Math.round(((f.max - f.min) / 2 / f.median) * 100)}%`;
}

export function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}x`;
}

export function textTable(t: Table): string {
  const text = t.textColumns ?? 2;
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < text ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [t.title, line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

export function markdownTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `**${t.title}**`,
    '',
    `| ${t.headers.map(esc).join(' | ')} |`,
    `| ${t.headers.map((_, i) => (i < (t.textColumns ?? 2) ? '---' : '---:')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
