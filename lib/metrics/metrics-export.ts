import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { ListenAddress } from './listen-address.js';
import { SnapshotProducer, type RunInfo, type SourcedSnapshot } from './snapshot-producer.js';

export interface MetricsExportOptions {
  /** `--metrics HOST:PORT`: serve `/metrics` in the Prometheus text format there (port 0: any free port). */
  listen?: ListenAddress;
  /** `--otlp URL`: push the same metrics over OTLP/HTTP every `intervalMs` (default 5 s), and once more at the end. */
  otlp?: { url: string; intervalMs?: number };
  /** The latest snapshot of each generator process. */
  source: () => SourcedSnapshot[];
  info: RunInfo;
  /**
   * At the end, how long `/metrics` stays up waiting for one more scrape, so
   * that Prometheus records the final totals (ms; default 5000). No wait when
   * nothing has scraped it at all.
   */
  lingerMs?: number;
  /** Said once when an OTLP push fails (the collector is down, the URL is wrong); the run goes on. */
  warn?: (line: string) => void;
}

export interface MetricsExport {
  /** `http://host:port/metrics`, when serving. */
  url?: string;
  /** Push once more (OTLP: the final totals), then stop serving. */
  close(): Promise<void>;
}

/**
 * Start the run's metrics exposition, with the OpenTelemetry SDK: a Prometheus
 * exporter answering `GET /metrics` on its own small HTTP server, and/or a
 * periodic OTLP/HTTP push. Both read the same SnapshotProducer, so a scrape and
 * a push show the same numbers. A scrape is served on the generator's event
 * loop, but only reads the snapshot (O(labels)), never the clients' state.
 */
export async function startMetricsExport(o: MetricsExportOptions): Promise<MetricsExport> {
  const resource = resourceFromAttributes({ 'service.name': 'loadsim', 'service.version': o.info.version });
  const producer = new SnapshotProducer(o.source, o.info, resource);
  const readers: MetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  if (o.listen) {
    // The exporter's own server cannot listen on port 0 (it reads 0 as "default"): it is served here.
    prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [producer], withoutScopeInfo: true, withoutTargetInfo: true });
    readers.push(prometheus);
  }
  let otlp: PeriodicExportingMetricReader | undefined;
  if (o.otlp) {
    otlp = new PeriodicExportingMetricReader({ exporter: sayingFailures(new OTLPMetricExporter({ url: o.otlp.url, timeoutMillis: 3000 }), o.otlp.url, o.warn), exportIntervalMillis: o.otlp.intervalMs ?? 5000, metricProducers: [producer] });
    readers.push(otlp);
  }
  const provider = new MeterProvider({ resource, readers });

  let server: Server | undefined;
  let url: string | undefined;
  let scrapes = 0;
  let onScrape: (() => void) | undefined;
  if (o.listen && prometheus) {
    const exporter = prometheus;
    const listen = o.listen;
    const s = createServer((req, res) => {
      if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
        scrapes++;
        // Only a scrape that began after the run ended carries the final totals.
        const final = onScrape;
        res.once('finish', () => final?.());
        exporter.getMetricsRequestHandler(req, res);
      } else {
        res.statusCode = 404;
        res.end('loadsim serves /metrics\n');
      }
    });
    server = s;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(listen.port, listen.host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    const a = s.address() as AddressInfo;
    url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`;
  }
  return {
    ...(url ? { url } : {}),
    async close() {
      // The final totals: pushed once more, and served to one more scrape of whoever has been scraping.
      // Bounded: a collector that is down must not hold the run's end (the exporter retries with backoff).
      await otlp?.forceFlush({ timeoutMillis: 3000 }).catch(() => {});
      if (server && scrapes > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, o.lingerMs ?? 5000);
          onScrape = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      await provider.shutdown({ timeoutMillis: 1000 }).catch(() => {});
      if (server) {
        const s = server;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

/**
 * The OTLP exporter, saying once why a push failed: the SDK reports export
 * errors only to its own diagnostic logger, which is silent by default, so a
 * wrong URL would otherwise go unnoticed for the whole run.
 */
function sayingFailures(exporter: PushMetricExporter, url: string, warn: ((line: string) => void) | undefined): PushMetricExporter {
  let said = false;
  return {
    export(metrics, done) {
      exporter.export(metrics, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && !said && warn) {
          said = true;
          warn(`--otlp: a push to ${url} failed: ${result.error?.message ?? 'no reason given'}; the run goes on, and says this once`);
        }
        done(result);
      });
    },
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    ...(exporter.selectAggregationTemporality ? { selectAggregationTemporality: exporter.selectAggregationTemporality.bind(exporter) } : {}),
    ...(exporter.selectAggregation ? { selectAggregation: exporter.selectAggregation.bind(exporter) } : {}),
  };
}
