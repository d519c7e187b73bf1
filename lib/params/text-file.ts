import { readFileSync } from 'node:fs';
import type { Scope } from './problems.js';

/**
 * The offset of the first byte that does not begin a valid UTF-8 sequence, or
 * -1 when all of `bytes` is UTF-8. Why a validator rather than
 * `readFileSync(f, 'utf8')`: Node replaces bad bytes with U+FFFD silently, so a
 * Latin-1 name in an accounts file would become a different password, and the
 * server's 401s would be the first sign of it.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) (need = 1), (min = 0x80);
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (min = 0x800);
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    if (i + need >= bytes.length) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 either.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/** 1-based line and column of a byte offset. */
export function lineOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) (line++, (start = i + 1));
  return { line, column: offset - start + 1 };
}

/** Decode `bytes` as UTF-8, or say where they are not (undefined). */
export function decodeUtf8(bytes: Uint8Array, what: string, scope: Scope): string | undefined {
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return new TextDecoder('utf-8').decode(bytes);
  const { line, column } = lineOf(bytes, bad);
  const hex = `0x${bytes[bad]!.toString(16).padStart(2, '0')}`;
  scope.error(`${what}line ${line}, column ${column}: byte ${hex} is not UTF-8; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)`);
  return undefined;
}

/** Check that a file a config names is UTF-8 text; problems go to `scope`. Returns false when it is not. */
export function checkUtf8(abs: string, written: string, scope: Scope): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    scope.error(`${written}: cannot read: ${(e as Error).message}`);
    return false;
  }
  return decodeUtf8(bytes, `${written}: `, scope) !== undefined;
}
