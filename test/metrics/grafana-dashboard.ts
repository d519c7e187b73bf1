import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../helpers/reference.js';

/** The Grafana dashboard shipped in examples/grafana/ (docs/metrics.md says how to import it). */
export const DASHBOARD_PATH = path.join(REPO, 'examples/grafana/loadsim-dashboard.json');

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: DashboardTarget[];
  /** A row's panels, when it is collapsed. */
  panels?: DashboardPanel[];
}

export interface DashboardVariable {
  name: string;
  type: string;
  query: string | { query: string };
  datasource?: { type: string; uid: string };
  allValue?: string;
}

export interface Dashboard {
  title: string;
  uid: string;
  panels: DashboardPanel[];
  templating: { list: DashboardVariable[] };
}

export function readDashboard(): Dashboard {
  try {
    return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
  } catch (e) {
    throw new Error(`${DASHBOARD_PATH}: ${(e as Error).message}`, { cause: e });
  }
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(d: Dashboard): DashboardPanel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL query of the dashboard: the panels' targets, with the panel they belong to. */
export function dashboardQueries(d: Dashboard): { panel: DashboardPanel; target: DashboardTarget }[] {
  return allPanels(d).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
}
