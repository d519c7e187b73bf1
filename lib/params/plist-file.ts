import { readFileSync } from 'node:fs';
import * as plist from 'plist';
import { SaxesParser } from 'saxes';
import { type Problems, Scope, sourceFile, type SourceFile } from './problems.js';
import { decodeUtf8 } from './text-file.js';

export interface PlistFile {
  file: SourceFile;
  /** The top-level value; undefined when the file could not be read or parsed. */
  value: unknown;
}

const LEAVES = new Set(['string', 'integer', 'real', 'true', 'false', 'date', 'data']);

interface Frame {
  kind: 'root' | 'plist' | 'dict' | 'array' | 'leaf' | 'key';
  path: string;
  tag: string;
  index: number;
  pendingKey?: string;
  text: string;
}

const join = (base: string, key: string | number) =>
  typeof key === 'number' ? `${base}[${key}]` : base ? `${base}.${key}` : key;

/**
 * A first pass with saxes, a conformant XML parser, before `plist` builds the values.
 *
 * Why two passes: the `plist` package turns `<integer>abc</integer>` into NaN and a
 * `<key>` without a value into "", silently, and its errors carry no line numbers.
 * This pass refuses both, names the line of every problem, and maps each key path
 * (`clients[0].profiles[2].params.interval`) to the line it is on, so later
 * validation can say where a bad value sits. saxes does not fetch the DTD the
 * plists name and expands no external entities.
 */
function lint(text: string, scope: Scope): Map<string, number> | undefined {
  const lines = new Map<string, number>();
  const parser = new SaxesParser({ position: true });
  const stack: Frame[] = [{ kind: 'root', path: '', tag: '', index: 0, text: '' }];
  let ok = true;
  const fail = (message: string) => {
    ok = false;
    scope.problems.add({ severity: 'error', file: scope.file.display, path: '', message, line: parser.line });
  };

  parser.on('opentag', (node) => {
    const top = stack[stack.length - 1]!;
    const tag = node.name;
    if (top.kind === 'root') {
      if (tag !== 'plist') fail(`expected <plist> as the root element, got <${tag}>`);
      stack.push({ kind: 'plist', path: '', tag, index: 0, text: '' });
      return;
    }
    if (top.kind === 'leaf' || top.kind === 'key') {
      fail(`<${tag}> inside <${top.tag}>`);
      stack.push({ kind: 'leaf', path: top.path, tag, index: 0, text: '' });
      return;
    }
    if (top.kind === 'dict' && tag === 'key') {
      if (top.pendingKey !== undefined) fail(`key "${top.pendingKey}" has no value`);
      stack.push({ kind: 'key', path: top.path, tag, index: 0, text: '' });
      return;
    }
    let path: string;
    if (top.kind === 'dict') {
      if (top.pendingKey === undefined) fail(`<${tag}> in a <dict> without a <key> before it`);
      path = join(top.path, top.pendingKey ?? '?');
      top.pendingKey = undefined;
    } else if (top.kind === 'array') {
      path = join(top.path, top.index++);
    } else {
      if (top.index++ > 0) fail('<plist> holds more than one value');
      path = '';
    }
    lines.set(path, parser.line);
    if (tag === 'dict') stack.push({ kind: 'dict', path, tag, index: 0, text: '' });
    else if (tag === 'array') stack.push({ kind: 'array', path, tag, index: 0, text: '' });
    else {
      if (!LEAVES.has(tag)) fail(`unknown plist element <${tag}>${path ? ` at ${path}` : ''}`);
      stack.push({ kind: 'leaf', path, tag, index: 0, text: '' });
    }
  });
  parser.on('text', (t) => {
    stack[stack.length - 1]!.text += t;
  });
  parser.on('cdata', (t) => {
    stack[stack.length - 1]!.text += t;
  });
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    const parent = stack[stack.length - 1]!;
    const t = frame.text.trim();
    if (frame.kind === 'key') parent.pendingKey = frame.text;
    else if (frame.kind === 'dict' && frame.pendingKey !== undefined) fail(`key "${frame.pendingKey}" has no value`);
    else if (frame.tag === 'integer' && !/^[+-]?\d+$/.test(t)) fail(`${frame.path || 'value'}: <integer> holds ${JSON.stringify(t)}, not an integer`);
    // Past 2⁵³ a number is no longer exact: 99999999999999999999 would be read as 1e20, silently.
    else if (frame.tag === 'integer' && !Number.isSafeInteger(Number(t))) fail(`${frame.path || 'value'}: <integer> holds ${t}, beyond what is exact (±${Number.MAX_SAFE_INTEGER})`);
    else if (frame.tag === 'real' && (t === '' || !Number.isFinite(Number(t)))) fail(`${frame.path || 'value'}: <real> holds ${JSON.stringify(t)}, not a number`);
  });

  try {
    parser.write(text).close();
  } catch (e) {
    // saxes messages start with "line:column: ".
    const m = /^(\d+):(\d+): (.*)$/s.exec((e as Error).message);
    scope.problems.add({
      severity: 'error',
      file: scope.file.display,
      path: '',
      message: m ? `not a well-formed plist: line ${m[1]}, column ${m[2]}: ${m[3]}` : `not a well-formed plist: ${(e as Error).message}`,
    });
    return undefined;
  }
  return ok ? lines : undefined;
}

/**
 * The text of an XML plist, or undefined after saying why the bytes are not one.
 * A binary plist (what Xcode and `defaults` often write) is refused by name,
 * with the command that converts it: parsed as XML it would only give
 * "not well-formed" at line 1, which tells the user nothing.
 */
function decodePlistBytes(bytes: Buffer, scope: Scope): string | undefined {
  if (bytes.subarray(0, 6).toString('latin1') === 'bplist') {
    scope.error(`a binary plist (${JSON.stringify(bytes.subarray(0, 8).toString('latin1'))}); loadsim reads XML plists only: convert it with \`plutil -convert xml1 ${scope.file.display}\` (macOS) or \`plistutil -i IN -o OUT -f xml\``);
    return undefined;
  }
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) {
    scope.error('UTF-16 text; loadsim reads UTF-8 plists: convert it with `plutil -convert xml1` or `iconv -f utf-16 -t utf-8`');
    return undefined;
  }
  return decodeUtf8(bytes, '', scope);
}

/** Read a plist file (or its given text); every problem goes to `problems` against the file as the user named it. */
export function readPlistFile(display: string, problems: Problems, cwd = process.cwd(), given?: string): PlistFile {
  const file = sourceFile(display, cwd);
  const scope = new Scope(problems, file);
  let text: string | undefined;
  try {
    // `given`: the file's text, sent by a manager to a worker that may not have the file.
    text = given ?? decodePlistBytes(readFileSync(file.abs), scope);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    scope.error(err.code === 'ENOENT' ? `cannot read: no such file (${file.abs})` : err.code === 'EISDIR' ? 'cannot read: it is a folder, expected a plist file' : `cannot read: ${err.message}`);
    return { file, value: undefined };
  }
  if (text === undefined) return { file, value: undefined };
  const lines = lint(text, scope);
  if (!lines) return { file, value: undefined };
  const withLines: SourceFile = { ...file, lines };
  return { file: withLines, value: plist.parse(text) };
}
