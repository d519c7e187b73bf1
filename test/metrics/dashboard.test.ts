import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { SimEvent } from '../../lib/core/events.js';
import { LiveMetrics } from '../../lib/metrics/live-metrics.js';
import { M, SnapshotProducer } from '../../lib/metrics/snapshot-producer.js';
import { allPanels, dashboardQueries, readDashboard } from './grafana-dashboard.js';

/**
 * examples/grafana/loadsim-dashboard.json against what loadsim exposes: every
 * metric a query names is one the SnapshotProducer makes (a histogram's under
 * Prometheus' _bucket, _sum and _count), every label a selector or a `by`
 * names is one those metrics carry, every metric of `M` is on a panel, and
 * every panel follows the dashboard's datasource and `run` variables. So a
 * metric renamed in lib/metrics/ fails here instead of leaving an empty
 * panel. (test/metrics/prometheus.test.ts runs the same queries on a real
 * Prometheus.)
 */

const who = { user: 'user01', clientId: 'c1', clientType: 'OS_X_10_7' };
/** One of each event the live metrics count, so that the producer makes every metric it can. */
const EVENTS: SimEvent[] = [
  { type: 'status', clientCount: 1, at: 0 },
  { type: 'request', label: 'PROPFIND{home}', method: 'PROPFIND', url: '/x', at: 0, ...who },
  { type: 'response', label: 'PROPFIND{home}', method: 'PROPFIND', url: '/x', status: 207, success: true, durationMs: 12, bytesIn: 100, bytesOut: 10, at: 0, ...who },
  { type: 'operation', phase: 'start', label: 'poll', lagMs: 1, at: 0, ...who },
  { type: 'operation', phase: 'end', label: 'poll', durationMs: 20, success: true, at: 0, ...who },
];

/** The Prometheus series names loadsim exposes, each with the labels it carries (job and instance are Prometheus'). */
function exposition(): Map<string, Set<string>> {
  const live = new LiveMetrics({});
  for (const e of EVENTS) live.observe(e);
  const metrics = new SnapshotProducer(() => [], { seed: '1', config: 'config.plist', version: '0' }, resourceFromAttributes({})).metrics([{ snapshot: live.snapshot() }]);
  const out = new Map<string, Set<string>>();
  for (const m of metrics) {
    // A run with workers adds `worker` to counters, histograms and per-process gauges.
    const labels = new Set(['job', 'instance', 'worker', ...m.dataPoints.flatMap((p) => Object.keys(p.attributes))]);
    if (m.dataPointType === DataPointType.HISTOGRAM) {
      out.set(`${m.descriptor.name}_bucket`, new Set([...labels, 'le']));
      out.set(`${m.descriptor.name}_sum`, labels);
      out.set(`${m.descriptor.name}_count`, labels);
    } else {
      out.set(m.descriptor.name, labels);
    }
  }
  return out;
}

const EXPOSED = exposition();
const DASHBOARD = readDashboard();
const QUERIES = dashboardQueries(DASHBOARD);
/** Grafana's reference to the dashboard's datasource variable (a Grafana placeholder, not a template literal's). */
const DATASOURCE = { type: 'prometheus', uid: '$' + '{datasource}' };
const metricNames = (expr: string) => [...expr.matchAll(/\b(loadsim_[a-z0-9_]+)/g)].map((m) => m[1]!);

describe('the Grafana dashboard (examples/grafana/)', () => {
  it('the exposition makes every metric of M, so the checks below see them all', () => {
    const names = new Set([...EXPOSED.keys()].map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    for (const d of Object.values(M)) assert.ok(names.has(d.name), `${d.name} not produced`);
  });

  it('every metric a query names is one loadsim exposes', () => {
    assert.ok(QUERIES.length > 10, `${QUERIES.length} queries`);
    for (const { panel, target } of QUERIES) {
      for (const name of metricNames(target.expr)) assert.ok(EXPOSED.has(name), `panel "${panel.title}": ${name} is not exposed (${target.expr})`);
    }
    for (const v of DASHBOARD.templating.list) {
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      for (const name of metricNames(q)) assert.ok(EXPOSED.has(name), `variable ${v.name}: ${name} is not exposed`);
    }
  });

  it('every label a selector or a `by` names is one of its metrics’ labels', () => {
    for (const { panel, target } of QUERIES) {
      const where = `panel "${panel.title}": ${target.expr}`;
      for (const [, name, matchers] of target.expr.matchAll(/\b(loadsim_[a-z0-9_]+)\{([^}]*)\}/g)) {
        for (const m of matchers!.split(',')) {
          const label = /^\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/.exec(m)?.[1];
          assert.ok(label, `${where}: cannot read the matcher ${m}`);
          assert.ok(EXPOSED.get(name!)?.has(label), `${where}: ${name} has no label ${label}`);
        }
      }
      // The run's info is joined in (group_left with no labels): its seed, config and version are not on the result.
      const measured = metricNames(target.expr).filter((n) => n !== M.runInfo.name);
      const labels = new Set(measured.flatMap((n) => [...(EXPOSED.get(n) ?? [])]));
      for (const [, list] of target.expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
        for (const label of list!.split(',').map((s) => s.trim())) assert.ok(labels.has(label), `${where}: no metric of it has the label ${label}`);
      }
    }
  });

  it('every metric of M is on a panel', () => {
    const used = new Set(QUERIES.flatMap(({ target }) => metricNames(target.expr)).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    for (const d of Object.values(M)) assert.ok(used.has(d.name), `no panel shows ${d.name}`);
  });

  it('every query follows the run variable, on the datasource variable', () => {
    const vars = new Map(DASHBOARD.templating.list.map((v) => [v.name, v]));
    assert.equal(vars.get('datasource')?.type, 'datasource');
    assert.equal(vars.get('datasource')?.query, 'prometheus');
    const run = vars.get('run');
    assert.equal(typeof run?.query === 'string' ? run.query : run?.query.query, `label_values(${M.runInfo.name}, seed)`);
    for (const v of vars.values()) if (v.type === 'query') assert.deepEqual(v.datasource, DATASOURCE, `variable ${v.name}`);
    for (const { panel, target } of QUERIES) {
      assert.deepEqual(panel.datasource, DATASOURCE, `panel "${panel.title}"`);
      assert.ok(target.expr.includes(`${M.runInfo.name}{seed=~"$run"}`), `panel "${panel.title}" ignores the run: ${target.expr}`);
      for (const [, name] of target.expr.matchAll(/\$(\w+)/g)) assert.ok(name!.startsWith('__') || vars.has(name!), `panel "${panel.title}": $${name} is no variable`);
    }
  });

  it('panels have unique ids and refIds, and do not overlap on the 24-column grid', () => {
    const panels = allPanels(DASHBOARD);
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'panel ids');
    for (const p of panels) {
      const refs = (p.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refs).size, refs.length, `panel "${p.title}": refIds`);
      assert.ok(p.gridPos.x >= 0 && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, `panel "${p.title}": ${JSON.stringify(p.gridPos)}`);
    }
    const placed = panels.filter((p) => p.type !== 'row');
    for (const [i, a] of placed.entries()) {
      for (const b of placed.slice(i + 1)) {
        const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        assert.ok(apart, `panels "${a.title}" and "${b.title}" overlap`);
      }
    }
  });
});
