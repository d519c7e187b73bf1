import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { VirtualClock } from '../../lib/core/clock.js';
import { loadConfig } from '../../lib/config/load-config.js';
import { renderHtml } from '../../lib/report/html.js';
import { checkResultDocument } from '../../lib/result/read-result.js';
import { reportText } from '../../lib/report/text-report.js';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { LoadSimulator } from '../../lib/simulator/simulator.js';
import { runInVirtualTime } from '../../lib/simulator/virtual-time.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { mergeResults } from '../../lib/result/merge-results.js';

/**
 * A whole run against a server that answers as others do (the testbed's
 * quirks): no well-known redirect, a notification collection that is named
 * but refused, a sync REPORT without sync-level refused. The run passes (no
 * request failed: the clients fell back), and each thing the clients learnt
 * is said once in every report form, with how many clients learnt it.
 */

const USERS = 6;
let dir: string;
let tb: Testbed;
let doc: ResultDocument;
let text: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-notices-'));
  tb = await startTestbed({ port: 0, users: USERS, quirks: { wellKnown: 404, notifications: 404, syncLevel: 'required' } });
  const config = {
    servers: { PodA: { enabled: true, uri: tb.url } },
    accounts: { loader: 'generateRecords', params: { count: USERS, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 2, groupSize: USERS / 2, interval: 5, clientsPerUser: 1 } },
    observers: [{ type: 'ReportStatistics', params: { failCutoff: 1.0 } }, { type: 'OperationLogger', params: {} }],
  };
  // Master's 10.7: well-known discovery, notification PROPFINDs, calendar sync without sync-level.
  const clients = { clients: [{ software: 'OS_X_10_7', params: { calendarHomePollInterval: 15, supportAmpPush: false }, profiles: [], weight: 1 }] };
  const c = path.join(dir, 'config.plist');
  const k = path.join(dir, 'clients.plist');
  writeFileSync(c, plist.build(config as unknown as plist.PlistValue));
  writeFileSync(k, plist.build(clients as unknown as plist.PlistValue));
  const loaded = (await loadConfig({ configPath: c, clientsPath: k })).config;
  const clock = new VirtualClock(Date.UTC(2026, 11, 7, 9, 0, 0));
  const sim = new LoadSimulator({ config: loaded, clock, seed: 'notices', out: () => {} });
  const result = await runInVirtualTime(sim, clock, { runtimeSeconds: 60 });
  doc = result.summary;
  text = result.report;
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

const NOTICES = {
  'PROPFIND{well-known} answered 404 Not Found (text/plain): clients went on to principalPathTemplate': USERS,
  'the server refused the notification collection (404 Not Found): clients stopped asking for it': USERS,
  'the server refused the calendar sync REPORT (400 Bad Request): clients list calendars instead': USERS,
};

describe('notices: what the clients learnt about the server, once each in every report', () => {
  it('the run passes: every refusal was an answer the clients handle, not a failed request', () => {
    assert.equal(doc.verdict, 'PASS', doc.reasons.join('\n'));
    assert.deepEqual(Object.entries(doc.requests).filter(([, s]) => s.failed > 0).map(([l]) => l), []);
    // Each client asked for its notifications once: at its first poll, then never again.
    assert.equal(doc.requests['PROPFIND{notification}']?.count, USERS);
    assert.equal(doc.requests['PROPFIND{notification-items}'], undefined);
  });

  it('JSON: each notice with the number of clients that learnt it', () => {
    assert.deepEqual(doc.notices, NOTICES);
    assert.deepEqual(checkResultDocument(JSON.parse(JSON.stringify(doc)), 'result.json').notices, NOTICES);
  });

  it('text: a `* Notices` block, each once; the saved result prints the same', () => {
    const block = text.slice(text.indexOf('* Notices'));
    for (const [notice, n] of Object.entries(NOTICES)) {
      assert.equal(text.split(notice).length - 1, 1, notice);
      assert.ok(block.includes(`${notice} : ${n} clients`), block);
    }
    assert.equal(reportText(doc), text);
  });

  it('HTML: a Notices table', () => {
    const html = renderHtml(doc);
    assert.match(html, /<h2>Notices<\/h2>/);
    for (const notice of Object.keys(NOTICES)) assert.ok(html.includes(notice.replace(/</g, '&lt;').replace(/>/g, '&gt;')), notice);
  });

  it('merged slices add their clients up', () => {
    const merged = mergeResults([
      { file: 'a.json', doc: { ...doc, run: { ...doc.run, worker: { index: 0, count: 2 } } } },
      { file: 'b.json', doc: { ...doc, run: { ...doc.run, worker: { index: 1, count: 2 } } } },
    ]);
    assert.deepEqual(merged.notices, Object.fromEntries(Object.entries(NOTICES).map(([k, v]) => [k, 2 * v])));
  });
});
