import type { Clock } from '../core/clock.js';
import type { EventReader } from '../core/event-reader.js';
import type { SimEvent } from '../core/events.js';

/** What the simulator knows at report time, for the `* Client` section. */
export interface ReportContext {
  /** Wall-clock start of the run, epoch ms. */
  startedAt: number;
  /** Seconds the run lasted. */
  runSeconds: number;
  /** Process CPU seconds (user, system) over the run. */
  cpu: { user: number; system: number };
  /** Users and clients the arrival policy added. */
  users: number;
  clients: number;
  /** The seed that replays this run. */
  seed: string;
}

/**
 * An observer reads the event stream and, at the end, writes its part of the
 * report and says why the run failed, if it did (the original's
 * observe/report/failures, population.py). Observers never act on clients.
 */
export interface Observer extends EventReader {
  observe(event: SimEvent): void;
  /** Write the report lines. */
  report(out: (line: string) => void, ctx: ReportContext): void;
  /** Reasons the run FAILs; empty when this observer is satisfied. */
  failures(): string[];
  /** Flush files, close handles. */
  close?(): Promise<void> | void;
  /**
   * Requests per label as this observer counted them (an observer that tabulates requests, as
   * ReportStatistics does): the run checks them against its own books before it reports.
   */
  requestCounts?(): Record<string, { count: number; failed: number }>;
}

/** What an observer gets when it is made. */
export interface ObserverContext {
  clock: Clock;
  /** Live output (standard output by default): RequestLogger and OperationLogger lines go here. */
  out: (line: string) => void;
}
