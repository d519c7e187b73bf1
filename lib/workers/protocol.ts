import type { IntervalHistograms } from '../report/interval-recorder.js';
import type { IntervalRecord, ResultDocument } from '../result/result-document.js';
import type { Generation } from '../params/generation.js';
import type { MetricsSnapshot } from '../metrics/live-metrics.js';

/**
 * The manager ⇄ worker protocol: one JSON object per line, over the worker's
 * standard input (manager → worker) and standard output (worker → manager).
 * Standard error is the worker's own: the manager keeps its last lines to
 * say why a worker died. The same protocol runs over `ssh` or any command
 * line in the config's `workers` array that ends in `loadsim worker`.
 *
 *   manager → worker   {"type":"start","protocol":2, …StartMessage}   once, first:
 *                                                          config and clients texts, the accounts
 *                      {"type":"stop","reason":"…"}       end the run now (Ctrl-C, web admin)
 *   worker → manager   {"type":"ready","pid":N}           config loaded, waiting for startAt
 *                      {"type":"snapshot","final":false,"doc":{…}}   after every interval
 *                      {"type":"snapshot","final":true,"doc":{…}}    at the end
 *                      {"type":"interval","record":{…},"histograms":{…}}  each interval as it closes,
 *                                                          with its histograms (for the merged time series)
 *                      {"type":"metrics","snapshot":{…}}  every second when the start asked for metrics:
 *                                                          cumulative counters and histograms (MetricsSnapshot)
 *                      {"type":"error","message":"…"}     it cannot run (bad config on that host)
 *
 * Snapshots are whole result documents: histograms and counters, O(labels),
 * never per-request events, so the volume does not grow with the load; the
 * manager keeps each worker's latest and merges them exactly.
 */

/** The protocol's version; a worker refuses a start message of another. */
export const PROTOCOL_VERSION = 2;

/** One account as sent: [uid, password, commonName, email, guid, podID]. */
export type AccountRow = [string, string, string, string, string, string];

export interface StartMessage {
  type: 'start';
  protocol: number;
  /**
   * config.plist and clients.plist, as the manager read them: the path (as
   * the manager resolved it) names the file in messages and anchors the
   * relative paths inside it; the text is what the worker loads, so a worker
   * on another host does not need these two files. Files the config names
   * besides the accounts (thresholds, benchmarks, modules of your own) must
   * exist on the worker's host at the same paths.
   */
  config: { path: string; text: string };
  clients: { path: string; text: string } | null;
  /**
   * Every account, in user-number order: the others' identities are needed
   * (invitations name other users as attendees), but a password is sent only
   * for this worker's own users (n % workerCount == workerIndex); the others
   * have "".
   */
  accounts: AccountRow[];
  workerIndex: number;
  workerCount: number;
  seed: string;
  /** Epoch ms at which every worker starts its arrival schedule, so the slices line up. */
  startAt: number;
  runtimeSeconds: number | null;
  intervalSeconds: number;
  /** `--server`, `--insecure`, `--timeout` of the manager's command line. */
  server: string | null;
  insecure: boolean;
  timeoutSeconds: number | null;
  /** `--jtl FILE`: this worker writes its rows to FILE.<workerIndex> (on its own host); null for none. */
  jtl: string | null;
  /** The generation the manager's config resolved to (it may come from --generation). */
  generation?: Generation;
  /** `--metrics` / `--otlp` on the manager: send live metrics every second (absent: none). */
  metrics?: boolean;
}

export interface StopMessage {
  type: 'stop';
  reason: string;
}

export type ToWorker = StartMessage | StopMessage;

export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'snapshot'; final: boolean; doc: ResultDocument }
  | { type: 'interval'; record: IntervalRecord; histograms: IntervalHistograms }
  | { type: 'metrics'; snapshot: MetricsSnapshot }
  | { type: 'error'; message: string };

/** Split a stream's text into lines, calling `line` for each complete one. */
export function lineReader(line: (text: string) => void): (chunk: string) => void {
  let buffered = '';
  return (chunk) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (text) line(text);
    }
  };
}
