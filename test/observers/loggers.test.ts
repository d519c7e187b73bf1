import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorLogger } from '../../lib/observers/error-logger.js';
import { pathOf, RequestLogger, requestLine, withoutCredentials } from '../../lib/observers/request-logger.js';
import { SimpleStatistics, windowStatistics } from '../../lib/observers/simple-statistics.js';
import { Random } from '../../lib/core/random.js';
import { lines, observerContext, reportContext, response } from './support.js';

describe('RequestLogger', () => {
  it('prints the original’s line: user, client, code, ✓/✗, duration, label, path', () => {
    assert.equal(
      requestLine(response('PROPFIND{home}', 0.0421, true, { status: 207, url: 'https://cal.example.com:8443/calendars/users/user01/?x=1', clientType: 'main 0' })),
      'user01 (main 0) request 207\u2713[ 0.04 s] PROPFIND{home} /calendars/users/user01/?x=1',
    );
    assert.equal(requestLine(response('GET', 12.345, false, { status: 0, url: 'http://h/a.ics' })), 'user01 (test 0) request 0\u2717[12.35 s]      GET /a.ics');
  });

  it('adds a block between rulers for a failure, with what the event knows', () => {
    const { out, lines: text } = lines();
    const logger = new RequestLogger(out);
    logger.observe(response('PUT{event}', 0.5, false, { status: 412, method: 'PUT', error: 'unexpected status 412', url: 'http://alice:secret@h:8008/c/1.ics' }));
    logger.observe({ type: 'request', label: 'GET', method: 'GET', url: 'http://h/', user: 'u', clientId: 'c', clientType: 't', at: 0 });
    assert.deepEqual(text, [
      'user01 (test 0) request 412\u2717[ 0.50 s] PUT{event} /c/1.ics',
      '='.repeat(80),
      'INCORRECT ERROR CODE: 412',
      'URL: http://h:8008/c/1.ics',
      'METHOD: PUT{event} (PUT)',
      'USER: user01',
      'ERROR: unexpected status 412',
      '='.repeat(80),
    ]);
    assert.deepEqual(logger.failures(), []);
    logger.report(out, reportContext);
    assert.equal(text.length, 8, 'no report');
  });

  it('paths and credentials', () => {
    assert.equal(pathOf('not a url'), 'not a url');
    assert.equal(withoutCredentials('https://u:p@h/x'), 'https://h/x');
    assert.equal(withoutCredentials('https://h/x'), 'https://h/x');
  });
});

describe('ErrorLogger', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'loadsim-errlog-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes error-%08d.txt for failures and duration-%08d.txt for slow successes', async () => {
    const dir = path.join(root, 'a', 'errors');
    const { out, lines: text } = lines();
    const logger = ErrorLogger.fromParams({ directory: { written: 'errors', abs: dir }, durationThreshold: 2 }, observerContext(out));
    assert.ok(existsSync(dir), 'the folder is created');
    logger.observe(response('PUT{event}', 0.3, false, { status: 500, method: 'PUT', error: 'unexpected status 500', clientId: 'c-1', clientType: 'main 0', at: Date.UTC(2026, 0, 5, 9, 0, 1) }));
    logger.observe(response('REPORT{sync}', 2.5, true, { method: 'REPORT', status: 207 }));
    logger.observe(response('REPORT{sync}', 2.0, true)); // not strictly slower than 2 s
    logger.observe(response('GET', 0.1, true));
    await logger.close();
    assert.deepEqual(readdirSync(dir).sort(), ['duration-00000002.txt', 'error-00000001.txt']);
    assert.deepEqual(text, [`Incorrect Response Code logged to ${path.join(dir, 'error-00000001.txt')}`, `Long Duration logged to ${path.join(dir, 'duration-00000002.txt')}`]);
    assert.equal(
      readFileSync(path.join(dir, 'error-00000001.txt'), 'utf8'),
      [
        'RESPONSE CODE: 500',
        'URL: http://127.0.0.1:8008/calendars/users/user01/calendar/1.ics',
        'METHOD: PUT{event} (PUT)',
        'USER: user01',
        'CLIENT: main 0 c-1',
        'DURATION: 0.300 sec',
        'ERROR: unexpected status 500',
        'AT: 2026-01-05T09:00:01.000Z',
        '',
      ].join('\n'),
    );
    assert.match(readFileSync(path.join(dir, 'duration-00000002.txt'), 'utf8'), /^LONG RESPONSE: 2\.5 sec\nRESPONSE CODE: 207\n/);
  });

  it('never writes credentials: no Authorization header exists in events, and URL userinfo is removed', async () => {
    const dir = path.join(root, 'creds');
    const logger = new ErrorLogger({ directory: dir, out: () => {} });
    // Even an event carrying extra fields (say a future `headers`) must not leak them.
    const event = { ...response('GET', 0.1, false, { url: 'https://user01:s3cret@h/x.ics' }), headers: { Authorization: 'Basic dXNlcjAxOnMzY3JldA==' } };
    logger.observe(event);
    await logger.close();
    const text = readFileSync(path.join(dir, 'error-00000001.txt'), 'utf8');
    assert.doesNotMatch(text, /authorization|basic|s3cret|dXNlcjAxOnMzY3JldA/i);
    assert.match(text, /^URL: https:\/\/h\/x\.ics$/m);
  });

  it('clears its own files from an earlier run and leaves anything else alone', async () => {
    const dir = path.join(root, 'reuse');
    mkdirSync(dir, { recursive: true });
    for (const f of ['error-00000007.txt', 'duration-00000003.txt', 'notes.txt']) writeFileSync(path.join(dir, f), 'old');
    const logger = new ErrorLogger({ directory: dir, out: () => {} });
    assert.deepEqual(readdirSync(dir), ['notes.txt']);
    logger.observe(response('GET', 0.1, false));
    await logger.close();
    assert.deepEqual(readdirSync(dir).sort(), ['error-00000001.txt', 'notes.txt']);
  });

  it('defaults durationThreshold to 10 s', () => {
    assert.equal(new ErrorLogger({ directory: path.join(root, 'd'), out: () => {} }).durationThreshold, 10);
  });
});

describe('SimpleStatistics', () => {
  it('prints mean, median, stddev and mad after 200 responses, then every 100, over the last 200', () => {
    const { out, lines: text } = lines();
    const stats = new SimpleStatistics({ out });
    const r = new Random('simple');
    const seconds = Array.from({ length: 400 }, () => r.uniform(0.01, 2));
    seconds.slice(0, 199).forEach((s) => stats.observe(response('GET', s)));
    assert.equal(text.length, 0);
    stats.observe(response('GET', seconds[199]!));
    assert.equal(text.length, 4);
    seconds.slice(200, 300).forEach((s) => stats.observe(response('GET', s)));
    assert.equal(text.length, 8);
    // The second group is over samples 100…299, computed exactly.
    // Events carry ms; the statistics are of seconds, as the original's.
    const window = seconds.slice(100, 300).map((s) => (s * 1000) / 1000);
    const sorted = [...window].sort((a, b) => a - b);
    const mean = window.reduce((a, b) => a + b, 0) / 200;
    const median = sorted[100]!;
    const sd = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / 200);
    const mad = window.map((x) => Math.abs(x - median)).sort((a, b) => a - b)[100]!;
    const value = (i: number) => Number(text[i]!.split(': ')[1]);
    assert.deepEqual(text.slice(4).map((l) => l.split(':')[0]), ['mean', 'median', 'stddev', 'mad']);
    assert.ok(Math.abs(value(4) - mean) < 1e-12);
    assert.equal(value(5), median);
    assert.ok(Math.abs(value(6) - sd) < 1e-12);
    assert.equal(value(7), mad);
  });

  it('uses the original’s median rule (index ⌊n/2⌋) and ignores everything but responses', () => {
    assert.deepEqual(windowStatistics(Float64Array.from([4, 1, 3, 2])), { mean: 2.5, median: 3, stddev: Math.sqrt(1.25), mad: 1 });
    const { out, lines: text } = lines();
    const stats = new SimpleStatistics({ out, window: 2 });
    stats.observe({ type: 'status', clientCount: 1, at: 0 });
    stats.observe(response('GET', 1));
    stats.observe(response('GET', 3));
    assert.deepEqual(text, ['mean: 2.0', 'median: 3.0', 'stddev: 1.0', 'mad: 2.0']);
  });
});
