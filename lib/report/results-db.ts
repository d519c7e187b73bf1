/**
 * `--results-db sqlite:FILE`: each run's summary, configuration and interval
 * rows appended to a SQLite database, so trends across many runs are one
 * query away. The database is created on first use; docs/results-db.md has
 * the schema with example queries. Schema version 1 (`PRAGMA user_version`):
 *
 * runs — one row per run
 *   id               INTEGER PRIMARY KEY   the run's id (what `appendRunToDb` returns)
 *   started_at       TEXT     ISO 8601 UTC start of the run, e.g. 2026-01-05T09:00:00.000Z
 *   ended_by         TEXT     why it ended: runtime, stopped, interrupted, …
 *   verdict          TEXT     PASS or FAIL
 *   seed             TEXT     the seed that replays the run
 *   run_seconds      REAL     how long it ran
 *   users            INTEGER  users added
 *   clients          INTEGER  clients added
 *   requests         INTEGER  requests sent
 *   responses        INTEGER  responses counted (equal to requests)
 *   loadsim_version  TEXT     loadsim's version
 *   node             TEXT     Node.js version
 *   hostname         TEXT     the generator's host
 *   config_file      TEXT     the config file as named on the command line
 *   clients_file     TEXT     the clients file as named on the command line
 *   servers          TEXT     JSON array of the servers' URIs (never credentials)
 *   interval_seconds REAL     length of the time-series intervals
 *   reasons          TEXT     JSON array of the reasons for a FAIL ([] on PASS)
 *   summary_json     TEXT     the whole result document (`--json`) except `saved`
 *
 * labels — one row per request label and per operation of a run
 *   run_id           INTEGER  runs.id
 *   section          TEXT     'requests' (labels such as PROPFIND{home}) or 'operations' (startup, poll, create, …)
 *   label            TEXT
 *   count            INTEGER  samples
 *   failed           INTEGER  failed samples (timeouts included)
 *   timeouts         INTEGER  failures that were timeouts
 *   failure_rate     REAL     failed × 100 / count (a percentage)
 *   mean, p50, p90, p95, p99, p999, max   REAL  durations in SECONDS, as the report prints them
 *   status           TEXT     PASS or FAIL against the thresholds
 *   PRIMARY KEY (run_id, section, label)
 *
 * intervals — the time series: per interval, one overall row and one per request label
 *   run_id           INTEGER  runs.id
 *   idx              INTEGER  0, 1, 2, … in time order
 *   label            TEXT     '*' for the overall row, else the request label
 *   start_ms, end_ms INTEGER  epoch ms of the interval's start and end (the last may be shorter)
 *   elapsed          REAL     seconds since the run started, at the interval's end
 *   count            INTEGER  responses that arrived in the interval
 *   rate             REAL     responses per second
 *   failures         INTEGER
 *   mean, p50, p95, p99, max   REAL  durations in MILLISECONDS
 *   lag_p99          REAL     scheduling lag p99 of operations started in the interval, ms ('*' rows; NULL when none)
 *   active_clients   INTEGER  clients active at the interval's end ('*' rows only)
 *   bytes_in, bytes_out   INTEGER
 *   PRIMARY KEY (run_id, label, idx)
 *
 * The primary keys lead with run_id, so they are the run_id indexes; `labels`
 * and `intervals` also have an index on (label) for queries across runs.
 *
 * Each run is one transaction: a crash or an error leaves the database as it
 * was, never with half a run. WAL mode lets readers (dashboards, scripts)
 * query while runs append, and a busy timeout lets two runs finishing at the
 * same time append one after the other.
 */
import { createReadStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type BetterSqlite3 from 'better-sqlite3';
import { UsageError } from '../core/errors.js';
import type { IntervalFigures, LabelSummary, ResultDocument } from '../result/result-document.js';

/** What `PRAGMA user_version` holds once this module has created or checked the schema. */
export const RESULTS_DB_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  ended_by TEXT NOT NULL,
  verdict TEXT NOT NULL,
  seed TEXT NOT NULL,
  run_seconds REAL,
  users INTEGER,
  clients INTEGER,
  requests INTEGER,
  responses INTEGER,
  loadsim_version TEXT,
  node TEXT,
  hostname TEXT,
  config_file TEXT,
  clients_file TEXT,
  servers TEXT,
  interval_seconds REAL,
  reasons TEXT,
  summary_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started_at ON runs (started_at);
CREATE TABLE IF NOT EXISTS labels (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  section TEXT NOT NULL CHECK (section IN ('requests', 'operations')),
  label TEXT NOT NULL,
  count INTEGER,
  failed INTEGER,
  timeouts INTEGER,
  failure_rate REAL,
  mean REAL,
  p50 REAL,
  p90 REAL,
  p95 REAL,
  p99 REAL,
  p999 REAL,
  max REAL,
  status TEXT,
  PRIMARY KEY (run_id, section, label)
);
CREATE INDEX IF NOT EXISTS labels_label ON labels (label);
CREATE TABLE IF NOT EXISTS intervals (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  label TEXT NOT NULL,
  start_ms INTEGER,
  end_ms INTEGER,
  elapsed REAL,
  count INTEGER,
  rate REAL,
  failures INTEGER,
  mean REAL,
  p50 REAL,
  p95 REAL,
  p99 REAL,
  max REAL,
  lag_p99 REAL,
  active_clients INTEGER,
  bytes_in INTEGER,
  bytes_out INTEGER,
  PRIMARY KEY (run_id, label, idx)
);
CREATE INDEX IF NOT EXISTS intervals_label ON intervals (label);
`;

type DatabaseConstructor = typeof BetterSqlite3;
type Database = BetterSqlite3.Database;

export interface AppendRunOptions {
  /** The run's `--timeseries` NDJSON file: its per-label figures become `intervals` rows. */
  timeseriesFile?: string;
}

export interface AppendRunResult {
  /** Absolute path of the database file. */
  file: string;
  /** `runs.id` of the run just added. */
  runId: number;
  /** Lines of the time-series file that were not interval records (or repeated one), and were skipped. */
  skippedLines: number;
  /** What the user should be told: skipped lines, an unreadable time-series file. The run is stored all the same. */
  warnings: string[];
}

/**
 * The database file named by a `--results-db` target: `sqlite:FILE`, or a
 * plain path (a database is a file; requiring the scheme would only make the
 * common case longer). The scheme exists so other stores can be added later;
 * any other `scheme:` is refused rather than taken for a file name. One-letter
 * prefixes are Windows drive letters, not schemes.
 */
export function parseResultsDbTarget(target: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(target);
  let file = target;
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== 'sqlite') {
      throw new UsageError(`--results-db ${target}: unknown scheme "${scheme[1]}:"; expected sqlite:FILE (or a plain file path)`);
    }
    file = target.slice(scheme[0].length);
    // `sqlite://…` reads as a URL whose slashes mean different things to different tools: refuse it.
    if (file.startsWith('//')) throw new UsageError(`--results-db ${target}: write sqlite:/absolute/path.db or sqlite:relative/path.db (no "//")`);
  }
  if (file.trim() === '') throw new UsageError(`--results-db ${target}: expected sqlite:FILE, with a file name`);
  return path.resolve(file);
}

/**
 * better-sqlite3 is an optional dependency (a native module): loaded only
 * when a run asks for a results database, with a message that says how to get
 * it when it is missing or was built for another Node.js.
 */
export async function loadSqlite(): Promise<DatabaseConstructor> {
  try {
    const mod = await import('better-sqlite3');
    return mod.default;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UsageError('--results-db needs the optional dependency better-sqlite3 (npm install better-sqlite3@12)');
    }
    throw new UsageError(`--results-db could not load better-sqlite3: ${(err as Error).message} (try npm rebuild better-sqlite3)`);
  }
}

function openDatabase(Database: DatabaseConstructor, file: string): Database {
  try {
    // The timeout is how long to wait for another run's transaction to finish.
    return new Database(file, { timeout: 60_000 });
  } catch (err) {
    // The native part loads on first use: a missing or mismatched binary shows up here, not at import.
    if (err instanceof Database.SqliteError) throw err;
    const message = (err as Error).message;
    if (/bindings|NODE_MODULE_VERSION|\.node\b|dlopen/i.test(message)) {
      throw new UsageError(`--results-db could not load better-sqlite3's native module: ${message} (try npm rebuild better-sqlite3)`);
    }
    throw err;
  }
}

/** Create the schema on first use; refuse a database written by a newer schema. */
function migrate(db: Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > RESULTS_DB_SCHEMA_VERSION) {
    throw new UsageError(
      `--results-db ${db.name}: the database has schema version ${version}, newer than this loadsim knows (${RESULTS_DB_SCHEMA_VERSION}); use a newer loadsim or another file`,
    );
  }
  if (version === RESULTS_DB_SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${RESULTS_DB_SCHEMA_VERSION}`);
  }).immediate();
}

/** A number for a REAL/INTEGER column: anything else (NaN, a missing field, a string) is NULL. */
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function insertRun(db: Database, doc: ResultDocument): number {
  const { saved: _saved, ...summary } = doc;
  const info = db
    .prepare(
      `INSERT INTO runs (started_at, ended_by, verdict, seed, run_seconds, users, clients, requests, responses,
         loadsim_version, node, hostname, config_file, clients_file, servers, interval_seconds, reasons, summary_json)
       VALUES (@started_at, @ended_by, @verdict, @seed, @run_seconds, @users, @clients, @requests, @responses,
         @loadsim_version, @node, @hostname, @config_file, @clients_file, @servers, @interval_seconds, @reasons, @summary_json)`,
    )
    .run({
      started_at: new Date(doc.startedAt).toISOString(),
      ended_by: doc.endedBy,
      verdict: doc.verdict,
      seed: doc.seed,
      run_seconds: num(doc.runSeconds),
      users: num(doc.users),
      clients: num(doc.clients),
      requests: num(doc.events?.requests),
      responses: num(doc.events?.responses),
      loadsim_version: doc.environment?.loadsim ?? null,
      node: doc.environment?.node ?? null,
      hostname: doc.environment?.hostname ?? null,
      config_file: doc.run?.config ?? null,
      clients_file: doc.run?.clients ?? null,
      servers: JSON.stringify(doc.run?.servers ?? []),
      interval_seconds: num(doc.run?.intervalSeconds),
      reasons: JSON.stringify(doc.reasons ?? []),
      summary_json: JSON.stringify(summary),
    });
  return Number(info.lastInsertRowid);
}

function insertLabels(db: Database, runId: number, section: 'requests' | 'operations', labels: Record<string, LabelSummary>): void {
  const stmt = db.prepare(
    `INSERT INTO labels (run_id, section, label, count, failed, timeouts, failure_rate, mean, p50, p90, p95, p99, p999, max, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const [label, s] of Object.entries(labels ?? {})) {
    stmt.run(runId, section, label, num(s.count), num(s.failed), num(s.timeouts), num(s.failureRate), num(s.mean), num(s.p50), num(s.p90), num(s.p95), num(s.p99), num(s['p99.9']), num(s.max), s.status ?? null);
  }
}

type IntervalInsert = (row: {
  idx: number;
  label: string;
  start: unknown;
  end: unknown;
  elapsed: unknown;
  figures: Partial<IntervalFigures>;
  lagP99: unknown;
  activeClients: unknown;
}) => boolean;

function intervalInserter(db: Database, runId: number): IntervalInsert {
  // OR IGNORE: a repeated (label, idx) in the time-series file is skipped and counted, not fatal.
  const stmt = db.prepare(
    `INSERT OR IGNORE INTO intervals (run_id, idx, label, start_ms, end_ms, elapsed, count, rate, failures, mean, p50, p95, p99, max, lag_p99, active_clients, bytes_in, bytes_out)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return (r) => {
    const f = r.figures;
    const info = stmt.run(
      runId,
      r.idx,
      r.label,
      num(r.start),
      num(r.end),
      num(r.elapsed),
      num(f.count),
      num(f.rate),
      num(f.failures),
      num(f.mean),
      num(f.p50),
      num(f.p95),
      num(f.p99),
      num(f.max),
      num(r.lagP99),
      num(r.activeClients),
      num(f.bytesIn),
      num(f.bytesOut),
    );
    return info.changes > 0;
  };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Per-label interval rows from the NDJSON time series, streamed (a day-long
 * run's file is tens of megabytes). A line that is not an interval record is
 * skipped and counted: a run's results are stored even when its time-series
 * file was cut short by a crash or a full disk.
 */
async function insertLabelIntervals(file: string, insert: IntervalInsert): Promise<{ skipped: number; error?: Error }> {
  let skipped = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        skipped++;
        continue;
      }
      if (!isObject(record) || record.type !== 'interval' || !Number.isInteger(record.index) || !isObject(record.labels)) {
        skipped++;
        continue;
      }
      let ok = true;
      for (const [label, figures] of Object.entries(record.labels)) {
        if (!isObject(figures)) {
          ok = false;
          continue;
        }
        const row = { idx: record.index as number, label, start: record.start, end: record.end, elapsed: record.elapsed, figures, lagP99: null, activeClients: null };
        if (!insert(row)) ok = false;
      }
      if (!ok) skipped++;
    }
  } catch (err) {
    return { skipped, error: err as Error };
  } finally {
    lines.close();
  }
  return { skipped };
}

/**
 * Append one run to the results database `target` (`sqlite:FILE` or a path),
 * creating the file and its schema on first use. Throws a `UsageError` for a
 * bad target or a missing better-sqlite3, and SQLite's error when the
 * database cannot be written (nothing of the run is stored then).
 */
export async function appendRunToDb(target: string, doc: ResultDocument, options: AppendRunOptions = {}): Promise<AppendRunResult> {
  const file = parseResultsDbTarget(target);
  const Database = await loadSqlite();
  mkdirSync(path.dirname(file), { recursive: true });
  const db = openDatabase(Database, file);
  try {
    migrate(db);
    const warnings: string[] = [];
    let skippedLines = 0;
    // BEGIN IMMEDIATE takes the write lock now, so a concurrent run waits at the
    // start rather than failing midway. The transaction spans the awaits of the
    // streamed time-series file; nothing else uses this connection meanwhile.
    db.exec('BEGIN IMMEDIATE');
    let runId: number;
    try {
      runId = insertRun(db, doc);
      insertLabels(db, runId, 'requests', doc.requests);
      insertLabels(db, runId, 'operations', doc.operations);
      const insert = intervalInserter(db, runId);
      for (const r of doc.intervals ?? []) {
        insert({ idx: r.index, label: '*', start: r.start, end: r.end, elapsed: r.elapsed, figures: r, lagP99: r.lagP99, activeClients: r.activeClients });
      }
      if (options.timeseriesFile) {
        const { skipped, error } = await insertLabelIntervals(options.timeseriesFile, insert);
        skippedLines = skipped;
        if (skipped) warnings.push(`${skipped} line${skipped === 1 ? '' : 's'} of ${options.timeseriesFile} skipped (not interval records)`);
        if (error) warnings.push(`cannot read the time series ${options.timeseriesFile}: ${error.message}; per-label interval rows may be missing`);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    return { file, runId, skippedLines, warnings };
  } finally {
    db.close();
  }
}
