/**
 * Helpers for the tests against real CalDAV servers (Radicale, Cyrus, Xandikos) that
 * `.ci/run` starts (from ../shared/servers/, and .ci/servers/ for Xandikos). A server is named by an
 * environment variable holding its URL (`LOADSIM_RADICALE_URL=http://127.0.0.1:5232`).
 *
 * - URL unset: the tests skip, saying so (a developer's `npm test` needs no server);
 *   unless `LOADSIM_REAL_SERVERS_REQUIRED=1` (CI), where an unset URL is a failure.
 * - URL set but nothing answers there: the tests fail.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as plist from 'plist';
import { DavHttp } from '../../lib/caldav/http.js';
import { CalDAVClient, type ClientParams } from '../../lib/clients/client.js';
import { MODELS, type ModelName } from '../../lib/clients/models.js';
import { RealClock } from '../../lib/core/clock.js';
import { loadConfig } from '../../lib/config/load-config.js';
import type { NoticeEvent, OperationEvent, ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import { LoadSimulator, type RunResult } from '../../lib/simulator/simulator.js';

export interface RealServer {
  /** The origin, e.g. http://127.0.0.1:5232 */
  url: string;
  /** Where the users' principals are: `/%s/` (Radicale), `/dav/principals/user/%s/` (Cyrus). */
  principalPathTemplate: string;
}

export const PASSWORD = 'password';
export const required = process.env.LOADSIM_REAL_SERVERS_REQUIRED === '1';

/**
 * The server named by `envVar`, or why its tests do not run: a skip message
 * (URL unset, not required), or a failure (URL unset but required).
 */
export function realServer(envVar: string, principalPathTemplate: string, startedBy: string): { server: RealServer } | { skip: string } | { fail: string } {
  const url = process.env[envVar]?.trim();
  if (!url) {
    const why = `${envVar} not set: ${startedBy}`;
    return required ? { fail: `${why} (LOADSIM_REAL_SERVERS_REQUIRED=1)` } : { skip: why };
  }
  return { server: { url: new URL(url).origin, principalPathTemplate } };
}

/** Throws unless something answers HTTP at the server's origin within 10 s. */
export async function assertAnswers(server: RealServer, envVar: string): Promise<void> {
  // node:http rather than fetch, which refuses some ports outright ("bad port").
  const answer = await new Promise<string | undefined>((resolve) => {
    const req = (server.url.startsWith('https:') ? httpsRequest : httpRequest)(`${server.url}/`, { method: 'OPTIONS', timeout: 10_000, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(undefined));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', (e) => resolve(e.message));
    req.end();
  });
  if (answer !== undefined) assert.fail(`${envVar}=${server.url}: the server does not answer (${answer})`);
}

export interface Harness {
  client: CalDAVClient;
  events: SimEvent[];
  responses(): ResponseEvent[];
  /** Labels of the response events so far, in order. */
  labels(): string[];
  /** Response events whose status the client did not expect, and operations that ended unsuccessfully. */
  failures(): (ResponseEvent | OperationEvent)[];
  /** The notices the client emitted so far (what it learnt about the server), their texts in order. */
  notices(): string[];
  /** Forget the events so far. */
  mark(): void;
}

const https = new Map<string, DavHttp>();

/** One DavHttp per origin, as the simulator shares one per origin. */
function httpFor(server: RealServer): DavHttp {
  let h = https.get(server.url);
  if (!h) https.set(server.url, (h = new DavHttp({ origin: server.url, clock: new RealClock() })));
  return h;
}

export async function closeHttp(): Promise<void> {
  await Promise.all([...https.values()].map((h) => h.close()));
  https.clear();
}

/** A client of `model` for `uid` (password `password`, address `mailto:<uid>@example.com`), every request authenticated. */
export function makeClient(server: RealServer, model: ModelName, uid: string, instanceNumber = 0, params: Partial<ClientParams> = {}): Harness {
  const events: SimEvent[] = [];
  const client = new CalDAVClient({
    model: MODELS[model],
    params: { unauthenticatedPercentage: 0, calendarHomePollInterval: 3600, ...params },
    record: { uid, password: PASSWORD, commonName: `User ${uid.slice(-2)}`, email: `${uid}@example.com`, guid: uid, podID: 'PodA' },
    serverUri: server.url,
    principalPathTemplate: server.principalPathTemplate,
    http: httpFor(server),
    clock: new RealClock(),
    random: new Random('real-servers').derive(`${uid}/${model}/${instanceNumber}`),
    emit: (e) => events.push(e),
    instanceNumber,
  });
  const responses = () => events.filter((e): e is ResponseEvent => e.type === 'response');
  return {
    client,
    events,
    responses,
    labels: () => responses().map((e) => e.label),
    failures: () => events.filter((e): e is ResponseEvent | OperationEvent => (e.type === 'response' || (e.type === 'operation' && e.phase === 'end')) && !e.success),
    notices: () => events.filter((e): e is NoticeEvent => e.type === 'notice').map((e) => e.text),
    mark: () => void events.splice(0),
  };
}

/** Asserts nothing failed so far, listing what did (label, status, url, reason). */
export function assertNoFailures(h: Harness, what: string): void {
  const failed = h.failures().map((e) => (e.type === 'response' ? `${e.label} ${e.method} ${e.url} → ${e.status} ${e.error ?? ''}` : `operation ${e.label}: ${e.reason ?? ''}`));
  assert.deepEqual(failed, [], `${what}: unexpected failures`);
}

/** Startup and three polls, each one successful, with no unexpected response. */
export async function startupAndPolls(h: Harness, polls = 3): Promise<void> {
  assert.equal(await h.client.startup(), true, `startup: ${JSON.stringify(h.failures())}`);
  assert.equal(h.client.started, true);
  for (let i = 1; i <= polls; i++) assert.equal(await h.client.poll(), true, `poll ${i}: ${JSON.stringify(h.failures())}`);
  assertNoFailures(h, `${h.client.model.name} ${h.client.record.uid}`);
}

/** A unique suffix per run: the servers keep their data between runs. */
export const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export function ics(uid: string, extra: string[] = [], summary = 'loadsim real-server test'): string {
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//loadsim//real-server tests//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z',
    'DTSTART:20261202T100000Z', 'DTEND:20261202T110000Z', `SUMMARY:${summary}`, ...extra, 'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

/** iCalendar with folded lines joined. */
export const unfold = (t: string) => t.replace(/\r\n[ \t]/g, '');

export interface SimulationRun {
  result: RunResult;
  events: SimEvent[];
  /** What the run printed (the report). */
  out: string[];
  /** Responses the client did not expect, operations that failed, client and simulator failures. */
  failures(): string[];
}

/**
 * A whole run of the simulator against the server, in real time: `users` users (user01…,
 * password `password`) arriving two a second, `clientsPerUser` clients each, of `models` in
 * turn, no profiles (startup and polls only), polling every `pollInterval` s, for `seconds` s.
 */
export async function simulate(server: RealServer, o: { models: ModelName[]; users: number; clientsPerUser: number; seconds: number; pollInterval: number; seed: string }): Promise<SimulationRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-real-servers-'));
  try {
    const config = {
      servers: { PodA: { enabled: true, uri: server.url } },
      principalPathTemplate: server.principalPathTemplate,
      webadmin: { enabled: false, HTTPPort: 8080 },
      accounts: { loader: 'generateRecords', params: { count: o.users, uidPattern: 'user%02d', passwordPattern: PASSWORD, emailPattern: 'user%02d@example.com' } },
      arrival: { factory: 'SmoothRampUp', params: { groups: Math.ceil(o.users / 2), groupSize: 2, interval: 1, clientsPerUser: o.clientsPerUser } },
      observers: [
        { type: 'contrib.performance.loadtest.population.ReportStatistics', params: {} },
        { type: 'contrib.performance.loadtest.profiles.OperationLogger', params: {} },
      ],
      clients: o.models.map((m) => ({
        software: m,
        params: { title: m, calendarHomePollInterval: o.pollInterval, supportPush: false, supportAmpPush: false, unauthenticatedPercentage: 0 },
        profiles: [],
        weight: 1,
      })),
    };
    const file = path.join(dir, 'config.plist');
    writeFileSync(file, plist.build(config as plist.PlistValue));
    const loaded = (await loadConfig({ configPath: file })).config;
    const out: string[] = [];
    const sim = new LoadSimulator({ config: loaded, clock: new RealClock(), seed: o.seed, out: (l) => out.push(l) });
    const events: SimEvent[] = [];
    sim.bus.events$.subscribe((e) => events.push(e));
    const result = await sim.run({ runtimeSeconds: o.seconds });
    return {
      result,
      events,
      out,
      failures: () =>
        events.flatMap((e) => {
          if (e.type === 'response') return e.success ? [] : [`${e.user} ${e.label} ${e.method} ${e.url} → ${e.status} ${e.error ?? ''}`];
          if (e.type === 'operation') return e.phase === 'failed' || (e.phase === 'end' && e.success === false) ? [`${e.user} operation ${e.label} ${e.phase}: ${e.reason ?? ''}`] : [];
          return e.type === 'client-failure' || e.type === 'sim-failure' ? [JSON.stringify(e)] : [];
        }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A writer (OS X 10.11) and a reader (OS X 10.7) client of one user: the writer creates, changes
 * and deletes the event at `href`, and the reader sees each on its next poll. `changeStatus` is
 * what the server answers a replacing PUT. The reader's events are forgotten after its startup
 * (mark), so its labels afterwards are those of the three polls. Returns both for more checks.
 */
export async function writerSeenByReader(server: RealServer, uid: string, href: string, changeStatus: number): Promise<{ writer: Harness; reader: Harness }> {
  const writer = makeClient(server, 'OS_X_10_11', uid, 0);
  const reader = makeClient(server, 'OS_X_10_7', uid, 1);
  await startupAndPolls(writer, 0);
  await startupAndPolls(reader, 0);
  reader.mark();
  const seen: string[] = [];
  reader.client.onEventChanged((h) => seen.push(h));
  const name = href.split('/').pop()!.replace(/\.ics$/, '');

  await writer.client.addEvent(href, ics(name));
  assert.ok(writer.client.state.events.get(href)?.etag, 'the PUT answered an ETag');
  assert.equal(await reader.client.poll(), true);
  assert.deepEqual(seen, [href]);

  assert.equal(await writer.client.changeEvent(href, ics(name, ['DESCRIPTION:changed'])), changeStatus);
  assert.equal(await reader.client.poll(), true);
  assert.deepEqual(seen, [href, href]);
  assert.match(reader.client.state.events.get(href)!.data!, /DESCRIPTION:changed/);

  await writer.client.deleteEvent(href);
  assert.equal(await reader.client.poll(), true);
  assert.equal(reader.client.state.events.has(href), false);
  assertNoFailures(writer, 'writer');
  assertNoFailures(reader, 'reader');
  return { writer, reader };
}
