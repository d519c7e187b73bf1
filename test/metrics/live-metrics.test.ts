import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataPointType, type HistogramMetricData, type MetricData } from '@opentelemetry/sdk-metrics';
import type { SimEvent } from '../../lib/core/events.js';
import { failureClass, LiveMetrics } from '../../lib/metrics/live-metrics.js';
import { M, SnapshotProducer } from '../../lib/metrics/snapshot-producer.js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { parseListen, parseOtlpUrl } from '../../lib/metrics/listen-address.js';

const who = { user: 'user01', clientId: 'c1', clientType: 'OS_X_10_7' };
const req = (label: string, at = 0): SimEvent => ({ type: 'request', label, method: 'PROPFIND', url: '/x', at, ...who });
const res = (label: string, durationMs: number, extra: Partial<{ success: boolean; status: number; error: string; bytesIn: number; bytesOut: number }> = {}): SimEvent => ({
  type: 'response',
  label,
  method: 'PROPFIND',
  url: '/x',
  status: extra.status ?? 207,
  success: extra.success ?? true,
  durationMs,
  bytesIn: extra.bytesIn ?? 100,
  bytesOut: extra.bytesOut ?? 10,
  at: 0,
  ...(extra.error !== undefined ? { error: extra.error } : {}),
  ...who,
});

const producer = () => new SnapshotProducer(() => [], { seed: '42', config: 'config.plist', version: '0.1.0' }, resourceFromAttributes({}));
const byName = (ms: MetricData[], name: string) => ms.find((m) => m.descriptor.name === name);
const points = (ms: MetricData[], name: string) => (byName(ms, name)?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[];

describe('failureClass: a few words a dashboard can group by', () => {
  it('sorts each kind of failed response', () => {
    assert.equal(failureClass({ status: 500, error: 'unexpected status 500' }), 'status');
    assert.equal(failureClass({ status: 404 }), 'status');
    assert.equal(failureClass({ status: 0, error: 'timeout' }), 'timeout');
    assert.equal(failureClass({ status: 0, error: 'connection refused' }), 'connection');
    assert.equal(failureClass({ status: 0, error: 'connection reset' }), 'connection');
    assert.equal(failureClass({ status: 207, error: 'malformed multistatus (xml)' }), 'malformed');
    assert.equal(failureClass({ status: 200, error: 'body too large' }), 'malformed');
    assert.equal(failureClass({ status: 0, error: 'interrupted' }), 'interrupted');
  });
});

describe('LiveMetrics', () => {
  it('counts requests by outcome, bytes, buckets with Prometheus le semantics, and in flight', () => {
    const m = new LiveMetrics({ requestBoundaries: [0.1, 0.3] });
    // The thresholds' limits among the fine bounds, each once, ascending.
    assert.deepEqual(m.requestBoundaries, [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10]);
    for (let i = 0; i < 5; i++) m.observe(req('A'));
    m.observe(res('A', 100)); // exactly on the 0.1 s bound: le="0.1"
    m.observe(res('A', 101));
    m.observe(res('A', 600));
    m.observe(res('A', 20, { success: false, status: 0, error: 'timeout' }));
    const s = m.snapshot();
    const a = s.requests.A!;
    assert.equal(a.started, 5);
    assert.equal(a.succeeded, 3);
    assert.deepEqual(a.failed, { status: 0, timeout: 1, connection: 0, malformed: 0, interrupted: 0 });
    // 20 ms in le=0.025; 100 ms exactly on a bound, in le=0.1; 101 ms in le=0.25; 600 ms in le=1.
    const at = (le: number) => a.buckets[m.requestBoundaries.indexOf(le)];
    assert.deepEqual([at(0.025), at(0.1), at(0.25), at(1)], [1, 1, 1, 1]);
    assert.equal(a.buckets.length, m.requestBoundaries.length + 1);
    assert.equal(a.buckets.reduce((x, y) => x + y, 0), 4);
    assert.equal(a.bytesIn, 400);
    assert.equal(a.bytesOut, 40);
    assert.ok(Math.abs(a.sum - 0.821) < 1e-9);
    assert.equal(s.requestsInFlight, 1);
  });

  it('counts operations, their failures and lag, and the clients', () => {
    const m = new LiveMetrics({});
    m.observe({ type: 'status', clientCount: 3, at: 0 });
    m.observe({ type: 'operation', phase: 'start', label: 'startup', lagMs: 2, at: 0, ...who });
    m.observe({ type: 'operation', phase: 'end', label: 'startup', durationMs: 300, success: true, at: 0, ...who });
    m.observe({ type: 'operation', phase: 'end', label: 'startup', durationMs: 300, success: false, reason: 'x', at: 0, ...who });
    m.observe({ type: 'client-failure', reason: 'x', at: 0, ...who });
    const s = m.snapshot();
    assert.deepEqual(s.clients, { arrived: 3, started: 1, failed: 1, active: 2 });
    assert.equal(s.operations.startup!.ended, 2);
    assert.equal(s.operations.startup!.failed, 1);
  });
});

describe('SnapshotProducer: the exposition', () => {
  const m = new LiveMetrics({ requestBoundaries: [0.1, 1] });
  for (let i = 0; i < 3; i++) m.observe(req('PROPFIND{home}'));
  m.observe(res('PROPFIND{home}', 50));
  m.observe(res('PROPFIND{home}', 500));
  m.observe(res('PROPFIND{home}', 5, { success: false, status: 503 }));
  const snap = m.snapshot();
  const mergeable = m.snapshot({ mergeable: true });

  it('names, types and labels: counters, a histogram with the thresholds as buckets, gauges, run info', () => {
    const ms = producer().metrics([{ snapshot: snap }]);
    const types = Object.fromEntries(ms.map((x) => [x.descriptor.name, x.dataPointType]));
    assert.equal(types[M.requests.name], DataPointType.SUM);
    assert.equal(types[M.requestsStarted.name], DataPointType.SUM);
    assert.equal(types[M.requestDuration.name], DataPointType.HISTOGRAM);
    assert.equal(types[M.requestQuantile.name], DataPointType.GAUGE);
    assert.equal(types[M.runInfo.name], DataPointType.GAUGE);
    // Every counter is named as Prometheus wants a counter named.
    for (const x of ms) if (x.dataPointType === DataPointType.SUM) assert.match(x.descriptor.name, /_total$/);
    const outcomes = points(ms, M.requests.name).map((p) => [p.attributes.outcome, p.value]);
    assert.deepEqual(Object.fromEntries(outcomes), { success: 2, status: 1, timeout: 0, connection: 0, malformed: 0, interrupted: 0 });
    const h = byName(ms, M.requestDuration.name) as HistogramMetricData;
    const { boundaries, counts } = h.dataPoints[0]!.value.buckets;
    assert.deepEqual(boundaries, m.requestBoundaries);
    // 5 ms, 50 ms and 500 ms.
    assert.deepEqual([counts[boundaries.indexOf(0.005)], counts[boundaries.indexOf(0.05)], counts[boundaries.indexOf(0.5)]], [1, 1, 1]);
    assert.equal(h.dataPoints[0]!.value.count, 3);
    assert.deepEqual(points(ms, M.runInfo.name)[0]!.attributes, { seed: '42', config: 'config.plist', version: '0.1.0' });
    const q = points(ms, M.requestQuantile.name).map((p) => [p.attributes.quantile, p.value]);
    assert.deepEqual(
      q.map(([k]) => k),
      ['0.5', '0.95', '0.99'],
    );
    // 5, 50 and 500 ms: the median is 50 ms, the tail 500 ms, within 1 %.
    assert.ok(Math.abs((q[0]![1] as number) - 0.05) <= 0.0005, `p50 ${q[0]![1]}`);
    assert.ok(Math.abs((q[2]![1] as number) - 0.5) <= 0.005, `p99 ${q[2]![1]}`);
    // A single process sends no histograms; a worker does.
    assert.equal(snap.requests['PROPFIND{home}']!.latency, undefined);
    assert.equal(typeof mergeable.requests['PROPFIND{home}']!.latency, 'string');
  });

  it('workers: counters per worker add up to the whole; percentiles of the merged histograms', () => {
    const other = new LiveMetrics({ requestBoundaries: [0.1, 1] });
    other.observe(req('PROPFIND{home}'));
    other.observe(res('PROPFIND{home}', 2000));
    const ms = producer().metrics([
      { worker: '0', snapshot: mergeable },
      { worker: '1', snapshot: other.snapshot({ mergeable: true }) },
    ]);
    const started = points(ms, M.requestsStarted.name);
    assert.deepEqual(
      started.map((p) => [p.attributes.worker, p.value]),
      [
        ['0', 3],
        ['1', 1],
      ],
    );
    // Four responses in all: 5, 50, 500 and 2000 ms; the p99 is the slowest, the worker label gone.
    const p99 = points(ms, M.requestQuantile.name).find((p) => p.attributes.quantile === '0.99')!;
    assert.equal(p99.attributes.worker, undefined);
    // Two significant digits: within 1 %.
    assert.ok(Math.abs((p99.value as number) - 2) <= 0.02, `p99 ${p99.value}`);
  });
});

describe('listen addresses and OTLP URLs', () => {
  it('reads HOST:PORT, PORT, :PORT and [v6]:PORT; loopback by default', () => {
    assert.deepEqual(parseListen('9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListen(':9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListen('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    for (const bad of ['', 'x', '99999', 'a:b:1', 'host:']) assert.equal(parseListen(bad), undefined, bad);
    assert.equal(parseOtlpUrl('http://127.0.0.1:4318/v1/metrics'), 'http://127.0.0.1:4318/v1/metrics');
    assert.equal(parseOtlpUrl('ftp://x'), undefined);
    assert.equal(parseOtlpUrl('not a url'), undefined);
  });
});
