import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult, type DataPoint, type GaugeMetricData, type HistogramMetricData, type MetricData, type MetricProducer, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { FAILURE_CLASSES, LAG_QUANTILES, QUANTILES, type MetricsSnapshot } from './live-metrics.js';
import { QuantileHistogram } from './quantile-histogram.js';

/** The labels that tell runs apart on a dashboard: `loadsim_run_info{seed,config,version} 1`. */
export interface RunInfo {
  seed: string;
  /** The config file's name (not its folders: a label should not show where a user keeps files). */
  config: string;
  version: string;
}

/** A process's snapshot, and the worker it came from (none in a single-process run). */
export interface SourcedSnapshot {
  worker?: string;
  snapshot: MetricsSnapshot;
}


const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

/**
 * The OpenTelemetry view of loadsim's live metrics: on each collection (a
 * Prometheus scrape, an OTLP push), the latest snapshot of each process is
 * turned into cumulative sums, histograms and gauges. Nothing is recorded
 * through the SDK's instruments: the numbers already exist, cumulative and
 * mergeable, in the snapshots (which a manager receives from its workers), so
 * the producer only describes them. Counters and histograms carry a `worker`
 * attribute when they come from a worker, so that `sum()` over workers is the
 * run; percentiles are of the merged histograms, for the whole run.
 */
export class SnapshotProducer implements MetricProducer {
  constructor(
    private readonly source: () => SourcedSnapshot[],
    private readonly info: RunInfo,
    private readonly resource: Resource,
  ) {}

  async collect(): Promise<CollectionResult> {
    return { resourceMetrics: { resource: this.resource, scopeMetrics: [{ scope: { name: 'loadsim', version: this.info.version }, metrics: this.metrics(this.source()) }] }, errors: [] };
  }

  /** The metrics of these snapshots (exported for tests: the exposition without a server). */
  metrics(sources: readonly SourcedSnapshot[]): MetricData[] {
    const sums = new Map<string, { d: Descriptor; points: DataPoint<number>[] }>();
    const gauges = new Map<string, { d: Descriptor; points: DataPoint<number>[] }>();
    const histograms = new Map<string, { d: Descriptor; points: HistogramMetricData['dataPoints'] }>();
    const start = Math.min(...sources.map((s) => s.snapshot.startedAt), Date.now());
    const end = Math.max(...sources.map((s) => s.snapshot.at), start);
    const point = <T>(attributes: Attributes, value: T): DataPoint<T> => ({ startTime: hr(start), endTime: hr(end), attributes, value });
    const sum = (d: Descriptor, attributes: Attributes, value: number) => entry(sums, d).points.push(point(attributes, value));
    const gauge = (d: Descriptor, attributes: Attributes, value: number) => entry(gauges, d).points.push(point(attributes, value));

    // One process: its own percentiles. Several: the merged histograms' (a percentile of workers' percentiles means nothing).
    const single = sources.length === 1;
    const latency = new Map<string, QuantileHistogram>();
    const lag = new Map<string, QuantileHistogram>();
    let arrived = 0;
    let active = 0;
    let inFlight = 0;
    for (const { worker, snapshot: s } of sources) {
      const w: Attributes = worker === undefined ? {} : { worker };
      for (const [label, r] of Object.entries(s.requests)) {
        const l = { label, ...w };
        sum(M.requestsStarted, l, r.started);
        sum(M.requests, { ...l, outcome: 'success' }, r.succeeded);
        for (const kind of FAILURE_CLASSES) sum(M.requests, { ...l, outcome: kind }, r.failed[kind]);
        sum(M.bytesIn, l, r.bytesIn);
        sum(M.bytesOut, l, r.bytesOut);
        const count = r.buckets.reduce((a, n) => a + n, 0);
        entry(histograms, M.requestDuration).points.push(point(l, { buckets: { boundaries: s.requestBoundaries, counts: r.buckets }, sum: r.sum, count }));
        if (single) quantileGauges(gauge, M.requestQuantile, label, QUANTILES, r.quantiles);
        else if (r.latency) mergeInto(latency, label, r.latency);
      }
      for (const [label, o] of Object.entries(s.operations)) {
        const l = { label, ...w };
        sum(M.operations, { ...l, outcome: 'success' }, o.ended - o.failed);
        sum(M.operations, { ...l, outcome: 'failure' }, o.failed);
        const count = o.buckets.reduce((a, n) => a + n, 0);
        entry(histograms, M.operationDuration).points.push(point(l, { buckets: { boundaries: s.operationBoundaries, counts: o.buckets }, sum: o.sum, count }));
        if (single) quantileGauges(gauge, M.lagQuantile, label, LAG_QUANTILES, o.lagQuantiles);
        else if (o.lag) mergeInto(lag, label, o.lag);
      }
      sum(M.clientsStarted, w, s.clients.started);
      sum(M.clientsFailed, w, s.clients.failed);
      gauge(M.eventLoopLag, w, s.eventLoopLagP99);
      sum(M.cpu, w, s.cpuSeconds);
      gauge(M.rss, w, s.rssBytes);
      arrived += s.clients.arrived;
      active += s.clients.active;
      inFlight += s.requestsInFlight;
    }
    for (const [label, h] of latency) quantileGauges(gauge, M.requestQuantile, label, QUANTILES, h.quantiles(QUANTILES));
    for (const [label, h] of lag) quantileGauges(gauge, M.lagQuantile, label, LAG_QUANTILES, h.quantiles(LAG_QUANTILES));
    gauge(M.clientsArrived, {}, arrived);
    gauge(M.clientsActive, {}, active);
    gauge(M.inFlight, {}, inFlight);
    gauge(M.runInfo, { seed: this.info.seed, config: this.info.config, version: this.info.version }, 1);

    const out: MetricData[] = [];
    for (const { d, points } of sums.values()) out.push({ descriptor: desc(d), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: points } satisfies SumMetricData);
    for (const { d, points } of histograms.values()) out.push({ descriptor: desc(d), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM, dataPoints: points } satisfies HistogramMetricData);
    for (const { d, points } of gauges.values()) out.push({ descriptor: desc(d), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: points } satisfies GaugeMetricData);
    return out;
  }
}

interface Descriptor {
  name: string;
  help: string;
  unit: string;
}

const desc = (d: Descriptor) => ({ name: d.name, description: d.help, unit: d.unit, valueType: ValueType.DOUBLE });

function entry<T>(m: Map<string, { d: Descriptor; points: T[] }>, d: Descriptor): { d: Descriptor; points: T[] } {
  let e = m.get(d.name);
  if (!e) m.set(d.name, (e = { d, points: [] }));
  return e;
}

/** One gauge per quantile of a label; none when the label has no value yet. */
function quantileGauges(gauge: (d: Descriptor, a: Attributes, v: number) => void, d: Descriptor, label: string, qs: readonly number[], values: readonly number[]): void {
  if (values.length === qs.length) qs.forEach((q, i) => gauge(d, { label, quantile: String(q) }, values[i]!));
}

function mergeInto(m: Map<string, QuantileHistogram>, label: string, encoded: string): void {
  const h = QuantileHistogram.decode(encoded);
  const mine = m.get(label);
  if (mine) mine.merge(h);
  else m.set(label, h);
}

/**
 * The metrics, by their Prometheus names (docs/metrics.md lists them). The
 * names end as Prometheus wants them (`_total` for counters, the unit for the
 * rest), so the exporter adds nothing.
 */
export const M = {
  requestsStarted: { name: 'loadsim_requests_started_total', help: 'Requests sent, per request label.', unit: '' },
  requests: { name: 'loadsim_requests_total', help: 'Requests ended, per request label and outcome (success, or the failure: status, timeout, connection, malformed, interrupted).', unit: '' },
  bytesIn: { name: 'loadsim_request_received_bytes_total', help: 'Response bytes received, per request label.', unit: 'By' },
  bytesOut: { name: 'loadsim_request_sent_bytes_total', help: 'Request bytes sent, per request label.', unit: 'By' },
  requestDuration: { name: 'loadsim_request_duration_seconds', help: 'Request latency, per request label; the buckets are the thresholds’ limits.', unit: 's' },
  requestQuantile: { name: 'loadsim_request_duration_quantile_seconds', help: 'Request latency percentiles of the whole run so far, per request label, from HDR histograms.', unit: 's' },
  operations: { name: 'loadsim_operations_total', help: 'Operations ended, per operation label and outcome (success, failure).', unit: '' },
  operationDuration: { name: 'loadsim_operation_duration_seconds', help: 'Operation duration, per operation label; the buckets are the thresholds’ limits.', unit: 's' },
  lagQuantile: { name: 'loadsim_operation_lag_quantile_seconds', help: 'Scheduling lag of the timers that started operations, percentiles of the run so far, per operation label.', unit: 's' },
  clientsArrived: { name: 'loadsim_clients_arrived', help: 'Clients the arrival policy has added.', unit: '' },
  clientsStarted: { name: 'loadsim_clients_started_total', help: 'Clients whose startup succeeded.', unit: '' },
  clientsActive: { name: 'loadsim_clients_active', help: 'Clients arrived and not failed.', unit: '' },
  clientsFailed: { name: 'loadsim_clients_failed_total', help: 'Client failures.', unit: '' },
  inFlight: { name: 'loadsim_requests_in_flight', help: 'Requests sent and not yet answered.', unit: '' },
  eventLoopLag: { name: 'loadsim_event_loop_lag_p99_seconds', help: 'p99 of the generator process’s event-loop delay over the last second.', unit: 's' },
  cpu: { name: 'loadsim_process_cpu_seconds_total', help: 'CPU (user + system) used by the generator process.', unit: 's' },
  rss: { name: 'loadsim_process_resident_memory_bytes', help: 'Resident memory of the generator process.', unit: 'By' },
  runInfo: { name: 'loadsim_run_info', help: 'The run: its seed, config file and loadsim version (always 1).', unit: '' },
} as const satisfies Record<string, Descriptor>;
