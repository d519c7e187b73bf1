import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../lib/cli/main.js';

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) found.push(...filesUnder(p));
    else if (s.isFile()) found.push(p);
  }
  return found;
}

/**
 * The forms a password could leak in: as written, URL-encoded (a URL with
 * `user:password@`, a form body), HTML-escaped, JSON-escaped, and the value
 * of a Basic Authorization header (base64 of `user:password`).
 */
export function secretForms(user: string, password: string): string[] {
  const html = password.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const basic = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  return [...new Set([password, encodeURIComponent(password), html, JSON.stringify(password).slice(1, -1), basic])];
}

/** The first form of any secret found in `text`, with what it belongs to, or undefined. */
export function leakIn(text: string | Buffer, secrets: ReadonlyMap<string, string[]>): string | undefined {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (const [owner, forms] of secrets) for (const f of forms) if (buf.includes(f)) return `${owner} (${JSON.stringify(f)})`;
  return undefined;
}

/** `loadsim …` in this process, with a callback on every line printed to standard output (to catch the web admin's URL). */
export async function cliWithLines(args: string[], cwd: string, onOut: (line: string) => void = () => {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    cwd,
    out: (s) => {
      out.push(s);
      onOut(s);
    },
    err: (s) => err.push(s),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

export const readAll = (f: string) => readFileSync(f);
