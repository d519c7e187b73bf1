import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config/load-config.js';
import { ErrorLogger } from '../../lib/observers/error-logger.js';
import type { Observer } from '../../lib/registry/observer.js';
import { OperationLogger } from '../../lib/observers/operation-logger.js';
import { ReportStatistics } from '../../lib/observers/report-statistics.js';
import { RequestLogger } from '../../lib/observers/request-logger.js';
import { writeVerdict } from '../../lib/observers/verdict.js';
import { REFERENCE_PAIRS, needsReference, referenceFile, referenceWorkspace, type Generation } from '../helpers/reference.js';
import { lines, observerContext, reportContext, response } from './support.js';

const quiet = (failures: string[], report: string[] = []): Observer => ({
  observe: () => {},
  report: (out) => report.forEach((l) => out(l)),
  failures: () => failures,
});

describe('writeVerdict', () => {
  it('writes each report in order, then *** PASS', () => {
    const { out, lines: text } = lines();
    const v = writeVerdict([quiet([], ['first']), quiet([], ['second'])], out, reportContext);
    assert.deepEqual(v, { passed: true, reasons: [] });
    assert.deepEqual(text, ['first', 'second', '', '*** PASS']);
  });

  it('writes *** FAIL and every reason, one per line', () => {
    const { out, lines: text } = lines();
    const report = new ReportStatistics();
    [...Array.from({ length: 98 }, () => response('GET', 2.5)), response('GET', 2.5, false)].forEach((e) => report.observe(e));
    const v = writeVerdict([report, quiet(['Client failures: 2'])], out, reportContext);
    assert.equal(v.passed, false);
    assert.deepEqual(v.reasons, ['Greater than 1% GET failed', 'Client failures: 2']);
    assert.deepEqual(text.slice(-4), ['', '*** FAIL', 'Greater than 1% GET failed', 'Client failures: 2']);
  });

  it('an observer that throws fails the run instead of hiding the others', () => {
    const { out, lines: text } = lines();
    class Broken implements Observer {
      observe() {}
      report(): void {
        throw new Error('oops');
      }
      failures(): string[] {
        throw new Error('worse');
      }
    }
    const v = writeVerdict([new Broken(), quiet([], ['still here'])], out, reportContext);
    assert.equal(v.passed, false);
    assert.deepEqual(v.reasons, ['Broken could not write its report: oops', 'Broken could not judge the run: worse']);
    assert.ok(text.includes('still here'));
  });
});

describe('observers built from the reference configs', () => {
  const workspaces = new Map<Generation, ReturnType<typeof referenceWorkspace>>();
  const scratch = mkdtempSync(path.join(tmpdir(), 'loadsim-observers-'));
  after(() => {
    workspaces.forEach((w) => w.cleanup());
    rmSync(scratch, { recursive: true, force: true });
  });

  for (const pair of REFERENCE_PAIRS) {
    it(`${pair.generation}: ${pair.config}`, needsReference(), async () => {
      if (!workspaces.has(pair.generation)) workspaces.set(pair.generation, referenceWorkspace(pair.generation));
      const { config, warnings } = await loadConfig({
        configPath: referenceFile(pair.generation, pair.config),
        clientsPath: referenceFile(pair.generation, pair.clients),
        cwd: workspaces.get(pair.generation)!.dir,
      });
      assert.deepEqual(warnings.filter((p) => /section|thresholds/.test(p.message)), []);
      const built: Observer[] = [];
      for (const o of config.observers) {
        assert.equal(o.plugin.source, 'builtin');
        if (o.plugin.source !== 'builtin') continue;
        // The reference ErrorLogger writes to /tmp/sim_errors: keep tests to their own folder.
        const params = o.plugin.definition.name === 'ErrorLogger' ? { ...o.params, directory: { written: 'e', abs: path.join(scratch, pair.config) } } : o.params;
        built.push(o.plugin.definition.create(params, observerContext()));
      }
      assert.ok(built.some((b) => b instanceof ReportStatistics));
      assert.ok(built.some((b) => b instanceof RequestLogger));
      assert.ok(built.some((b) => b instanceof OperationLogger));
      if (pair.generation === 'calendarserver-master' && pair.config === 'config.plist') assert.ok(built.some((b) => b instanceof ErrorLogger));
      const report = built.find((b): b is ReportStatistics => b instanceof ReportStatistics)!;
      assert.deepEqual(report.thresholds.thresholds['REPORT{sync}'], [100, 100, 100, 50, 10, 5, 1]);
      assert.equal(report.benchmarks['GET{event}']?.mean, 0.1);
      await Promise.all(built.map((b) => b.close?.()));
    });
  }
});
