/** The texts of curl's progress displays: the meter's table, its line, and the -# bar. */

export const METER_HEADER =
  '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n'
  + '                                 Dload  Upload   Total   Spent    Left  Speed\n';

const K = 1024;
const M = K * K;
const G = M * K;
const T = G * K;

/** curl's max5data: a size in at most five characters, with k, M, G, T or P (powers of 1024). */
export function max5(n: number): string {
  const b = Math.max(0, Math.floor(n));
  const whole = (v: number, unit: string): string => `${String(Math.floor(v)).padStart(4)}${unit}`;
  const tenths = (v: number, one: number, unit: string): string =>
    `${String(Math.floor(v / one)).padStart(2)}.${Math.floor((v % one) / (one / 10))}${unit}`;
  if (b < 100_000) return String(b).padStart(5);
  if (b < 10_000 * K) return whole(b / K, 'k');
  if (b < 100 * M) return tenths(b, M, 'M');
  if (b < 10_000 * M) return whole(b / M, 'M');
  if (b < 100 * G) return tenths(b, G, 'G');
  if (b < 10_000 * G) return whole(b / G, 'G');
  if (b < 10_000 * T) return whole(b / T, 'T');
  return whole(b / (T * K), 'P');
}

/** curl's time2str: H:MM:SS in eight characters, days past 99 hours, --:--:-- for nothing. */
export function time8(seconds: number): string {
  const s = Math.floor(seconds);
  if (!(s > 0)) return '--:--:--';
  const h = Math.floor(s / 3600);
  if (h <= 99) {
    const m = Math.floor((s - h * 3600) / 60);
    return `${String(h).padStart(2)}:${String(m).padStart(2, '0')}:${String(s - h * 3600 - m * 60).padStart(2, '0')}`;
  }
  const d = Math.floor(s / 86400);
  const dh = Math.floor((s - d * 86400) / 3600);
  return d <= 999 ? `${String(d).padStart(3)}d ${String(dh).padStart(2, '0')}h` : `${String(d).padStart(7)}d`;
}

export interface MeterState {
  /** Body bytes received and sent so far. */
  downloaded: number;
  uploaded: number;
  /** Sizes announced (Content-Length), when known. */
  downloadSize?: number;
  uploadSize?: number;
  /** Seconds since the start. */
  elapsed: number;
  /** Bytes per second over the last seconds (curl's "Current Speed"). */
  currentSpeed: number;
}

const percent = (part: number, whole: number): number =>
  whole > 10_000 ? Math.floor(part / Math.floor(whole / 100)) : whole > 0 ? Math.floor((part * 100) / whole) : 0;

/** One line of curl's meter, as curl 7.88 prints it (without the leading carriage return). */
export function meterLine(s: MeterState): string {
  const dlSpeed = s.elapsed > 0 ? Math.floor(s.downloaded / s.elapsed) : 0;
  const ulSpeed = s.elapsed > 0 ? Math.floor(s.uploaded / s.elapsed) : 0;
  // What is not announced counts as what has passed so far, as in curl.
  const expected = (s.uploadSize ?? s.uploaded) + (s.downloadSize ?? s.downloaded);
  const current = s.downloaded + s.uploaded;
  const totalPercent = percent(current, expected);
  const dlPercent = s.downloadSize !== undefined ? percent(s.downloaded, s.downloadSize) : 0;
  const ulPercent = s.uploadSize !== undefined ? percent(s.uploaded, s.uploadSize) : 0;
  // curl: the longer of the two estimates (size / average speed), in whole seconds; left is total - spent.
  const estimate = (size: number | undefined, speed: number): number => (size !== undefined && speed > 0 ? Math.floor(size / speed) : 0);
  const total = Math.max(estimate(s.downloadSize, dlSpeed), estimate(s.uploadSize, ulSpeed));
  const left = total > 0 ? total - Math.floor(s.elapsed) : 0;
  const p3 = (n: number): string => String(n).padStart(3);
  return `${p3(totalPercent)} ${max5(expected)}  ${p3(dlPercent)} ${max5(s.downloaded)}  ${p3(ulPercent)} ${max5(s.uploaded)}  `
    + `${max5(dlSpeed)}  ${max5(ulSpeed)} ${time8(total)} ${time8(s.elapsed)} ${time8(left)} ${max5(s.currentSpeed)}`;
}

/** curl's -# bar for a known size: '#' over width - 7 columns, then the percentage with one decimal. */
export function barLine(done: number, size: number, width: number): string {
  const frac = size > 0 ? Math.min(1, done / size) : 1;
  const barWidth = width - 7;
  return `${'#'.repeat(Math.floor(barWidth * frac)).padEnd(barWidth)} ${(frac * 100).toFixed(1).padStart(5)}%`;
}

/** The -# bar for an unknown size: curl's "-=O=-" going to and fro across the width. */
export function flyLine(tick: number, width: number): string {
  const span = Math.max(1, width - 6);
  const round = 2 * span;
  const t = tick % round;
  const at = t <= span ? t : round - t;
  return `${' '.repeat(at)}-=O=-`.padEnd(width - 1);
}
