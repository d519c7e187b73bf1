import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimEvent } from '../../lib/core/events.js';
import { overallQos, qosValue, type Benchmarks } from '../../lib/observers/qos.js';
import { ReportStatistics } from '../../lib/observers/report-statistics.js';
import { needsReference, referenceFile } from '../helpers/reference.js';
import { lines, reportContext, response } from './support.js';

function observed(events: SimEvent[], options: ConstructorParameters<typeof ReportStatistics>[0] = {}): ReportStatistics {
  const r = new ReportStatistics(options);
  for (const e of events) r.observe(e);
  return r;
}
const times = (n: number, make: () => SimEvent) => Array.from({ length: n }, make);

/** Benchmarks of our own, in the shape of benchmarks.json: label → mean seconds and weight. */
const benchmarks: Benchmarks = {
  'GET{event}': { mean: 0.1, weight: 1.0 },
  'PUT{event}': { mean: 0.25, weight: 1.0 },
  'PUT{organizer-huge}': { mean: 3.0, weight: 0.5 },
  'PROPFIND{well-known}': { mean: 0.1, weight: 0.1 },
  'PROPFIND{home}': { mean: 0.25, weight: 1.0 },
  'REPORT{multiget-huge}': { mean: 2.0, weight: 0.5 },
};

// The original's ReportStatistics tests (test_population.py), case by case.
describe('ReportStatistics: the original tests', () => {
  it('counts distinct users and clients seen in responses', () => {
    const byUser = observed(['user01', 'user02', 'user03', 'user01'].map((user) => response('GET', 1.23, true, { user })));
    assert.equal(byUser.countUsers(), 3);
    const byClient = observed(['c01', 'c02', 'c03'].map((clientId) => response('GET', 1.23, true, { clientId })));
    assert.equal(byClient.countClients(), 3);
    assert.equal(byClient.countUsers(), 1);
  });

  it('counts client failures (every event) and sim failures (distinct reasons)', () => {
    const r = observed([
      ...['c01', 'c02', 'c03'].map((c): SimEvent => ({ type: 'client-failure', reason: `testing ${c}`, user: 'u', clientId: c, clientType: 't', at: 0 })),
      ...['a', 'b', 'c', 'a'].map((c): SimEvent => ({ type: 'sim-failure', reason: `testing ${c}`, at: 0 })),
    ]);
    assert.equal(r.countClientFailures(), 3);
    assert.equal(r.countSimFailures(), 3);
    assert.deepEqual(r.failures(), ['Client failures: 3', 'Overall failures: 3']);
  });

  it('one 2.5 s GET: no failures', () => {
    assert.deepEqual(observed([response('GET', 2.5)]).failures(), []);
  });

  it('1 failure in 99 GETs: Greater than 1% GET failed', () => {
    const r = observed([...times(98, () => response('GET', 2.5)), response('GET', 2.5, false)]);
    assert.deepEqual(r.failures(), ['Greater than 1% GET failed']);
  });

  it('exactly 1 % failed (1 in 100) passes: the comparison is strict', () => {
    const r = observed([...times(99, () => response('GET', 2.5)), response('GET', 2.5, false)]);
    assert.deepEqual(r.failures(), []);
  });

  it('5 of 99 GETs above 3 s: Greater than 5% GET exceeded 3 second response time', () => {
    const r = observed([...times(94, () => response('GET', 2.5)), ...times(5, () => response('GET', 3.5, true, { user: 'user02' }))]);
    assert.deepEqual(r.failures(), ['Greater than 5% GET exceeded 3 second response time']);
  });

  it('1 of 99 GETs above 5 s: Greater than 1% GET exceeded 5 second response time', () => {
    const r = observed([...times(98, () => response('GET', 2.5)), response('GET', 5.5)]);
    assert.deepEqual(r.failures(), ['Greater than 1% GET exceeded 5 second response time']);
  });

  it('methods are counted separately', () => {
    const r = observed([...times(99, () => response('GET', 2.5)), ...times(99, () => response('POST', 2.5)), response('GET', 2.5, false), response('POST', 2.5, false)]);
    assert.deepEqual(r.failures(), []);
  });

  describe('per-label thresholds from an inline dict', () => {
    const thresholds = {
      limits: [0.1, 0.5, 1.0, 3.0, 5.0, 10.0, 30.0],
      thresholds: {
        default: [100.0, 100.0, 100.0, 5.0, 1.0, 0.5, 0.0],
        'PUT{organizer-small}': [100.0, 50.0, 25.0, 5.0, 1.0, 0.5, 0.0],
        'PUT{organizer-medium}': [100.0, 100.0, 50.0, 25.0, 5.0, 1.0, 0.5],
        'PUT{organizer-large}': [100.0, 100.0, 100.0, 50.0, 25.0, 5.0, 1.0],
        'PUT{organizer-huge}': [100.0, 100.0, 100.0, 100.0, 100.0, 50.0, 25.0],
      },
    };
    const run = (label: string, durations: number[]) => observed(durations.map((d) => response(label, d)), { thresholds }).failures();
    // Through fromParams, as a config's inline `thresholds` param arrives.
    const runParams = (label: string, durations: number[]) => {
      const r = ReportStatistics.fromParams({ thresholds: { requests: thresholds }, failCutoff: 1.0 });
      for (const d of durations) r.observe(response(label, d));
      return r.failures();
    };
    const cases: [string, number[], string[]][] = [
      ['PUT{organizer-small}', [0.2, 0.2, 0.2, 0.2], []],
      ['PUT{organizer-small}', [0.2, 0.6, 0.6, 0.6], ['Greater than 50% PUT{organizer-small} exceeded 0.5 second response time']],
      ['PUT{organizer-medium}', [0.2, 0.6, 0.6, 0.6], []],
      ['PUT{organizer-medium}', [0.2, 1.6, 1.6, 1.6], ['Greater than 50% PUT{organizer-medium} exceeded 1 second response time']],
      ['PUT{organizer-large}', [0.2, 1.6, 1.6, 1.6], []],
      ['PUT{organizer-large}', [0.2, 3.6, 3.6, 3.6], ['Greater than 50% PUT{organizer-large} exceeded 3 second response time']],
      ['PUT{organizer-huge}', [12.0, 8, 11.0, 9.0], []],
      // The single > 30 s sample is exactly 25 %: not more than 25 %.
      ['PUT{organizer-huge}', [12.0, 9.0, 12.0, 42.42], ['Greater than 50% PUT{organizer-huge} exceeded 10 second response time']],
    ];
    for (const [label, durations, expected] of cases) {
      it(`${label} ${durations.join(', ')} → ${expected.length ? 'fails' : 'passes'}`, () => {
        assert.deepEqual(run(label, durations), expected);
        assert.deepEqual(runParams(label, durations), expected);
      });
    }
  });
});

describe('ReportStatistics: thresholds and benchmarks files', () => {
  for (const generation of ['calendarserver-2013', 'calendarserver-master'] as const) {
    it(`${generation}: thresholds.json loads and applies its own rows and the default`, needsReference(), () => {
      const thresholdsPath = { written: 'thresholds.json', abs: referenceFile(generation, 'thresholds.json') };
      const benchmarksPath = { written: 'benchmarks.json', abs: referenceFile(generation, 'benchmarks.json') };
      const r = ReportStatistics.fromParams({ thresholdsPath, benchmarksPath, failCutoff: 1.0 });
      assert.deepEqual(r.thresholds.limits, [0.1, 0.5, 1.0, 3.0, 5.0, 10.0, 30.0]);
      assert.deepEqual(r.thresholds.thresholds['GET{event}'], [100, 100, 100, 75, 50, 25, 5]);
      // GET{event} allows 75 % over 3 s: 2 of 4 over 3 s passes.
      for (const d of [0.05, 0.05, 3.5, 3.5]) r.observe(response('GET{event}', d));
      // A label without a row takes `default`: one of one over 3 s breaks its 5 %, and over 5 s its 1 %…
      r.observe(response('PROPFIND{unknown}', 6));
      // DELETE{event} allows 50 % over 1 s: 1 of 1 breaks it; 25 % over 3 s is not reached.
      r.observe(response('DELETE{event}', 1.5));
      assert.deepEqual(r.failures(), [
        'Greater than 50% DELETE{event} exceeded 1 second response time',
        'Greater than 5% PROPFIND{unknown} exceeded 3 second response time',
        'Greater than 1% PROPFIND{unknown} exceeded 5 second response time',
      ]);
      assert.equal(Object.keys(r.benchmarks).length, generation === 'calendarserver-master' ? 35 : 34);
    });
  }

  it('without thresholds, the original defaults apply', () => {
    const r = new ReportStatistics();
    assert.deepEqual(r.thresholds, { limits: [0.1, 0.5, 1.0, 3.0, 5.0, 10.0, 30.0], thresholds: { default: [100, 100, 100, 5, 1, 0.5, 0] } });
    assert.equal(r.failCutoff, 1.0);
  });

  it('inline thresholds that do not validate are refused', () => {
    assert.throws(() => ReportStatistics.fromParams({ thresholds: { requests: { limits: [1, 2], thresholds: { default: [1] } } } }), /expected 2 percentages/);
  });

  it('a failCutoff from the params is used and printed with %g', () => {
    const r = ReportStatistics.fromParams({ failCutoff: 0.5 });
    for (const e of [...times(199, () => response('GET', 0.1)), response('GET', 0.1, false)]) r.observe(e);
    assert.deepEqual(r.failures(), []);
    r.observe(response('GET', 0.1, false));
    assert.deepEqual(r.failures(), ['Greater than 0.5% GET failed']);
  });
});

describe('ReportStatistics: QoS', () => {
  it('per label: ((mean / benchmark mean) − 1) × weight + 1', () => {
    // GET{event} 0.100 s weight 1.0: 0.150 s → 1.5.
    assert.ok(Math.abs(qosValue(benchmarks, 'GET{event}', 0.15)! - 1.5) < 1e-12);
    // PROPFIND{well-known} 0.100 s weight 0.1: 0.3 s → (3 − 1) × 0.1 + 1 = 1.2.
    assert.ok(Math.abs(qosValue(benchmarks, 'PROPFIND{well-known}', 0.3)! - 1.2) < 1e-12);
    // PUT{organizer-huge} 3.000 s weight 0.5: 1.5 s → (0.5 − 1) × 0.5 + 1 = 0.75.
    assert.ok(Math.abs(qosValue(benchmarks, 'PUT{organizer-huge}', 1.5)! - 0.75) < 1e-12);
    assert.equal(qosValue(benchmarks, 'PROPFIND{nothing}', 1), undefined);
  });

  it('overall: mean of the labels’ values from successful samples; labels without a benchmark or a success are left out', () => {
    const r = observed(
      [
        // GET{event}: successful mean 0.2 s → 2.0 (the failed 10 s sample is not counted).
        response('GET{event}', 0.1),
        response('GET{event}', 0.3),
        response('GET{event}', 10, false),
        // REPORT{multiget-huge} 2.000 s weight 0.5: 1.0 s → 0.75.
        response('REPORT{multiget-huge}', 1.0),
        // Only failures: skipped (2013 divided by zero here).
        response('PUT{event}', 0.5, false),
        // No benchmark: skipped.
        response('OPTIONS', 5),
      ],
      { benchmarks },
    );
    const expected = (2.0 + 0.75) / 2;
    assert.ok(Math.abs(r.qos()! - expected) < 1e-12, `${r.qos()}`);
    assert.ok(Math.abs(overallQos(r.table, benchmarks)! - expected) < 1e-12);
  });

  it('is "None" without benchmarks, or when every sample failed', () => {
    assert.equal(observed([response('GET{event}', 0.1)]).qos(), undefined);
    const r = observed([response('GET{event}', 0.1, false)], { benchmarks });
    assert.equal(r.qos(), undefined);
    const { out, lines: text } = lines();
    r.report(out, reportContext);
    assert.ok(text.includes('       Qos : None'), text.join('\n'));
  });
});

describe('ReportStatistics: report text', () => {
  it('prints the original layout, plus loadsim’s percentile columns (golden)', () => {
    const r = observed(
      [
        response('GET{event}', 0.05, true, { user: 'user01', clientId: 'c1' }),
        response('GET{event}', 0.05, true, { user: 'user02', clientId: 'c2' }),
        response('GET{event}', 0.05, true, { user: 'user03', clientId: 'c3' }),
        response('GET{event}', 0.15, false, { user: 'user01', clientId: 'c1' }),
        response('PUT{event}', 0.2, true, { user: 'user01', clientId: 'c1' }),
        response('PUT{event}', 0.3, true, { user: 'user02', clientId: 'c2' }),
        response('PROPFIND{home}', 4.0, true, { user: 'user03', clientId: 'c3' }),
        { type: 'sim-expired', podID: 'PodA', requestsPerSecond: 45.2, responseMs: 13.9, slots: 1.23, cpuPercent: 12.5, at: 0 },
      ],
      { benchmarks },
    );
    const { out, lines: text } = lines();
    r.report(out, reportContext);
    // Hand-computed: GET{event} mean (3 × 0.05 + 0.15) / 4 = 0.075, population stddev √0.001875 = 0.0433,
    // upper median 0.05; QoS column from all samples 0.075 / 0.1 = 0.75; PROPFIND{home} 4 / 0.25 = 16;
    // the Client block's QoS from successful means: (0.05/0.1 + 0.25/0.25 + 4/0.25) / 3 = 5.8333.
    // Shares 4/7, 1/7, 2/7. GET{event} fails on 25 % failed; PROPFIND{home} on 100 % over 3 s (default 5 %).
    assert.deepEqual(text, [
      '',
      '** REPORT **',
      '',
      '* Client',
      '   Clients : 3',
      '  Cpu Time : user 12.31 sys 3.20  total 00:00:15',
      '       Qos : 5.8333',
      '  Run Time : 00:10:00',
      'Start Time : 10/22 02:21:03',
      '     Users : 3',
      '',
      '* Server PodA (Last 5 minutes)',
      '     Cpu : 12.5%',
      ' Req/Sec : 45.2',
      'Response : 13.9 (ms)',
      '   Slots : 1.23',
      '',
      '* Details',
      'request                           count      %   failed   >0.1 sec   >0.5 sec     >1 sec     >3 sec     >5 sec    >10 sec    >30 sec     mean   median   stddev      p90      p99    p99.9      max      QoS   STATUS',
      '-'.repeat(213),
      'GET{event}                            4   57.1        1          1          0          0          0          0          0          0   0.0750   0.0500   0.0433   0.1500   0.1500   0.1500   0.1500   0.7500     FAIL',
      'PROPFIND{home}                        1   14.3        0          1          1          1          1          0          0          0   4.0000   4.0000   0.0000   4.0000   4.0000   4.0000   4.0000  16.0000     FAIL',
      'PUT{event}                            2   28.6        0          2          0          0          0          0          0          0   0.2500   0.3000   0.0500   0.3000   0.3000   0.3000   0.3000   1.0000         ',
      '',
      '* Errors',
      'request                           count       % error',
      '-'.repeat(53),
      'GET{event}                            1   25.00 HTTP 500 Internal Server Error',
    ]);
    assert.equal(text[18]!.length, 213);
    assert.deepEqual(r.failures(), ['Greater than 1% GET{event} failed', 'Greater than 5% PROPFIND{home} exceeded 3 second response time']);
  });

  it('lists failed clients and every failed operation in the Client block, keys sorted and aligned', () => {
    const r = observed([
      response('GET', 0.1),
      ...['ECONNREFUSED', 'startup failed', 'ECONNREFUSED'].map((reason): SimEvent => ({ type: 'client-failure', reason, user: 'u', clientId: 'c', clientType: 't', at: 0 })),
      ...['invite: Cannot add attendee', 'invite: Cannot add attendee', 'accept: gone'].map((reason): SimEvent => ({ type: 'sim-failure', reason, at: 0 })),
    ]);
    const { out, lines: text } = lines();
    r.report(out, reportContext);
    const block = text.slice(4, text.indexOf('', 4));
    assert.deepEqual(block, [
      '         Clients : 1',
      '        Cpu Time : user 12.31 sys 3.20  total 00:00:15',
      '  Failed Clients : 3',
      'Failed Operation : invite: Cannot add attendee : 2 times',
      'Failed Operation : accept: gone : 1 times',
      '      Failure #1 : ECONNREFUSED (2 times)',
      '      Failure #2 : startup failed',
      '             Qos : None',
      '        Run Time : 00:10:00',
      '      Start Time : 10/22 02:21:03',
      '           Users : 1',
    ]);
    assert.deepEqual(r.failures(), ['Client failures: 3', 'Overall failures: 2']);
  });

  it('a pod whose stats could not be read gets a one-line note', () => {
    const r = observed([
      response('GET', 0.1),
      { type: 'sim-expired', podID: 'PodB', requestsPerSecond: NaN, responseMs: NaN, slots: NaN, cpuPercent: NaN, at: 0 },
      { type: 'sim-expired', podID: 'PodA', requestsPerSecond: 0, responseMs: 0, slots: 0, cpuPercent: 0, at: 0, note: 'Unable to read statistics from server: (localhost, 8100)' },
    ]);
    const { out, lines: text } = lines();
    r.report(out, reportContext);
    const from = text.indexOf('* Server PodA (Last 5 minutes)');
    assert.deepEqual(text.slice(from, from + 6), [
      '* Server PodA (Last 5 minutes)',
      'Unable to read statistics from server: (localhost, 8100)',
      '',
      '* Server PodB (Last 5 minutes)',
      'statistics unavailable',
      '',
    ]);
  });

  it('an empty run prints the header and no rows', () => {
    const { out, lines: text } = lines();
    new ReportStatistics().report(out, { ...reportContext, runSeconds: 3725.9, cpu: { user: 0, system: 0 } });
    assert.ok(text.includes('  Run Time : 01:02:05'));
    assert.ok(text.includes('  Cpu Time : user 0.00  sys 0.00  total 00:00:00'));
    assert.match(text.at(-2)!, /^request +count/);
    assert.match(text.at(-1)!, /^-+$/);
  });
});
