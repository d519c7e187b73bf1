import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmpBoxDecoder, AmpProtocolError, ampBox, answerBox, commandBox, decodeBoxes, encodeBox, errorBox } from '../../lib/amp/amp-box.js';

/** The bytes Twisted writes for `callRemote(SubscribeToID, token='t', id='/x/')` as the first call (tag "1"), built by hand. */
function handBuilt(): Buffer {
  const pair = (k: string, v: string) => [Buffer.from([0, k.length]), Buffer.from(k), Buffer.from([v.length >> 8, v.length & 0xff]), Buffer.from(v)];
  return Buffer.concat([...pair('_command', 'SubscribeToID'), ...pair('_ask', '1'), ...pair('token', 't'), ...pair('id', '/x/'), Buffer.from([0, 0])]);
}

describe('AMP box codec', () => {
  it('encodes exactly the wire format: 2-byte lengths, key, value, an empty key at the end', () => {
    assert.deepEqual(encodeBox(commandBox('SubscribeToID', { token: 't', id: '/x/' }, '1')), handBuilt());
    assert.deepEqual(encodeBox({}), Buffer.from([0, 0]));
    assert.deepEqual(encodeBox({ n: 42 }), Buffer.from([0, 1, 0x6e, 0, 2, 0x34, 0x32, 0, 0]));
  });

  it('decodes what it encodes, across any split of the stream', () => {
    const boxes = [commandBox('NotificationForID', { id: '/CalDAV/localhost/user01/', dataChangedTimestamp: 1767225600, priority: 10 }, 'a'), answerBox('1', { status: 'OK' }), errorBox('2', 'UNHANDLED', "Unhandled Command: 'X'"), ampBox({ v: 'é'.repeat(300) })];
    const bytes = Buffer.concat(boxes.map(encodeBox));
    assert.deepEqual(decodeBoxes(bytes).map((b) => ({ ...b })), boxes.map((b) => ({ ...b })));
    for (const step of [1, 2, 3, 7, 64]) {
      const d = new AmpBoxDecoder();
      const out = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...d.push(bytes.subarray(i, i + step)));
      assert.equal(out.length, boxes.length, `step ${step}`);
      assert.equal(out[3]!.v, 'é'.repeat(300));
      assert.equal(d.buffered, 0);
    }
  });

  it('values up to 65535 bytes; longer values and empty or long keys refuse to encode', () => {
    const big = 'x'.repeat(65535);
    assert.equal(decodeBoxes(encodeBox({ big }))[0]!.big, big);
    assert.throws(() => encodeBox({ big: `${big}x` }), RangeError);
    assert.throws(() => encodeBox({ '': 'v' }), RangeError);
    assert.throws(() => encodeBox({ ['k'.repeat(256)]: 'v' }), RangeError);
  });

  it('a key longer than 255 bytes or a box beyond the bound is a protocol error, and the decoder stays failed', () => {
    const d = new AmpBoxDecoder();
    assert.throws(() => d.push(Buffer.from([1, 0, 0x61])), AmpProtocolError);
    assert.throws(() => d.push(Buffer.from([0, 0])), AmpProtocolError);
    const small = new AmpBoxDecoder({ maxBoxBytes: 100 });
    assert.throws(() => small.push(encodeBox({ k: 'v'.repeat(200) })), AmpProtocolError);
    assert.throws(() => decodeBoxes(Buffer.from([0, 1, 0x61])), AmpProtocolError); // truncated
  });

  it('a key named __proto__ is an ordinary key', () => {
    const [box] = decodeBoxes(encodeBox(ampBox([['__proto__', 'x']])));
    assert.equal(Object.getPrototypeOf(box), null);
    // biome-ignore lint/suspicious/noProto: a key named __proto__ is kept as data, not taken as the prototype
    assert.equal(box!.__proto__, 'x');
  });
});
