import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { VirtualClock } from '../../lib/core/clock.js';
import type { ResponseEvent } from '../../lib/core/events.js';
import { JTL_COLUMNS, JtlWriter, jtlThreadName } from '../../lib/report/jtl-writer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-jtl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function response(over: Partial<ResponseEvent> = {}): ResponseEvent {
  return {
    type: 'response',
    user: 'user01',
    clientId: 'c-1',
    clientType: 'main 0',
    label: 'PROPFIND{home}',
    method: 'PROPFIND',
    url: 'https://cal.example.com/calendars/users/user01/',
    status: 207,
    success: true,
    durationMs: 123.4,
    bytesOut: 321,
    bytesIn: 4567,
    at: 1_767_603_600_000,
    ...over,
  };
}

const readRows = (file: string): Record<string, string>[] => parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true });

describe('JtlWriter', () => {
  it('writes JMeter’s header and every column of each response', async () => {
    const file = path.join(dir, 'nested', 'folder', 'run.jtl');
    const w = JtlWriter.open(file);
    w.observe({ type: 'status', clientCount: 7, at: 0 });
    w.observe(response({ connectMs: 12.6, firstByteMs: 80.2 }));
    w.observe(
      response({
        label: 'REPORT{sync-init}',
        method: 'REPORT',
        url: 'https://cal.example.com/calendars/users/user01/a,b/',
        status: 0,
        success: false,
        durationMs: 30_000,
        bytesIn: 0,
        error: 'timeout',
        at: 1_767_603_700_000,
      }),
    );
    w.observe({ type: 'status', clientCount: 9, at: 0 });
    w.observe(response({ status: 500, success: false, error: 'unexpected status 500, said "no"', durationMs: 5.5, at: 1_767_603_800_000 }));
    w.observe(response({ status: 0, success: false, error: 'invalid request (bad header, "x")', durationMs: 1, at: 1_767_603_900_000 }));
    w.observe({ type: 'operation', phase: 'start', label: 'poll', user: 'user01', clientId: 'c-1', clientType: 'main 0', at: 0 });
    await w.close();
    assert.equal(w.error, undefined);
    assert.equal(w.written, 4);
    assert.equal(w.dropped, 0);

    const text = readFileSync(file, 'utf8');
    assert.equal(text.split('\n')[0], JTL_COLUMNS.join(','));
    assert.equal(
      text.split('\n')[0],
      'timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect',
    );
    // A plain label is not quoted; a URL with a comma is.
    assert.match(text, /,REPORT\{sync-init\},/);
    assert.match(text, /,"https:\/\/cal\.example\.com\/calendars\/users\/user01\/a,b\/",/);

    const rows = readRows(file);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[0], {
      timeStamp: String(Math.round(1_767_603_600_000 - 123.4)),
      elapsed: '123',
      label: 'PROPFIND{home}',
      responseCode: '207',
      responseMessage: 'Multi-Status',
      threadName: 'loadsim user01/main_0',
      dataType: 'text',
      success: 'true',
      failureMessage: '',
      bytes: '4567',
      sentBytes: '321',
      grpThreads: '7',
      allThreads: '7',
      URL: 'https://cal.example.com/calendars/users/user01/',
      Latency: '80',
      IdleTime: '0',
      Connect: '13',
    });
    assert.deepEqual(rows[1], {
      timeStamp: String(1_767_603_700_000 - 30_000),
      elapsed: '30000',
      label: 'REPORT{sync-init}',
      responseCode: 'Non HTTP response code: timeout',
      responseMessage: 'Non HTTP response message: timeout',
      threadName: 'loadsim user01/main_0',
      dataType: 'text',
      success: 'false',
      failureMessage: 'timeout',
      bytes: '0',
      sentBytes: '321',
      grpThreads: '7',
      allThreads: '7',
      URL: 'https://cal.example.com/calendars/users/user01/a,b/',
      // Without a first-byte time, Latency falls back to the duration.
      Latency: '30000',
      IdleTime: '0',
      Connect: '0',
    });
    assert.equal(rows[2]!.responseCode, '500');
    assert.equal(rows[2]!.responseMessage, 'Internal Server Error');
    assert.equal(rows[2]!.failureMessage, 'unexpected status 500, said "no"');
    assert.equal(rows[2]!.success, 'false');
    assert.equal(rows[2]!.grpThreads, '9');
    assert.equal(rows[2]!.elapsed, '6');
    // The code keeps the kind; the detail goes to the message.
    assert.equal(rows[3]!.responseCode, 'Non HTTP response code: invalid request');
    assert.equal(rows[3]!.responseMessage, 'Non HTTP response message: invalid request (bad header, "x")');
    assert.equal(rows[3]!.failureMessage, 'invalid request (bad header, "x")');
  });

  it('names threads so JMeter’s dashboard sees one thread group', () => {
    const name = jtlThreadName({ user: 'user 7', clientType: 'OS X 10.11 1' });
    assert.equal(name, 'loadsim user_7/OS_X_10.11_1');
    assert.equal(name.slice(0, name.lastIndexOf(' ')), 'loadsim');
  });

  it('keeps all of 100,000 rows, written in large chunks', async () => {
    const file = path.join(dir, 'many.jtl');
    const w = JtlWriter.open(file);
    const n = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      w.observe(response({ at: 1_767_603_600_000 + i, durationMs: i % 1000, label: `GET{event-${i % 17}}` }));
      // Let writes complete now and then, as the event loop does during a run.
      if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
    }
    await w.close();
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(w.error, undefined);
    assert.equal(w.written, n);
    assert.equal(w.dropped, 0);
    const rows = readRows(file);
    assert.equal(rows.length, n);
    for (let i = 0; i < n; i += 9973) {
      assert.equal(rows[i]!.elapsed, String(i % 1000));
      assert.equal(rows[i]!.label, `GET{event-${i % 17}}`);
    }
    assert.equal(rows[n - 1]!.timeStamp, String(1_767_603_600_000 + n - 1 - ((n - 1) % 1000)));
    console.log(`# JTL: ${n} rows in ${seconds.toFixed(3)} s = ${Math.round(n / seconds)} rows/s`);
  });

  it('writes as the run goes: a quiet run’s rows reach the file within the flush interval', async () => {
    const file = path.join(dir, 'quiet.jtl');
    const clock = new VirtualClock();
    const w = JtlWriter.open(file, { clock, flushIntervalMs: 1000 });
    w.observe(response());
    await new Promise((r) => setImmediate(r));
    assert.equal(readFileSync(file, 'utf8'), '');
    clock.advance(1000);
    // The write was started by the timer; wait for it.
    for (let i = 0; i < 50 && w.written === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(readRows(file).length, 1);
    await w.close();
    assert.equal(clock.pending, 0);
  });

  it('records a write error once, drops and counts later rows, and never throws', { skip: !existsSync('/dev/full') && 'no /dev/full here' }, async () => {
    const messages: string[] = [];
    const w = JtlWriter.open('/dev/full', { chunkBytes: 1024, onError: (m) => messages.push(m) });
    for (let i = 0; i < 200; i++) {
      w.observe(response());
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await w.close();
    await w.close();
    assert.ok(w.error);
    assert.equal((w.error as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /cannot write the JTL file \/dev\/full: .*ENOSPC/);
    assert.equal(w.written, 0);
    assert.equal(w.dropped, 200);
  });

  it('bounds memory when the disk falls behind: rows beyond the limit are dropped and counted', async () => {
    const file = path.join(dir, 'slow.jtl');
    const messages: string[] = [];
    const w = JtlWriter.open(file, { chunkBytes: 1024, maxPendingBytes: 4096, onError: (m) => messages.push(m) });
    // No turn of the event loop: the first write cannot complete, so the rest piles up.
    for (let i = 0; i < 1000; i++) w.observe(response());
    assert.ok(w.dropped > 0);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /not keeping up/);
    await w.close();
    assert.equal(w.error, undefined);
    assert.equal(w.written + w.dropped, 1000);
    assert.equal(readRows(file).length, w.written);
  });

  it('drops rows observed after close', async () => {
    const w = JtlWriter.open(path.join(dir, 'closed.jtl'));
    const closing = w.close();
    w.observe(response());
    await closing;
    assert.equal(w.dropped, 1);
    assert.equal(w.written, 0);
  });
});
