/**
 * Reads one response body as it arrives: counts wire bytes, decompresses
 * gzip/deflate as a stream, and enforces the size cap on both the wire bytes
 * and the decompressed bytes. A zip bomb (a few KB inflating to gigabytes)
 * therefore fails as soon as its output passes the cap, never allocating more
 * than the cap; a huge plain body fails at the cap without being read further.
 */

import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import type { DavFailure } from './errors.js';

export type ContentCoding = 'identity' | 'gzip' | 'deflate';

/** Where a reader reports; one of `bodyDone`/`bodyFailed` is called exactly once. */
export interface BodySink {
  bodyDone(body: Buffer): void;
  bodyFailed(failure: DavFailure): void;
  /** The decompressor drained: the network may be resumed. */
  bodyDrained(): void;
}

/** `Content-Encoding` → a coding we decode, or undefined for one we do not. */
export function contentCoding(header: string | string[] | undefined): ContentCoding | undefined {
  if (header === undefined) return 'identity';
  const v = (Array.isArray(header) ? header.join(',') : header).trim().toLowerCase();
  if (v === '' || v === 'identity') return 'identity';
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  if (v === 'deflate') return 'deflate';
  return undefined;
}

const EMPTY = Buffer.alloc(0);

export class BodyReader {
  /** Bytes received on the wire (before decompression). */
  wireBytes = 0;
  /** Bytes of the body after decompression. */
  decodedBytes = 0;
  private chunks: Buffer[] = [];
  private z: Gunzip | Inflate | InflateRaw | undefined;
  private pendingFirst: Buffer | undefined;
  private finished = false;

  /**
   * @param maxBytes the cap, on wire and decoded bytes alike
   * @param coding how the body is encoded
   * @param keep false to count and drop the bytes (a body nobody will read): no buffering, no decompression
   */
  constructor(
    private readonly maxBytes: number,
    private readonly coding: ContentCoding,
    private readonly keep: boolean,
    private readonly sink: BodySink,
  ) {}

  /** Feed a chunk from the network. Returns false when the network should pause until `bodyDrained`. */
  write(chunk: Buffer): boolean {
    if (this.finished) return true;
    this.wireBytes += chunk.length;
    if (this.wireBytes > this.maxBytes) {
      this.fail({ code: 'BODY_TOO_LARGE', reason: `body larger than ${this.maxBytes} bytes` });
      return true;
    }
    if (!this.keep) return true;
    if (this.coding === 'identity') {
      this.decodedBytes += chunk.length;
      this.chunks.push(chunk);
      return true;
    }
    if (!this.z) {
      // A "deflate" body should be zlib-wrapped (RFC 9110), but some servers send raw
      // deflate: tell them apart by the zlib header, which needs two bytes.
      if (this.coding === 'deflate') {
        const first = this.pendingFirst ? Buffer.concat([this.pendingFirst, chunk]) : chunk;
        if (first.length < 2) {
          this.pendingFirst = first;
          return true;
        }
        this.pendingFirst = undefined;
        const zlibWrapped = (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
        this.startDecoder(zlibWrapped ? createInflate() : createInflateRaw());
        return this.z!.write(first);
      }
      this.startDecoder(createGunzip());
    }
    return this.z!.write(chunk);
  }

  /** The response ended. */
  end(): void {
    if (this.finished) return;
    if (this.pendingFirst) {
      // A one-byte deflate body cannot be valid; let the decoder say so.
      this.startDecoder(createInflate());
      this.z!.write(this.pendingFirst);
      this.pendingFirst = undefined;
    }
    if (this.z) {
      this.z.end();
      return; // done when the decoder ends
    }
    this.done();
  }

  /** Stop: the exchange failed elsewhere (timeout, reset). No callback follows. */
  destroy(): void {
    this.finished = true;
    this.chunks = [];
    this.z?.destroy();
  }

  private startDecoder(z: Gunzip | Inflate | InflateRaw): void {
    this.z = z;
    z.on('data', (out: Buffer) => {
      if (this.finished) return;
      this.decodedBytes += out.length;
      if (this.decodedBytes > this.maxBytes) {
        this.fail({ code: 'BODY_TOO_LARGE', reason: `body larger than ${this.maxBytes} bytes` });
        return;
      }
      this.chunks.push(out);
    });
    z.on('end', () => this.done());
    z.on('error', () => this.fail({ code: 'MALFORMED_RESPONSE', reason: `malformed ${this.coding} body` }));
    z.on('drain', () => {
      if (!this.finished) this.sink.bodyDrained();
    });
  }

  private done(): void {
    if (this.finished) return;
    this.finished = true;
    const c = this.chunks;
    this.chunks = [];
    this.sink.bodyDone(c.length === 0 ? EMPTY : c.length === 1 ? c[0]! : Buffer.concat(c, this.decodedBytes));
  }

  private fail(f: DavFailure): void {
    if (this.finished) return;
    this.destroy();
    this.sink.bodyFailed(f);
  }
}
