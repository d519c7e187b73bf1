/**
 * loadsim's side of the efficiency benchmark, as a process of its own so its
 * CPU is measured alone: `connections` loops, each a simulated client with
 * its own identity and auth session, sending its user's fixed mix
 * (support/mix.ts) through one DavHttp, each loop on its own keep-alive
 * connection (per-client), as fast as the server answers. Each response is handled as
 * a client model handles it: 207 bodies parsed by parseMultistatus, and each
 * response event recorded into the HDR label table the report is made from.
 *
 *   node dist/test/bench/drivers/loadsim-mix.js '{"url":…,"users":…,"connections":…,"seconds":…}'
 *
 * Prints one JSON line when sending starts (after a 2 s warm-up: JIT,
 * connections) and one with the counts when it ends; the parent reads CPU
 * from /proc at those two moments, as it does for the other tools.
 */
import { AuthSession } from '../../../lib/caldav/auth.js';
import { DavHttp } from '../../../lib/caldav/http.js';
import type { SimEvent } from '../../../lib/core/events.js';
import { LabelTable } from '../../../lib/stats/label-table.js';
import { EVENTS_PER_USER, uidOf, userMix } from '../support/mix.js';
import { underTestRunner } from '../support/kit.js';

interface Args {
  url: string;
  users: number;
  connections: number;
  seconds: number;
  /**
   * Paced: each loop waits this long on average (uniform in 0 to twice it) before each
   * request, instead of sending as fast as the server answers. Many connections each
   * sending now and then is the shape of a population of clients (the capacity
   * benchmark): each response then arrives alone, in an event-loop turn of its own.
   */
  pauseMs?: number;
  /** Seconds of sending before counting starts (default 2: JIT, connections). */
  warmupSeconds?: number;
}

async function main(a: Args): Promise<void> {
  const http = new DavHttp({ origin: a.url, connections: a.connections });
  const table = new LabelTable();
  let requests = 0;
  let failures = 0;
  let counting = false;
  let running = true;
  const emit = (e: SimEvent) => {
    if (e.type !== 'response') return;
    table.record(e.label, e.durationMs, e.success);
    if (!counting) return;
    requests++;
    if (!e.success) failures++;
  };
  const loops = Array.from({ length: a.connections }, async (_, i) => {
    const n = (i % a.users) + 1;
    const uid = uidOf(n);
    const auth = new AuthSession(uid, uid);
    // Basic, preemptively, as the peers send it: no 401 round trip per request.
    auth.challenged(http.origin, ['Basic realm="loadsim testbed"'], false);
    // Each loop its own connection (per-client), as the peers' virtual users each hold one.
    const client = { identity: { user: uid, clientId: `bench-${i}`, clientType: 'bench' }, channel: http.channel(), auth, headers: { 'User-Agent': 'loadsim-bench' }, emit };
    // Every round's requests made beforehand (the PUT's event changes with the round), so that
    // building them is not counted: a client model makes its requests, but not these.
    const rounds = Array.from({ length: EVENTS_PER_USER }, (_, round) =>
      userMix(n, round).map((r) => {
        const { Authorization: _, ...headers } = r.headers;
        return { label: r.label, method: r.method, path: r.path, headers, body: r.body, expect: [r.expect], multistatus: r.expect === 207 };
      }),
    );
    for (let round = 0; running; round++) {
      for (const spec of rounds[round % EVENTS_PER_USER]!) {
        if (a.pauseMs) await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * a.pauseMs!));
        if (!running) break;
        await http.request(spec, client);
        if (!running) break;
      }
    }
  });
  await new Promise((resolve) => setTimeout(resolve, (a.warmupSeconds ?? 2) * 1000));
  counting = true;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  console.log(JSON.stringify({ type: 'sending' }));
  await new Promise((resolve) => setTimeout(resolve, a.seconds * 1000));
  counting = false;
  const cpu = process.cpuUsage(cpu0);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  running = false;
  console.log(JSON.stringify({ type: 'done', requests, failures, wallSeconds, ownCpuSeconds: (cpu.user + cpu.system) / 1e6 }));
  await Promise.all(loops);
  await http.close();
}

if (!underTestRunner) {
  main(JSON.parse(process.argv[2] ?? '{}') as Args).catch((e: unknown) => {
    console.error((e as Error).stack ?? String(e));
    process.exitCode = 1;
  });
}
