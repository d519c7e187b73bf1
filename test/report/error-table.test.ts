import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { SimEvent } from '../../lib/core/events.js';
import { OperationLogger } from '../../lib/observers/operation-logger.js';
import { ReportStatistics } from '../../lib/observers/report-statistics.js';
import { buildResult } from '../../lib/result/build-result.js';
import { renderHtml } from '../../lib/report/html.js';
import { renderJUnit } from '../../lib/report/junit.js';
import { checkResultDocument, readResultDocument } from '../../lib/result/read-result.js';
import { reportText } from '../../lib/report/text-report.js';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { renderTextReport } from '../../lib/report/text-report.js';
import type { FailureCounts } from '../../lib/stats/failure-table.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';
import { childrenNamed, parseXml, type XmlElement } from '../../lib/xml/parse.js';
import { operation, reportContext, response } from '../observers/support.js';

/**
 * The error table in every form of the report: the result JSON (`errors`,
 * `operationErrors`) and its read-back, the text report and its re-render
 * by `loadsim report`, the HTML report and the JUnit failure messages. A
 * result of an older version, without the table, still reads and renders.
 */

const EVIL = 'bad <b>gateway</b> & "friends"';

function failed(n: number, label: string, status: number, error?: string): SimEvent[] {
  return Array.from({ length: n }, () => response(label, 0.2, false, { status, ...(error !== undefined ? { error } : {}) }));
}
const ok = (n: number, label: string): SimEvent[] => Array.from({ length: n }, () => response(label, 0.05, true, { status: 207 }));

/** 45 GET{event}: 2 × 404, 1 timeout; 167 PROPFIND{home}: 67 failed, of 12 kinds, one of them hostile markup; 20 polls, 2 failed. */
function events(): SimEvent[] {
  const propfindKinds: SimEvent[] = [];
  for (let k = 0; k < 11; k++) propfindKinds.push(...failed(11 - k, 'PROPFIND{home}', 0, `network error (E${String(k).padStart(2, '0')})`));
  propfindKinds.push(...failed(1, 'PROPFIND{home}', 502, EVIL));
  return [
    ...ok(42, 'GET{event}'),
    ...failed(2, 'GET{event}', 404, 'unexpected status 404'),
    ...failed(1, 'GET{event}', 0, 'timeout'),
    ...ok(100, 'PROPFIND{home}'),
    ...propfindKinds,
    ...Array.from({ length: 18 }, () => operation('end', 'poll', { durationMs: 300, success: true })),
    ...Array.from({ length: 2 }, () => operation('end', 'poll', { durationMs: 300, success: false, reason: 'GET{event}: unexpected status 404 (expected 200)' })),
  ];
}

function run(evs: SimEvent[]): { doc: ResultDocument; text: string } {
  const rs = new ReportStatistics();
  const ol = new OperationLogger({ out: () => {} });
  for (const e of evs) {
    rs.observe(e);
    ol.observe(e);
  }
  const observers = [rs, ol];
  const lag = new LatencyHistogram();
  const { text, reasons } = renderTextReport({ observers, ctx: reportContext, lag, intervals: [], intervalSeconds: 10 });
  const responses = evs.filter((e) => e.type === 'response').length;
  const doc = buildResult({
    requests: rs.tables(),
    operations: ol.tables(),
    reasons,
    endedBy: 'runtime',
    ctx: reportContext,
    run: { config: 'config.plist', clients: 'clients.plist', servers: [] },
    intervalSeconds: 10,
    events: { requests: responses, responses, dropped: 0 },
    lag,
    intervals: [],
    serverStats: [],
  });
  return { doc, text };
}

/** A result as an older version wrote it: no error tables. */
function older(doc: ResultDocument): ResultDocument {
  const copy = structuredClone(doc);
  delete copy.errors;
  delete copy.operationErrors;
  return copy;
}

const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the error table in the result JSON', () => {
  const { doc } = run(events());

  it('label → kind → count, most frequent first; a label’s counts add up to its failed', () => {
    assert.deepEqual(doc.errors!['GET{event}'], { 'HTTP 404 Not Found': 2, timeout: 1 });
    assert.deepEqual(Object.keys(doc.errors!), ['GET{event}', 'PROPFIND{home}'], 'labels without failures are absent');
    assert.deepEqual(doc.operationErrors, { poll: { 'GET{event}: unexpected status 404 (expected 200)': 2 } });
    const tables: ['requests' | 'operations', FailureCounts][] = [['requests', doc.errors!], ['operations', doc.operationErrors!]];
    for (const [section, errors] of tables) {
      for (const [label, s] of Object.entries(doc[section])) {
        const sum = Object.values(errors[label] ?? {}).reduce((a, b) => a + b, 0);
        assert.equal(sum, s.failed, `${section} ${label}`);
      }
    }
    assert.equal(Object.values(doc.errors!['PROPFIND{home}']!)[0], 11, 'the most frequent kind first');
  });

  it('is read back from the file, and `loadsim report` prints what the run printed', () => {
    const { doc: d, text } = run(events());
    const file = path.join(dir, 'result.json');
    writeFileSync(file, JSON.stringify(d, null, 2));
    const back = readResultDocument(file);
    assert.deepEqual(back.errors, d.errors);
    assert.equal(reportText(back), text);
    assert.match(text, /\n\* Errors\n/);
    assert.match(text, /\n\* Operation errors\n/);
  });

  it('a result of an older version, without the field, reads and renders as it did', () => {
    const old = older(doc);
    const file = path.join(dir, 'old.json');
    writeFileSync(file, JSON.stringify(old));
    const back = readResultDocument(file);
    assert.equal(back.errors, undefined);
    const text = reportText(back);
    assert.ok(!text.includes('* Errors') && !text.includes('* Operation errors'), 'no table it could not know');
    assert.match(text, /\* Details/);
    assert.doesNotMatch(renderHtml(back), /<h2>Errors<\/h2>/);
    assert.match(renderJUnit(back), /message="3 of 45 requests \(6\.67 %\) failed; allowed 1 %"/);
  });

  it('a malformed table is refused, naming the key', () => {
    const bad = structuredClone(doc) as unknown as { errors: Record<string, Record<string, unknown>> };
    bad.errors['GET{event}']!['HTTP 404 Not Found'] = -2;
    bad.errors['GET{event}']!.timeout = '1';
    assert.throws(
      () => checkResultDocument(bad, 'bad.json'),
      (e: Error) => /errors\.GET\{event\}\["HTTP 404 Not Found"\]: expected a whole number ≥ 0, got -2/.test(e.message) && /errors\.GET\{event\}\.timeout: expected a whole number ≥ 0/.test(e.message),
    );
    const notDict = { ...structuredClone(doc), operationErrors: [] } as unknown;
    assert.throws(() => checkResultDocument(notDict, 'bad.json'), /operationErrors: expected a dict/);
  });
});

describe('the error table in the text report', () => {
  it('per label, kinds by count with their share, the ten most frequent, then the rest on one line', () => {
    const { text } = run(events());
    const lines = text.split('\n');
    const from = lines.indexOf('* Errors');
    assert.ok(from > lines.indexOf('* Details'), 'after the details table');
    const block = lines.slice(from, lines.indexOf('', from));
    assert.deepEqual(block, [
      '* Errors',
      'request                           count       % error',
      '-'.repeat(53),
      'GET{event}                            2    4.44 HTTP 404 Not Found',
      '                                      1    2.22 timeout',
      'PROPFIND{home}                       11    6.59 network error (E00)',
      '                                     10    5.99 network error (E01)',
      '                                      9    5.39 network error (E02)',
      '                                      8    4.79 network error (E03)',
      '                                      7    4.19 network error (E04)',
      '                                      6    3.59 network error (E05)',
      '                                      5    2.99 network error (E06)',
      '                                      4    2.40 network error (E07)',
      '                                      3    1.80 network error (E08)',
      '                                      2    1.20 network error (E09)',
      // network error (E10) once and the 502 once: two kinds, two failures.
      '                                      2    1.20 … and 2 more kinds',
    ]);
  });
});

describe('the error table in the HTML report', () => {
  const { doc } = run(events());
  const html = renderHtml(doc);
  const section = /<section><h2>Errors<\/h2>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';

  it('an Errors section with a table per section: label, kind, count and share', () => {
    assert.ok(section, 'the section is there');
    assert.ok(html.indexOf('<h2>Errors</h2>') > html.indexOf('<h2>Operations</h2>'), 'after the summary tables');
    assert.match(section, /<th scope="row" rowspan="2">GET\{event\}<\/th><td class="kind">HTTP 404 Not Found<\/td><td class="num">2<\/td><td class="num">4\.44<\/td><\/tr>/);
    assert.match(section, /<tr><td class="kind">timeout<\/td><td class="num">1<\/td><td class="num">2\.22<\/td><\/tr>/);
    assert.match(section, /<th scope="row" rowspan="11">PROPFIND\{home\}<\/th>/);
    assert.match(section, /<td class="kind more">… and 2 more kinds<\/td><td class="num">2<\/td>/);
    assert.match(section, /<h3>Operations<\/h3>[\s\S]*<th scope="row">poll<\/th><td class="kind">GET\{event\}: unexpected status 404 \(expected 200\)<\/td><td class="num">2<\/td><td class="num">10\.00<\/td>/);
  });

  it('a kind from a server is text, not markup', () => {
    const { doc: d } = run([...ok(5, 'GET'), ...failed(1, 'GET', 502, EVIL)]);
    const page = renderHtml(d);
    assert.ok(page.includes('HTTP 502: bad &#60;b&#62;gateway&#60;/b&#62; &#38; &#34;friends&#34;'));
    assert.ok(!page.includes('<b>gateway</b>'));
  });

  it('no section when nothing failed', () => {
    assert.doesNotMatch(renderHtml(run(ok(5, 'GET')).doc), /<h2>Errors<\/h2>/);
  });
});

describe('the error table in the JUnit report', () => {
  const suite = (root: XmlElement, name: string) => childrenNamed(root, '', 'testsuite').find((s) => s.attrs.name === name)!;
  const failureOf = (s: XmlElement, classname: string) => {
    const c = childrenNamed(s, '', 'testcase').find((x) => x.attrs.classname === classname && x.attrs.name === 'failed ≤ 1 %');
    assert.ok(c, classname);
    return childrenNamed(c, '', 'failure')[0];
  };

  it('a label that failed too often names its most frequent kinds with their counts', () => {
    const { doc } = run(events());
    const root = parseXml(renderJUnit(doc));
    const get = failureOf(suite(root, 'requests'), 'requests.GET{event}')!;
    assert.equal(get.attrs.message, '3 of 45 requests (6.67 %) failed: HTTP 404 Not Found ×2, timeout ×1; allowed 1 %');
    assert.match(get.text, /errors:\n {2}2 \(4\.44 %\) HTTP 404 Not Found\n {2}1 \(2\.22 %\) timeout/);
    const propfind = failureOf(suite(root, 'requests'), 'requests.PROPFIND{home}')!;
    assert.equal(propfind.attrs.message, '67 of 167 requests (40.12 %) failed: network error (E00) ×11, network error (E01) ×10, network error (E02) ×9, … and 9 more kinds (37 failures); allowed 1 %');
    // The text lists ten, then the rest.
    assert.match(propfind.text, /\n {2}2 \(1\.20 %\) … and 2 more kinds$/);
    const poll = failureOf(suite(root, 'operations'), 'operations.poll')!;
    assert.equal(poll.attrs.message, '2 of 20 operations (10.00 %) failed: GET{event}: unexpected status 404 (expected 200) ×2; allowed 1 %');
  });
});
