/**
 * Twisted AMP boxes (the framing of twisted.protocols.amp, which CalendarServer's
 * push service speaks): a box is a sequence of key/value pairs, each written as a
 * 2-byte big-endian length and the bytes, ended by an empty key (two zero bytes).
 * Keys are 1…255 bytes, values 0…65535 bytes. Commands carry `_command` and, when
 * an answer is wanted, `_ask` (a tag); answers carry `_answer` (the tag) and the
 * result fields; failures carry `_error`, `_error_code` and `_error_description`.
 * Integers travel as decimal text, strings as their bytes.
 *
 * Shared by the testbed's push service and loadsim's client hub: a generic codec,
 * with no knowledge of the commands. Values are UTF-8 text here, since every AMP
 * argument CalendarServer's push protocol uses is text.
 */

/** One box: key → value. Made with a null prototype, so a key such as `__proto__` is just a key. */
export type AmpBox = Record<string, string>;

export const AMP_MAX_KEY_LENGTH = 0xff;
export const AMP_MAX_VALUE_LENGTH = 0xffff;

/** The reserved keys of AMP's request/response layer. */
export const AMP = {
  COMMAND: '_command',
  ASK: '_ask',
  ANSWER: '_answer',
  ERROR: '_error',
  ERROR_CODE: '_error_code',
  ERROR_DESCRIPTION: '_error_description',
  /** Twisted's code for a command the peer has no responder for. */
  UNHANDLED: 'UNHANDLED',
  /** Twisted's code for any other failure of a responder. */
  UNKNOWN: 'UNKNOWN',
} as const;

/** Bytes that are not a well-formed AMP stream; the connection cannot be resynchronized and must be closed. */
export class AmpProtocolError extends Error {}

/** A new empty box (null prototype). */
export function ampBox(entries: Iterable<[string, string]> | Record<string, string> = []): AmpBox {
  const box = Object.create(null) as AmpBox;
  const it = Symbol.iterator in entries ? (entries as Iterable<[string, string]>) : Object.entries(entries);
  for (const [k, v] of it) box[k] = v;
  return box;
}

/** Encode one box. Throws RangeError for an empty or over-long key or an over-long value. */
export function encodeBox(box: Record<string, string | number>): Buffer {
  const parts: Buffer[] = [];
  let size = 2;
  for (const key of Object.keys(box)) {
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(String(box[key]), 'utf8');
    if (k.length === 0 || k.length > AMP_MAX_KEY_LENGTH) throw new RangeError(`AMP key must be 1-${AMP_MAX_KEY_LENGTH} bytes: "${key}"`);
    if (v.length > AMP_MAX_VALUE_LENGTH) throw new RangeError(`AMP value of "${key}" is ${v.length} bytes; at most ${AMP_MAX_VALUE_LENGTH}`);
    const head = Buffer.allocUnsafe(2);
    head.writeUInt16BE(k.length, 0);
    const vhead = Buffer.allocUnsafe(2);
    vhead.writeUInt16BE(v.length, 0);
    parts.push(head, k, vhead, v);
    size += 4 + k.length + v.length;
  }
  parts.push(Buffer.alloc(2));
  return Buffer.concat(parts, size);
}

export interface AmpDecoderOptions {
  /** Most bytes held for one unfinished box; beyond it the stream is treated as malformed (a peer cannot make us buffer without bound). */
  maxBoxBytes: number;
}

export const ampDecoderDefaults: AmpDecoderOptions = { maxBoxBytes: 1 << 20 };

/**
 * A streaming decoder: feed it whatever the socket delivers, in any split, and it
 * returns the boxes completed so far. After an AmpProtocolError it is unusable.
 */
export class AmpBoxDecoder {
  private readonly options: AmpDecoderOptions;
  private pending: Buffer = Buffer.alloc(0);
  private box: AmpBox = ampBox();
  /** Bytes of the current box already consumed (for the size bound). */
  private boxBytes = 0;
  private failed = false;

  constructor(options: Partial<AmpDecoderOptions> = {}) {
    this.options = { ...ampDecoderDefaults, ...options };
  }

  push(chunk: Buffer): AmpBox[] {
    if (this.failed) throw new AmpProtocolError('the stream already failed');
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: AmpBox[] = [];
    let at = 0;
    try {
      for (;;) {
        if (buf.length - at < 2) break;
        const klen = buf.readUInt16BE(at);
        if (klen === 0) {
          at += 2;
          out.push(this.box);
          this.box = ampBox();
          this.boxBytes = 0;
          continue;
        }
        if (klen > AMP_MAX_KEY_LENGTH) throw new AmpProtocolError(`key length ${klen} is over ${AMP_MAX_KEY_LENGTH}`);
        if (buf.length - at < 2 + klen + 2) break;
        const vlen = buf.readUInt16BE(at + 2 + klen);
        const pairBytes = 4 + klen + vlen;
        if (this.boxBytes + pairBytes > this.options.maxBoxBytes) throw new AmpProtocolError(`box larger than ${this.options.maxBoxBytes} bytes`);
        if (buf.length - at < pairBytes) break;
        const key = buf.toString('utf8', at + 2, at + 2 + klen);
        this.box[key] = buf.toString('utf8', at + 4 + klen, at + pairBytes);
        this.boxBytes += pairBytes;
        at += pairBytes;
      }
      if (this.boxBytes + (buf.length - at) > this.options.maxBoxBytes) throw new AmpProtocolError(`box larger than ${this.options.maxBoxBytes} bytes`);
    } catch (e) {
      this.failed = true;
      throw e;
    }
    // Keep only the unfinished tail; copy it so the (possibly large) chunk it came from can be freed.
    this.pending = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return out;
  }

  /** Bytes received but not yet part of a returned box. */
  get buffered(): number {
    return this.pending.length + this.boxBytes;
  }
}

/** Decode a buffer holding whole boxes only (tests, fixtures); throws if bytes are left over. */
export function decodeBoxes(bytes: Buffer): AmpBox[] {
  const d = new AmpBoxDecoder({ maxBoxBytes: Math.max(bytes.length, 1) });
  const boxes = d.push(bytes);
  if (d.buffered) throw new AmpProtocolError(`${d.buffered} bytes after the last complete box`);
  return boxes;
}

/** A command box: `_command` = name, `_ask` = tag when an answer is wanted, then the arguments. */
export function commandBox(name: string, args: Record<string, string | number | undefined>, ask?: string): AmpBox {
  const box = ampBox([[AMP.COMMAND, name]]);
  if (ask !== undefined) box[AMP.ASK] = ask;
  for (const [k, v] of Object.entries(args)) if (v !== undefined) box[k] = String(v);
  return box;
}

/** The answer to the command asked with `tag`. */
export function answerBox(tag: string, values: Record<string, string | number>): AmpBox {
  const box = ampBox([[AMP.ANSWER, tag]]);
  for (const [k, v] of Object.entries(values)) box[k] = String(v);
  return box;
}

/** The error answer to the command asked with `tag`. */
export function errorBox(tag: string, code: string, description: string): AmpBox {
  return ampBox([
    [AMP.ERROR, tag],
    [AMP.ERROR_CODE, code],
    [AMP.ERROR_DESCRIPTION, description.length > 1000 ? `${description.slice(0, 1000)}…` : description],
  ]);
}
