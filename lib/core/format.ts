/**
 * The handful of Python `%` conversions the original's report text uses, so
 * that our lines read like its lines: `%8.4f`, `%-5.2f`, `%g`, `str(float)`,
 * `%02d:%02d:%02d`, `strftime('%m/%d %H:%M:%S')`.
 */

/** `%<width>.<digits>f` (negative width: left-aligned, as `%-5.2f`). Python spells NaN `nan`. */
export function fixed(x: number, digits: number, width = 0): string {
  const s = Number.isNaN(x) ? 'nan' : Number.isFinite(x) ? x.toFixed(digits) : x > 0 ? 'inf' : '-inf';
  return pad(s, width);
}

/** `%<width>s`: right-aligned to `width`, left-aligned when negative; never truncated. */
export function pad(s: string, width: number): string {
  return width < 0 ? s.padEnd(-width) : s.padStart(width);
}

/**
 * `%g`: 6 significant digits, trailing zeros dropped, exponent form below
 * 1e-4 and from 1e6 (`0.1`, `1`, `30`, `0.5`, `1e+06`).
 */
export function g(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const [mantissa, expText] = x.toExponential(5).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(Number(x.toPrecision(6)));
}

/** Python's `str()` of a float: a whole number keeps its `.0` (`1000.0`). */
export function pyFloat(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? x.toFixed(1) : String(x);
}

/** `%02d:%02d:%02d` of whole seconds (hours may exceed 99). */
export function hms(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

/** `strftime('%m/%d %H:%M:%S')` in local time, as the original printed its start time. */
export function monthDayTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getMonth() + 1)}/${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
