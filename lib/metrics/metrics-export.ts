import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
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
    otlp = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: o.otlp.url }), exportIntervalMillis: o.otlp.intervalMs ?? 5000, metricProducers: [producer] });
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
        res.once('finish', () => onScrape?.());
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
      await otlp?.forceFlush().catch(() => {});
      if (server && scrapes > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, o.lingerMs ?? 5000);
          onScrape = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      await provider.shutdown().catch(() => {});
      if (server) {
        const s = server;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
