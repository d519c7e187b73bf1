import type { FileParam, ParamValues } from '../params/param-spec.js';
import type { SimEvent, SimExpiredEvent } from '../core/events.js';
import { responseFailureKind } from '../stats/failure-kind.js';
import { FailureTable } from '../stats/failure-table.js';
import { LabelTable } from '../stats/label-table.js';
import type { ResultDocument } from '../result/result-document.js';
import { restoreFailures, restoreTable, thresholdsOf } from '../result/saved-section.js';
import { writeErrorTable } from './error-table.js';
import { fixed, hms, monthDayTime } from '../core/format.js';
import type { Observer, ReportContext } from '../registry/observer.js';
import { loadBenchmarks, overallQos, qosValue, type Benchmarks } from './qos.js';
import { labelColumns, statusColumn, writeTable, type Column } from './summary-table.js';
import { summaryRows, type SummaryRow } from '../stats/summary-rows.js';
import { requestFailureReasons } from '../stats/verdict-reasons.js';
import type { RequestTables } from '../result/result-tables.js';
import type { ThresholdSection } from '../stats/thresholds-file.js';
import { DEFAULT_REQUEST_THRESHOLDS, thresholdSection } from '../stats/thresholds.js';

export interface ReportStatisticsOptions {
  /** The `requests` section of thresholds.json (default: the original's, `DEFAULT_REQUEST_THRESHOLDS`). */
  thresholds?: ThresholdSection;
  /** Label → benchmark mean (s) and weight, for QoS (default: none, QoS "None"). */
  benchmarks?: Benchmarks;
  /** Percent of failed requests above which a label fails (default 1.0). */
  failCutoff?: number;
  /** Start from this table (a saved result read back); its limits must be the thresholds'. */
  table?: LabelTable;
  /** Start from this error table (a saved result read back). */
  errors?: FailureTable;
}

/** What the server's stats socket said at the end, or why it said nothing. */
type ServerStats = { kind: 'stats'; event: SimExpiredEvent } | { kind: 'unavailable'; note: string };

/**
 * The end-of-run report (the original's ReportStatistics, population.py): a
 * `* Client` block, a `* Server` block per pod whose stats socket was read, and
 * a table per request label with the threshold columns, QoS and STATUS, and
 * an `* Errors` block saying why requests failed; its failures decide PASS or
 * FAIL. Memory does not grow with the run: histograms per label, sets of user
 * and client ids, distinct failure reasons, a bounded error table.
 */
export class ReportStatistics implements Observer {
  readonly table: LabelTable;
  /** Why requests failed: per label, each kind of failure and its count (the report's `* Errors` block). */
  readonly errors: FailureTable;
  readonly thresholds: ThresholdSection;
  readonly benchmarks: Benchmarks;
  readonly failCutoff: number;
  private readonly users = new Set<string>();
  private readonly clients = new Set<string>();
  /** Client-failure reason → how many times; the original listed every event, we list each reason once with its count. */
  private readonly clientFailures = new Map<string, number>();
  private clientFailureCount = 0;
  private readonly simFailures = new Map<string, number>();
  /** Notice → clients that emitted it (each client says each thing once). */
  private readonly notices = new Map<string, number>();
  private readonly servers = new Map<string, ServerStats>();
  /** Users and clients counted by a saved run this one was restored from. */
  private seenBefore = { users: 0, clients: 0 };

  constructor(options: ReportStatisticsOptions = {}) {
    this.thresholds = options.thresholds ?? DEFAULT_REQUEST_THRESHOLDS;
    this.benchmarks = options.benchmarks ?? {};
    this.failCutoff = options.failCutoff ?? 1.0;
    this.table = options.table ?? new LabelTable(this.thresholds.limits);
    this.errors = options.errors ?? new FailureTable();
  }

  /**
   * The observer as it stood at the end of a saved run (`loadsim report`):
   * its tables, failures and server figures, ready to print again.
   */
  static restore(doc: ResultDocument): ReportStatistics {
    const saved = doc.saved.requests;
    const rs = new ReportStatistics({
      thresholds: thresholdsOf(saved),
      benchmarks: saved.benchmarks,
      failCutoff: saved.failCutoff,
      table: restoreTable(saved),
      // A result of an older version has no error table: it is re-rendered as it was printed, without one.
      ...(doc.errors ? { errors: restoreFailures(saved.labels, doc.errors) } : {}),
    });
    rs.seenBefore = { users: saved.seen.users, clients: saved.seen.clients };
    for (const [reason, n] of Object.entries(doc.clientFailures)) {
      rs.clientFailures.set(reason, n);
      rs.clientFailureCount += n;
    }
    for (const [reason, n] of Object.entries(doc.simFailures)) rs.simFailures.set(reason, n);
    for (const [text, n] of Object.entries(doc.notices ?? {})) rs.notices.set(text, n);
    for (const [podID, s] of Object.entries(doc.server)) {
      rs.servers.set(podID, 'note' in s ? { kind: 'unavailable', note: s.note } : { kind: 'stats', event: { type: 'sim-expired', podID, ...s, at: doc.startedAt } });
    }
    return rs;
  }

  /** Requests per label as the report counts them (the run checks them against its books). */
  requestCounts(): Record<string, { count: number; failed: number }> {
    const out: Record<string, { count: number; failed: number }> = {};
    for (const label of this.table.labels()) {
      const row = this.table.get(label)!;
      out[label] = { count: row.all.count, failed: row.failures };
    }
    return out;
  }

  /** Client-failure reason → how many times. */
  clientFailureReasons(): Record<string, number> {
    return Object.fromEntries(this.clientFailures);
  }

  /** Notice → how many clients emitted it. */
  noticeCounts(): Record<string, number> {
    return Object.fromEntries(this.notices);
  }

  /** Failed-operation reason → how many times. */
  simFailureReasons(): Record<string, number> {
    return Object.fromEntries(this.simFailures);
  }

  /** From validated config params (`thresholdsPath` | `thresholds`, `benchmarksPath`, `failCutoff`). */
  static fromParams(values: ParamValues): ReportStatistics {
    const benchmarks = values.benchmarksPath as FileParam | undefined;
    return new ReportStatistics({
      thresholds: thresholdSection(values, 'requests', DEFAULT_REQUEST_THRESHOLDS),
      ...(benchmarks ? { benchmarks: loadBenchmarks(benchmarks.abs) } : {}),
      ...(typeof values.failCutoff === 'number' ? { failCutoff: values.failCutoff } : {}),
    });
  }

  observe(event: SimEvent): void {
    switch (event.type) {
      case 'response':
        this.table.record(event.label, event.durationMs, event.success, { timeout: event.error === 'timeout', ...(event.connectMs !== undefined ? { connectMs: event.connectMs } : {}) });
        if (!event.success) this.errors.record(event.label, responseFailureKind(event));
        this.users.add(event.user);
        this.clients.add(event.clientId);
        break;
      case 'client-failure':
        this.clientFailureCount += 1;
        this.clientFailures.set(event.reason, (this.clientFailures.get(event.reason) ?? 0) + 1);
        break;
      case 'notice':
        this.notices.set(event.text, (this.notices.get(event.text) ?? 0) + 1);
        break;
      case 'sim-failure':
        this.simFailures.set(event.reason, (this.simFailures.get(event.reason) ?? 0) + 1);
        break;
      case 'sim-expired': {
        // A stats read that failed may say why in `note`; without one, numbers
        // that are not finite mean the same thing.
        const note = event.note;
        const numbers = [event.requestsPerSecond, event.responseMs, event.slots, event.cpuPercent];
        this.servers.set(event.podID, note !== undefined || !numbers.every(Number.isFinite) ? { kind: 'unavailable', note: note ?? 'statistics unavailable' } : { kind: 'stats', event });
        break;
      }
    }
  }

  /** Distinct users seen in responses. */
  countUsers(): number {
    return this.users.size + this.seenBefore.users;
  }
  /** Distinct clients seen in responses. */
  countClients(): number {
    return this.clients.size + this.seenBefore.clients;
  }
  /** Client-failure events. */
  countClientFailures(): number {
    return this.clientFailureCount;
  }
  /** Distinct sim-failure reasons. */
  countSimFailures(): number {
    return this.simFailures.size;
  }
  /** The run's QoS (see `overallQos`); undefined without benchmarks or successful samples. */
  qos(): number | undefined {
    return overallQos(this.table, this.benchmarks);
  }

  report(out: (line: string) => void, ctx: ReportContext): void {
    out('');
    out('** REPORT **');
    out('');
    out('* Client');
    const qos = this.qos();
    const items: [string, string][] = [
      ['Clients', String(this.countClients())],
      ['Cpu Time', `user ${fixed(ctx.cpu.user, 2, -5)} sys ${fixed(ctx.cpu.system, 2, -5)} total ${hms(ctx.cpu.user + ctx.cpu.system)}`],
      ['Qos', qos === undefined ? 'None' : fixed(qos, 4)],
      ['Run Time', hms(ctx.runSeconds)],
      ['Start Time', monthDayTime(ctx.startedAt)],
      ['Users', String(this.countUsers())],
    ];
    if (this.clientFailureCount > 0) {
      items.push(['Failed Clients', String(this.clientFailureCount)]);
      let i = 0;
      for (const [reason, n] of this.clientFailures) items.push([`Failure #${++i}`, n > 1 ? `${reason} (${n} times)` : reason]);
    }
    // The original kept one "Failed Operation" key, so only the last reason survived; we print each.
    for (const [reason, n] of this.simFailures) items.push(['Failed Operation', `${reason} : ${n} times`]);
    writeKeyValues(out, items);
    out('');
    if (this.notices.size > 0) {
      // Said once each, not per request: what the clients learnt about the server and did from then on.
      out('* Notices');
      for (const [text, n] of this.notices) out(`${text} : ${n} client${n === 1 ? '' : 's'}`);
      out('');
    }

    for (const podID of [...this.servers.keys()].sort()) {
      const s = this.servers.get(podID)!;
      out(`* Server ${podID} (Last 5 minutes)`);
      if (s.kind === 'unavailable') out(s.note);
      else {
        writeKeyValues(out, [
          ['Cpu', `${fixed(s.event.cpuPercent, 1)}%`],
          ['Req/Sec', fixed(s.event.requestsPerSecond, 1)],
          ['Response', `${fixed(s.event.responseMs, 1)} (ms)`],
          ['Slots', fixed(s.event.slots, 2)],
        ]);
      }
      out('');
    }

    out('* Details');
    const qosColumn: Column<SummaryRow> = {
      header: 'QoS',
      width: 8,
      // The table's QoS uses the mean of all samples (the Client block's uses successful ones), 0 without a benchmark.
      cell: (r) => fixed(qosValue(this.benchmarks, r.stats.label, r.stats.all.mean / 1000) ?? 0, 4),
    };
    const columns: Column<SummaryRow>[] = [{ header: 'request', width: -30, cell: (r) => r.stats.label }, ...labelColumns(this.thresholds.limits), qosColumn, statusColumn];
    writeTable(out, columns, summaryRows(this.table, this.thresholds, this.failCutoff));
    writeErrorTable(out, this.errors, { title: 'Errors', labelHeader: 'request', countOf: (l) => this.table.get(l)?.all.count ?? 0 });
  }

  failures(): string[] {
    return requestFailureReasons({ table: this.table, thresholds: this.thresholds, failCutoff: this.failCutoff, clientFailures: this.clientFailureCount, simFailureReasons: this.simFailures.size });
  }

  /** The tables and counts a result document is built from (buildResult). */
  tables(): RequestTables {
    return {
      table: this.table,
      errors: this.errors,
      thresholds: this.thresholds,
      failCutoff: this.failCutoff,
      benchmarks: this.benchmarks,
      seen: { users: this.countUsers(), clients: this.countClients() },
      clientFailures: this.clientFailureReasons(),
      notices: this.noticeCounts(),
      simFailures: this.simFailureReasons(),
    };
  }
}

const keyOrder = new Intl.Collator('en', { numeric: true });

/**
 * `key : value` lines, keys right-aligned to the longest and sorted
 * (`Failure #2` before `Failure #10`; equal keys keep their order).
 */
function writeKeyValues(out: (line: string) => void, items: [string, string][]): void {
  const width = Math.max(...items.map(([k]) => k.length));
  for (const [k, v] of [...items].sort((a, b) => keyOrder.compare(a[0], b[0]))) out(`${k.padStart(width)} : ${v}`);
}
