import path from 'node:path';
import { RealClock } from '../core/clock.js';
import type { LoadsimConfig } from '../config/config-types.js';
import { loadConfig } from '../config/load-config.js';
import { formatProblem, ConfigError } from '../core/errors.js';
import { overrideServer } from '../config/override-server.js';
import { LoadSimulator } from '../simulator/simulator.js';
import { JtlWriter } from '../report/jtl-writer.js';
import type { AccountRecord } from '../core/account-record.js';
import { lineReader, PROTOCOL_VERSION, type AccountRow, type FromWorker, type StartMessage, type ToWorker } from './protocol.js';

const accountOf = ([uid, password, commonName, email, guid, podID]: AccountRow): AccountRecord => ({ uid, password, commonName, email, guid, podID });

export interface WorkerIO {
  /** Lines from the manager (standard input). */
  input: NodeJS.ReadableStream;
  /** Protocol lines to the manager (standard output). */
  send: (message: FromWorker) => void;
  /** The worker's own messages (standard error). */
  log: (line: string) => void;
  /** SIGTERM / SIGINT: end the run as a stop message would. */
  signal?: AbortSignal;
}

/**
 * `loadsim worker`: one slice of a run, driven by a manager over the line
 * protocol (protocol.ts). It loads the config and accounts it is sent,
 * simulates the users n with n % workerCount == workerIndex from the common
 * start time, sends a snapshot after every interval and a final one at the
 * end. It ends when its runtime expires, when the manager says stop, or when
 * its standard input closes (the manager is gone: nobody would read it).
 */
export async function runWorker(io: WorkerIO): Promise<number> {
  const stop = new AbortController();
  let start: StartMessage | undefined;
  let gotStart: (m: StartMessage) => void = () => {};
  const started = new Promise<StartMessage>((resolve) => (gotStart = resolve));
  io.input.setEncoding?.('utf8');
  io.input.on(
    'data',
    lineReader((text) => {
      let m: ToWorker;
      try {
        m = JSON.parse(text) as ToWorker;
      } catch {
        io.log(`loadsim worker: ignored a line that is not JSON: ${text.slice(0, 80)}`);
        return;
      }
      if (m.type === 'start' && !start) gotStart((start = m));
      else if (m.type === 'stop') stop.abort(m.reason);
    }),
  );
  io.input.on('end', () => stop.abort('the manager closed the connection'));
  // Stop reading at the end: an open standard input would keep the process alive.
  const done = () => (io.input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  io.signal?.addEventListener('abort', () => stop.abort('signal'), { once: true });
  const first = await Promise.race([started, new Promise<undefined>((resolve) => stop.signal.addEventListener('abort', () => resolve(undefined), { once: true }))]);
  if (!first) return done(), 0;

  if (first.protocol !== PROTOCOL_VERSION) {
    io.send({ type: 'error', message: `this worker speaks protocol ${PROTOCOL_VERSION}, the manager sent ${String(first.protocol)}: run the same loadsim version on both` });
    done();
    return 2;
  }
  let config: LoadsimConfig;
  try {
    const loaded = await loadConfig({
      configPath: first.config.path,
      clientsPath: first.clients?.path ?? null,
      cwd: path.dirname(first.config.path),
      given: { configText: first.config.text, clientsText: first.clients?.text ?? null, accounts: first.accounts.map(accountOf) },
      ...(first.generation ? { generation: first.generation } : {}),
    });
    config = loaded.config;
  } catch (e) {
    const message = e instanceof ConfigError ? e.problems.filter((p) => p.severity === 'error').map(formatProblem).join('; ') : (e as Error).message;
    io.send({ type: 'error', message });
    done();
    return 2;
  }
  config.workerID = first.workerIndex;
  config.workerCount = first.workerCount;
  if (first.server) overrideServer(config, first.server);
  if (first.insecure) config.http.tlsVerify = false;
  if (first.timeoutSeconds) config.http.requestTimeoutSeconds = first.timeoutSeconds;

  const clock = new RealClock();
  let sim: LoadSimulator | undefined;
  const snapshot = () => {
    if (sim) io.send({ type: 'snapshot', final: false, doc: sim.snapshot() });
  };
  const warn = (l: string) => io.log(`loadsim worker ${first.workerIndex}: ${l}`);
  let sinks: JtlWriter[];
  try {
    sinks = first.jtl ? [JtlWriter.open(`${first.jtl}.${first.workerIndex}`, { onError: warn, clock })] : [];
  } catch (e) {
    io.send({ type: 'error', message: `--jtl: cannot create ${first.jtl}.${first.workerIndex}: ${(e as Error).message}` });
    done();
    return 2;
  }
  sim = new LoadSimulator({
    config,
    clock,
    seed: first.seed,
    out: () => {},
    live: 'off',
    warn,
    sinks,
    intervalSeconds: first.intervalSeconds,
    onInterval: snapshot,
    onIntervalRecord: (record, histograms) => io.send({ type: 'interval', record, histograms }),
    liveMetrics: first.metrics === true,
  });
  // Live metrics for the manager's endpoint: cumulative, so a lost line costs only freshness.
  const live = sim.metrics;
  const metricsTimer = live ? setInterval(() => io.send({ type: 'metrics', snapshot: live.snapshot({ mergeable: true }) }), 1000) : undefined;
  metricsTimer?.unref();
  io.send({ type: 'ready', pid: process.pid });

  // Every worker starts its schedule at the same moment.
  const wait = first.startAt - clock.now();
  if (wait > 0) await new Promise<void>((resolve) => {
    const t = clock.setTimer(wait, () => resolve());
    stop.signal.addEventListener('abort', () => (t.cancel(), resolve()), { once: true });
  });
  const result = await sim.run({ ...(first.runtimeSeconds ? { runtimeSeconds: first.runtimeSeconds } : {}), signal: stop.signal });
  if (metricsTimer) clearInterval(metricsTimer);
  if (live) io.send({ type: 'metrics', snapshot: live.snapshot({ mergeable: true }) });
  io.send({ type: 'snapshot', final: true, doc: result.summary });
  done();
  return 0;
}
