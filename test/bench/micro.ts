/**
 * Benchmark `micro`: the speed and memory figures that used to be thresholds
 * inside `npm test` (issue #24: a test there checks what a thing does; what it
 * costs is measured here, on a quiet machine, and printed against its target).
 *
 * - parseMultistatus: µs to parse a 20-response multistatus, best of 5 rounds
 *   (was test/caldav/multistatus.test.ts; target < 1,000 µs).
 * - flatString: heap bytes a 40-character string cut from a large body costs
 *   when kept, against a plain slice and the old `(' ' + s).slice(1)` idiom
 *   (was test/flat-string.test.ts; target < 72 bytes, and 8 bytes under the old idiom).
 * - client state: heap bytes per started client with 5 events, its connection
 *   open (was test/clients/memory.test.ts; target < 22,000 bytes).
 *
 * Run by run-all.ts (LOADSIM_BENCH_ONLY=micro runs it alone). Needs
 * `--expose-gc`, which it sets for itself.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CalDAVClient } from '../../lib/clients/client.js';
import { flatString } from '../../lib/core/flat-string.js';
import { parseMultistatus } from '../../lib/caldav/multistatus.js';
import { parseCalendarObject } from '../../lib/ical/calendar-object.js';
import { startTestbed } from '../../lib/testbed/server.js';
import { closeHttp, makeClient } from '../clients/support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export interface MicroResult {
  parseMultistatusMicros: number;
  flatString: { flatBytes: number; oldIdiomBytes: number; sliceBytes: number };
  heapBytesPerClient: number;
}

function multistatusMicros(): number {
  let xml = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">';
  for (let i = 0; i < 20; i++) {
    xml += `<D:response><D:href>/calendars/__uids__/10000000-0000-0000-0000-000000000001/calendar/${i}-C5A8B6D2-1F3E.ics</D:href><D:propstat><D:prop><D:getetag>"a1b2c3d4e5f6a7b8c9d0${i}"</D:getetag><D:getcontenttype>text/calendar;charset=utf-8</D:getcontenttype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
  }
  xml += '<D:sync-token>data:,123</D:sync-token></D:multistatus>';
  for (let i = 0; i < 500; i++) parseMultistatus(xml);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const n = 400;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) parseMultistatus(xml);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n / 1000);
  }
  return best;
}

const COUNT = 20_000;
const LENGTH = 40;
/** Heap bytes held per string when COUNT strings made by `make` from one large body are kept and the body is dropped. */
function heldPerString(make: (body: string, i: number) => string): number {
  let body: string | undefined = Array.from({ length: COUNT + LENGTH }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: COUNT }, (_, i) => make(body!, i));
  body = undefined;
  gc();
  const perString = (process.memoryUsage().heapUsed - before) / COUNT;
  if (kept.length !== COUNT) throw new Error('strings lost');
  return perString;
}
const median3 = (make: (body: string, i: number) => string) => [heldPerString(make), heldPerString(make), heldPerString(make)].sort((x, y) => x - y)[1]!;

async function heapPerClient(): Promise<number> {
  const tb = await startTestbed({ port: 0, users: 50 });
  try {
    for (const u of tb.store.users.values()) {
      for (let i = 0; i < 5; i++) {
        const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VEVENT', `UID:${u.uid}-${i}`, 'DTSTAMP:20260101T000000Z', 'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z', 'SUMMARY:Event', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
        const parsed = parseCalendarObject(text);
        if (!parsed.ok) throw new Error('fixture event does not parse');
        u.home.collections.get('calendar')!.put({ name: `${u.uid}-${i}.ics`, text, contentType: 'text/calendar', etag: `"${u.uid}-${i}"`, uid: parsed.object.uid, component: 'VEVENT', parsed: parsed.object, lastModified: 0 });
      }
    }
    const n = 500;
    const make = (i: number) => makeClient(tb, 'OS_X_10_7', `user${String((i % 50) + 1).padStart(2, '0')}`, {}, i, false).client;
    // One client per user first: the testbed's own first-start growth is not client state.
    await Promise.all(Array.from({ length: 50 }, (_, i) => make(1000 + i).startup()));
    gc();
    const before = process.memoryUsage().heapUsed;
    const clients: CalDAVClient[] = Array.from({ length: n }, (_, i) => make(i));
    for (let i = 0; i < n; i += 50) await Promise.all(clients.slice(i, i + 50).map((c) => c.startup()));
    gc();
    if (!clients.every((c) => c.started && c.state.events.size === 5)) throw new Error('not every client started with its 5 events');
    return (process.memoryUsage().heapUsed - before) / n;
  } finally {
    await closeHttp();
    await tb.close();
  }
}

export async function runMicro(log: (line: string) => void): Promise<MicroResult> {
  const parseMultistatusMicros = Math.round(multistatusMicros() * 10) / 10;
  log(`micro: parseMultistatus ${parseMultistatusMicros} µs for 20 responses`);
  const flat = median3((body, i) => flatString(body.slice(i, i + LENGTH)));
  const oldIdiom = median3((body, i) => (' ' + body.slice(i, i + LENGTH)).slice(1));
  const slices = median3((body, i) => body.slice(i, i + LENGTH));
  log(`micro: bytes a kept string: flatString ${flat.toFixed(1)}, old idiom ${oldIdiom.toFixed(1)}, slices ${slices.toFixed(1)}`);
  const perClient = Math.round(await heapPerClient());
  log(`micro: ${perClient} bytes of heap per started client`);
  return { parseMultistatusMicros, flatString: { flatBytes: flat, oldIdiomBytes: oldIdiom, sliceBytes: slices }, heapBytesPerClient: perClient };
}
