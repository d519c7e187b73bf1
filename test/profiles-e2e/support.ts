/**
 * Shared set-up for the profiles end-to-end tests: a config written with the
 * plist package, reference clients files used unmodified, a run under a
 * ScaledClock with every event collected.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as plist from 'plist';
import { ScaledClock } from '../../lib/core/clock.js';
import { loadConfig } from '../../lib/config/load-config.js';
import type { OperationEvent, ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { LoadSimulator, type RunResult } from '../../lib/simulator/simulator.js';
import { referenceFile } from '../helpers/reference.js';

/** A file of the original's master generation (../shared/reference); the tests that read one take `needsReference()`. */
export const masterFile = (name: string) => referenceFile('calendarserver-master', name);

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'loadsim-profiles-e2e-'));
}

/** Writes `config` as a plist in `dir`, loads it with the (unmodified) clients file. */
export async function loadWith(dir: string, config: Record<string, unknown>, clientsPath: string) {
  const c = path.join(dir, `config-${Math.random().toString(36).slice(2)}.plist`);
  // The runs are scaled (×100): the default 60 s timeout would be 0.6 s of real time, which a
  // loaded machine exceeds now and then (a whole first request timed out). These tests are about
  // the profiles, not timeouts: 3,600 simulated s is 36 s real.
  writeFileSync(c, plist.build({ requestTimeout: 3600, ...config } as plist.PlistValue));
  return (await loadConfig({ configPath: c, clientsPath })).config;
}

export const observers = [
  { type: 'contrib.performance.loadtest.population.ReportStatistics', params: {} },
  { type: 'contrib.performance.loadtest.profiles.OperationLogger', params: {} },
];

export interface Run {
  result: RunResult;
  events: SimEvent[];
  out: string[];
  realSeconds: number;
  responses: ResponseEvent[];
  operations: OperationEvent[];
  /** Operation label → count of phase, e.g. ops('invite', 'end', true). */
  ops(label: string, phase: 'start' | 'end' | 'failed', success?: boolean): number;
  /** Response events whose status the client did not expect, and operations that failed or ended unsuccessfully. */
  failures(): string[];
}

export async function runScaled(config: Awaited<ReturnType<typeof loadWith>>, factor: number, simSeconds: number, seed: string): Promise<Run> {
  const clock = new ScaledClock(factor);
  const out: string[] = [];
  const sim = new LoadSimulator({ config, clock, seed, out: (l) => out.push(l) });
  const events: SimEvent[] = [];
  sim.bus.events$.subscribe((e) => events.push(e));
  const t0 = performance.now();
  const result = await sim.run({ runtimeSeconds: simSeconds });
  const realSeconds = (performance.now() - t0) / 1000;
  const responses = events.filter((e): e is ResponseEvent => e.type === 'response');
  const operations = events.filter((e): e is OperationEvent => e.type === 'operation');
  return {
    result,
    events,
    out,
    realSeconds,
    responses,
    operations,
    ops: (label, phase, success) => operations.filter((o) => o.label === label && o.phase === phase && (success === undefined || o.success === success)).length,
    failures: () => [
      ...responses.filter((r) => !r.success).map((r) => `${r.user} ${r.label} ${r.method} ${r.url} → ${r.status} ${r.error ?? ''}`),
      ...operations.filter((o) => o.phase === 'failed' || (o.phase === 'end' && o.success === false)).map((o) => `${o.user} operation ${o.label} ${o.phase}: ${o.reason ?? ''}`),
      ...events.filter((e) => e.type === 'client-failure' || e.type === 'sim-failure').map((e) => JSON.stringify(e)),
    ],
  };
}

/** Counts of rows in the report's tables: label → count (first numeric column after the label). */
export function tableCounts(out: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.join('\n').split('\n')) {
    const r = /^(\S.*?)\s{2,}(\d+)\s/.exec(line);
    if (r && !m.has(r[1]!.trim())) m.set(r[1]!.trim(), Number(r[2]));
  }
  return m;
}

/** iCalendar with folded lines joined. */
export const unfold = (t: string) => t.replace(/\r\n[ \t]/g, '');
