/**
 * `npm run bench`: every benchmark, one after the other (they would skew each
 * other's CPU figures side by side), unattended: the Debian peers (wrk,
 * Locust, Tsung) are installed first when missing and this runs as root.
 * Prints one table with the targets of issue #10, writes each benchmark's
 * test/bench/results/<name>.json and test/bench/results/summary.json with
 * the conditions and the table.
 *
 *   1. efficiency   CPU per 1,000 requests of one fixed mix: loadsim, wrk, Locust, Tsung
 *   2. capacity     clients of the accelerated mix one process holds (lag p99 ≤ 10 ms, CPU ≤ 0.9 core),
 *                   in steps of 2,500 to 12,500; CPU per response of the generator and the testbed
 *   3. accuracy     at half that: lag, and recorded latency against the testbed's own; then the same with
 *                   /metrics scraped every second, and once more without (does a scrape slow the clients?)
 *   4. memory       RSS per idle client at several sizes
 *   5. soak         (when asked) 2,000 clients for minutes behind 1 % faults: RSS, lag, accounting
 *   6. workers      (when asked) 1 process against 2 workers (workers-scaling.ts, issue #9)
 *
 * Environment: LOADSIM_BENCH_ONLY=efficiency,memory runs those only;
 * LOADSIM_BENCH_WORKERS=1 adds the workers benchmark (LOADSIM_BENCH_ONLY=workers runs it alone);
 * LOADSIM_BENCH_SOAK_MINUTES=30 adds the soak (LOADSIM_BENCH_ONLY=soak
 * runs it alone), LOADSIM_BENCH_SOAK_FAULTS=0.01 its fault rate (0: a clean soak),
 * LOADSIM_BENCH_SOAK_MIX=idle|accelerated its clients;
 * LOADSIM_BENCH_GENERATOR_NODE_ARGS sets the generator processes' node flags
 * (default --max-semi-space-size=64, as docs/performance-notes.md recommends for large runs;
 * "" for node's own defaults); LOADSIM_BENCH_TESTBED_NODE_ARGS the testbed's
 * (capacity). LOADSIM_BENCH_KEEP=1 keeps the scratch folder. For trying the benchmarks
 * quickly: LOADSIM_BENCH_SECONDS (efficiency), LOADSIM_BENCH_STEP and
 * LOADSIM_BENCH_MAX_STEPS (capacity), LOADSIM_BENCH_MEMORY_SIZES=1000,2000.
 *
 * Every benchmark pins the generator (or the peer measured) to one core and
 * the testbed to another with taskset (support/kit.ts); it refuses to run
 * when it cannot (LOADSIM_BENCH_PIN=0 runs unpinned).
 *
 * Not a node:test file: under `node --test` (NODE_TEST_CONTEXT set) it does nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAccuracy, type AccuracyResult } from './accuracy.js';
import { acceleratedMissing, runCapacity, type CapacityResult } from './capacity.js';
import { runEfficiency, runPacedDriver, type EfficiencyResult } from './efficiency.js';
import { runSoak } from './soak.js';
import { runMemory } from './memory.js';
import { runMicro } from './micro.js';
import { runRequestCost } from './request-cost.js';
import { conditions, ensurePinning, ensureTool, numberFromEnv, pinningText, r1, RESULTS_DIR, table, underTestRunner, writeResult } from './support/kit.js';

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Row {
  benchmark: string;
  figure: string;
  measured: string;
  target: string;
  met: 'yes' | 'no' | '-';
}

async function main(): Promise<void> {
  const only = process.env.LOADSIM_BENCH_ONLY?.split(',').map((s) => s.trim());
  const wanted = (name: string) => !only || only.includes(name);
  const c = conditions();
  log(`loadsim benchmarks: Node ${c.node}, ${c.cpuModel}, ${c.cores} cores, ${c.memoryGB} GB; ${c.platform}`);
  // Pinned (support/kit.ts): the generator, or the peer measured, on one core, the testbed on another.
  ensurePinning(log);
  log(`placement: ${pinningText()}`);
  const t0 = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadsim-bench-'));
  const rows: Row[] = [];
  const ran: Record<string, unknown> = {};
  try {
    if (wanted('efficiency')) {
      for (const [cmd, pkg] of [['wrk', 'wrk'], ['locust', 'python3-locust'], ['tsung', 'tsung']] as const) {
        const why = ensureTool(cmd, pkg, log);
        if (why) log(`efficiency: ${cmd}: ${why}`);
      }
      const e: EfficiencyResult = await runEfficiency({ users: 50, connections: 50, seconds: numberFromEnv('LOADSIM_BENCH_SECONDS', 10), dir, log });
      writeResult('efficiency', { ...e, conditions: c });
      ran.efficiency = e;
      for (const f of e.figures) {
        rows.push({ benchmark: 'efficiency', figure: `${f.tool}: CPU-s per 1,000 requests`, measured: f.available ? `${f.cpuSecondsPer1000} (rounds ${f.rounds?.join(', ')}; ${f.requestsPerSecond} req/s, ${f.failures} failed; testbed ${f.testbedCpuSecondsPer1000})` : `not run: ${f.reason}`, target: '', met: '-' });
      }
      const ratioRow = (peer: 'wrk' | 'locust' | 'tsung', limit: number, label: string) => {
        const r = e.ratios[peer];
        rows.push({ benchmark: 'efficiency', figure: `loadsim / ${label}`, measured: r === null ? 'n/a' : `${r}×`, target: `≤ ${limit}×`, met: r === null ? '-' : r <= limit ? 'yes' : 'no' });
      };
      ratioRow('locust', 0.6, 'Locust FastHttpUser');
      ratioRow('tsung', 1, 'Tsung');
      ratioRow('wrk', 4, 'wrk');
    }

    let capacity: CapacityResult | undefined;
    // LOADSIM_BENCH_ACCURACY_CLIENTS=N measures accuracy at N clients without finding the capacity first.
    const accuracyClients = numberFromEnv('LOADSIM_BENCH_ACCURACY_CLIENTS', 0);
    if (wanted('capacity') || (wanted('accuracy') && !accuracyClients)) {
      // Steps of 2,500 to 12,500 clients: past the 10,000 of the target, within the 25 minutes of the whole run.
      const r = await runCapacity({ step: numberFromEnv('LOADSIM_BENCH_STEP', 2500), period: 80, spread: 30, window: 15, maxSteps: numberFromEnv('LOADSIM_BENCH_MAX_STEPS', 5), dir, log });
      writeResult('capacity', { ...r, conditions: c });
      ran.capacity = r;
      if ('skipped' in r) rows.push({ benchmark: 'capacity', figure: 'clients held', measured: `not run: ${r.skipped}`, target: '≥ 10,000', met: '-' });
      else {
        capacity = r;
        rows.push({
          benchmark: 'capacity',
          figure: 'accelerated-mix clients held per process',
          measured: `${r.lowerBound ? '≥ ' : ''}${r.clientsHeld} (${r.requestsPerSecondAtCapacity} req/s; next step limited by ${r.limitedBy})`,
          target: '≥ 10,000',
          met: r.clientsHeld >= 10_000 ? 'yes' : 'no',
        });
        rows.push({ benchmark: 'capacity', figure: 'RSS per client at that load', measured: r.rssPerClientKB === null ? 'n/a' : `${r.rssPerClientKB} KB`, target: '', met: '-' });
        for (const f of r.steps) {
          rows.push({
            benchmark: 'capacity',
            figure: `step ${f.step}: ${f.clients} clients, ${f.responsesPerSecond} responses/s`,
            measured: `lag p99 ${f.lagP99Ms ?? '-'} / max ${f.lagMaxMs ?? '-'} ms; generator ${f.generatorCores} core (${f.generatorUsPerResponse ?? '-'} µs/response), testbed ${f.testbedCores} core (${f.testbedUsPerResponse ?? '-'} µs/response); generator waited for its core ${f.generatorWaitMsPerSecond} ms/s, machine CPU pressure ${f.cpuPressurePercent ?? '-'} %${f.held ? '' : `; NOT held: ${f.limit}`}`,
            target: '',
            met: f.held ? 'yes' : 'no',
          });
        }
        // The per-response targets are judged at the largest step held (or the first, when none was).
        const at = r.steps.filter((f) => f.held).at(-1) ?? r.steps[0];
        if (at) {
          const g = at.generatorUsPerResponse;
          rows.push({ benchmark: 'capacity', figure: `generator CPU per response, ${at.clients} clients`, measured: g === null ? 'n/a' : `${g} µs`, target: '≤ 100 µs', met: g === null ? '-' : g <= 100 ? 'yes' : 'no' });
          const eff = (ran.efficiency as EfficiencyResult | undefined)?.figures.find((f) => f.tool === 'loadsim');
          const ratio = g !== null && eff?.available && eff.cpuSecondsPer1000 > 0 ? Math.round((g / (eff.cpuSecondsPer1000 * 1000)) * 100) / 100 : null;
          rows.push({ benchmark: 'capacity', figure: 'generator per response / client-layer driver per request (efficiency)', measured: ratio === null ? 'n/a (efficiency not run)' : `${ratio}× (${g} / ${eff!.cpuSecondsPer1000 * 1000} µs)`, target: '≤ 1.3×', met: ratio === null ? '-' : ratio <= 1.3 ? 'yes' : 'no' });
          // The same driver paced like this step (as many connections, as many requests a second):
          // what the simulation adds over its HTTP layer at the same load shape.
          if (g !== null && at.responsesPerSecond > 0) {
            try {
              const paced = await runPacedDriver({ connections: at.clients, rate: at.responsesPerSecond, seconds: 20, users: 500, dir, log });
              r.pacedDriver = paced;
              writeResult('capacity', { ...r, conditions: c });
              const pr = Math.round((g / paced.cpuUsPerRequest) * 100) / 100;
              rows.push({ benchmark: 'capacity', figure: `client-layer driver paced like that step (${paced.connections} connections, ${paced.requestsPerSecond} requests/s)`, measured: `${paced.cpuUsPerRequest} µs per request (testbed ${paced.testbedUsPerRequest} µs; ${paced.failures} failed)`, target: '', met: '-' });
              rows.push({ benchmark: 'capacity', figure: 'generator per response / that paced driver per request', measured: `${pr}× (${g} / ${paced.cpuUsPerRequest} µs)`, target: '≤ 1.3×', met: pr <= 1.3 ? 'yes' : 'no' });
            } catch (e) {
              rows.push({ benchmark: 'capacity', figure: 'client-layer driver paced like that step', measured: `not run: ${(e as Error).message}`, target: '', met: '-' });
            }
          }
          const t = at.testbedUsPerResponse;
          rows.push({ benchmark: 'capacity', figure: `testbed CPU per response, ${at.clients} clients`, measured: t === null ? 'n/a' : `${t} µs`, target: '≤ 200 µs', met: t === null ? '-' : t <= 200 ? 'yes' : 'no' });
        }
        const five = r.steps.find((f) => f.clients >= 5000);
        if (five) {
          const ok = five.lagP99Ms !== null && five.lagP99Ms <= 10 && (five.lagMaxMs ?? 0) <= 50;
          rows.push({ benchmark: 'capacity', figure: `lag at ${five.clients} clients, every 5 s interval of the window: worst p99 / max`, measured: `${five.lagP99Ms ?? '-'} / ${five.lagMaxMs ?? '-'} ms`, target: '≤ 10 / ≤ 50 ms', met: five.lagP99Ms === null ? '-' : ok ? 'yes' : 'no' });
        }
      }
    }

    if (wanted('accuracy') && (capacity || accuracyClients)) {
      // At half the capacity found; 500 clients at least, also when no step was held (a busy machine).
      const clients = accuracyClients || Math.max(500, Math.floor((capacity?.clientsHeld ?? 0) / 2));
      const a: AccuracyResult = await runAccuracy({ clients, window: 60, dir, log });
      writeResult('accuracy', { ...a, conditions: c });
      ran.accuracy = a;
      rows.push({ benchmark: 'accuracy', figure: `lag at ${a.clients} clients (p50 / p99 / max)`, measured: `${a.lagMs.p50} / ${a.lagMs.p99} / ${a.lagMs.max} ms`, target: '', met: '-' });
      rows.push({
        benchmark: 'accuracy',
        figure: 'recorded − testbed latency (p50 / p99)',
        measured: `${a.differenceMs.p50} / ${a.differenceMs.p99} ms (${a.recordedMs.count} vs ${a.testbedMs.count} requests)`,
        target: '≤ 1 ms at p99',
        met: Math.abs(a.differenceMs.p99) <= 1 ? 'yes' : 'no',
      });
      // The same again with /metrics scraped every second, then once more without: does a scrape slow the
      // clients beyond what two runs without one differ by?
      const scraped: AccuracyResult = await runAccuracy({ clients: a.clients, window: 60, dir, log, scrapeMetrics: true, name: 'accuracy-scraped' });
      const again: AccuracyResult = await runAccuracy({ clients: a.clients, window: 60, dir, log, name: 'accuracy-again' });
      writeResult('accuracy-metrics', { without: [a, again], scraped, conditions: c });
      ran['accuracy-metrics'] = { without: [a, again], scraped };
      const noise = Math.max(Math.abs(a.lagMs.p99 - again.lagMs.p99), 0.5);
      const change = scraped.lagMs.p99 - (a.lagMs.p99 + again.lagMs.p99) / 2;
      rows.push({
        benchmark: 'accuracy',
        figure: `lag p99 with /metrics scraped every second (${scraped.scrapes ?? 0} scrapes) − without`,
        measured: `${r1(change)} ms (p99 ${scraped.lagMs.p99} ms scraped; ${a.lagMs.p99} and ${again.lagMs.p99} ms without; max ${scraped.lagMs.max} vs ${a.lagMs.max}, ${again.lagMs.max} ms)`,
        target: `within run-to-run noise (${r1(noise)} ms)`,
        met: change <= noise ? 'yes' : 'no',
      });
    }

    if (wanted('memory')) {
      const sizes = process.env.LOADSIM_BENCH_MEMORY_SIZES?.split(',').map(Number) ?? [1000, 10_000, 20_000];
      const m = await runMemory({ sizes, dir, log });
      writeResult('memory', { ...m, conditions: c });
      ran.memory = m;
      if (!('skipped' in m)) {
        for (const s of m.sizes) {
          rows.push({ benchmark: 'memory', figure: `RSS per idle client with its connection open, ${s.clients} clients${s.asked ? ` (${s.asked} asked; the open-file limit)` : ''}`, measured: `${s.perClientKB} KB (${s.marginalKB === null ? '' : `marginal ${s.marginalKB} KB; `}${s.reducedAfterSeconds === null ? 'V8 had not reduced its heap' : `live heap ${s.liveHeapMB} MB`}; start-ups ${s.startupSeconds} s${s.complete ? '' : ', NOT all over'}; testbed sockets ${s.serverSockets})`, target: '≤ 30 KB', met: s.perClientKB <= 30 ? 'yes' : 'no' });
        }
      } else rows.push({ benchmark: 'memory', figure: 'RSS per idle client', measured: `not run: ${m.skipped}`, target: '≤ 30 KB', met: '-' });
    }

    if (wanted('micro')) {
      const m = await runMicro(log);
      writeResult('micro', { ...m, conditions: c });
      ran.micro = m;
      rows.push({ benchmark: 'micro', figure: 'parseMultistatus, 20 responses', measured: `${m.parseMultistatusMicros} µs`, target: '< 1,000 µs', met: m.parseMultistatusMicros < 1000 ? 'yes' : 'no' });
      rows.push({ benchmark: 'micro', figure: 'heap per kept 40-char string: flatString (old idiom)', measured: `${r1(m.flatString.flatBytes)} (${r1(m.flatString.oldIdiomBytes)}) bytes`, target: '< 72, 8 under the old idiom', met: m.flatString.flatBytes < 72 && m.flatString.oldIdiomBytes - m.flatString.flatBytes > 8 ? 'yes' : 'no' });
      rows.push({ benchmark: 'micro', figure: 'heap per started client (5 events, connection open)', measured: `${m.heapBytesPerClient} bytes`, target: '< 22,000', met: m.heapBytesPerClient < 22_000 ? 'yes' : 'no' });
    }

    if (wanted('request-cost')) {
      const figures = await runRequestCost({ seconds: numberFromEnv('LOADSIM_BENCH_SECONDS', 10), log });
      writeResult('request-cost', { figures, conditions: c });
      ran['request-cost'] = figures;
      for (const f of figures) rows.push({ benchmark: 'request-cost', figure: `DavHttp client CPU per request, ${f.scheme}`, measured: `${f.cpuMicrosPerRequest} µs (${Math.round(f.requests / f.seconds)}/s, ${f.failed} failed)`, target: '', met: '-' });
    }

    const soakMinutes = numberFromEnv('LOADSIM_BENCH_SOAK_MINUTES', 0) || 0;
    const soakMissing = acceleratedMissing();
    if (soakMinutes > 0 && (wanted('soak') || wanted('memory')) && soakMissing) rows.push({ benchmark: 'soak', figure: `soak ${soakMinutes} min`, measured: `not run: ${soakMissing}`, target: '', met: '-' });
    else if (soakMinutes > 0 && (wanted('soak') || wanted('memory'))) {
      const faultRate = numberFromEnv('LOADSIM_BENCH_SOAK_FAULTS', 0.01);
      log(`soak: ${soakMinutes} min, 2000 clients (${process.env.LOADSIM_BENCH_SOAK_MIX === 'accelerated' ? 'the whole accelerated mix' : 'the accelerated mix’s idle kind'}), ${r1(faultRate * 100)} % of requests faulted …`);
      const mix = process.env.LOADSIM_BENCH_SOAK_MIX === 'accelerated' ? 'accelerated' : 'idle';
      const s = await runSoak({ minutes: soakMinutes, faultRate, mix, dir, log });
      writeResult('soak', { ...s, conditions: c });
      ran.soak = s;
      const what = `soak ${s.minutes} min, ${s.clients} ${s.mix} clients, ${r1(s.faultRate * 100)} % faults`;
      rows.push({ benchmark: 'soak', figure: `${what}: RSS growth after warm-up`, measured: `${s.rawGrowthPercent} % (${s.warmMB} → ${s.endMB} MB; the clients' cached calendar data ${s.cachedWarmMB} → ${s.cachedEndMB} MB)`, target: '', met: '-' });
      rows.push({ benchmark: 'soak', figure: `${what}: RSS growth net of the clients' cached data`, measured: `${s.growthPercent} %`, target: '< 5 %', met: s.growthPercent < 5 ? 'yes' : 'no' });
      rows.push({
        benchmark: 'soak',
        figure: `${what}: live JS heap after full collections, first after warm-up → last`,
        measured: s.liveHeap ? `${s.liveHeap.growthPercent} % (${s.liveHeap.warmMB} → ${s.liveHeap.endMB} MB, ${s.liveHeap.collections} collections)` : 'fewer than two full collections after warm-up',
        target: '< 5 %',
        met: s.liveHeap ? (s.liveHeap.growthPercent < 5 ? 'yes' : 'no') : '-',
      });
      rows.push({ benchmark: 'soak', figure: `${what}: lag p99, first half / last half`, measured: `${s.lagP99Ms.firstHalf} / ${s.lagP99Ms.lastHalf} ms (most open: ${s.maxInFlight})`, target: 'stable', met: s.lagP99Ms.lastHalf <= Math.max(10, 2 * s.lagP99Ms.firstHalf) ? 'yes' : 'no' });
      rows.push({ benchmark: 'soak', figure: `${what}: accounting at every interval`, measured: s.accounting.problems.length ? `${s.accounting.problems.length} problems: ${s.accounting.problems[0]}` : `balanced at all ${s.accounting.intervalsChecked} intervals (${s.responses} responses, ${s.failed} failed)`, target: 'balanced', met: s.accounting.problems.length ? 'no' : 'yes' });
    }

    // Issue #9's figure, not one of #10's four: asked for by name (LOADSIM_BENCH_ONLY=workers) or
    // with LOADSIM_BENCH_WORKERS=1, so that the four stay within 20 minutes with 50,000 clients.
    if (only?.includes('workers') || process.env.LOADSIM_BENCH_WORKERS === '1') {
      const script = fileURLToPath(new URL('./workers-scaling.js', import.meta.url));
      log('workers: 1 process against 2 workers (workers-scaling) …');
      // 45 s runs (its own default is 60), as when it was part of every run.
      // Without our LOADSIM_BENCH_ONLY: workers-scaling reads that name as its own list of configurations
      // ("1,3"), and "workers" would select none of them.
      const { LOADSIM_BENCH_ONLY: _, ...inherited } = process.env;
      const env = { ...inherited, LOADSIM_BENCH_RUNTIME: process.env.LOADSIM_BENCH_RUNTIME ?? '45' };
      const code = await new Promise<number | null>((resolve) => spawn(process.execPath, [script], { stdio: 'inherit', env }).on('exit', (c2) => resolve(c2)));
      const file = path.join(RESULTS_DIR, 'workers-scaling.json');
      if (code === 0 && existsSync(file)) {
        const w = JSON.parse(readFileSync(file, 'utf8')) as { ratio: { twoWorkersOverOneProcess: number; lowerBound: boolean } | null };
        ran.workers = w.ratio;
        rows.push({ benchmark: 'workers', figure: '2 workers / 1 process (responses/s)', measured: w.ratio ? `${w.ratio.lowerBound ? '≥ ' : ''}${w.ratio.twoWorkersOverOneProcess}` : 'n/a', target: '', met: '-' });
      } else rows.push({ benchmark: 'workers', figure: '2 workers / 1 process', measured: `failed (exit ${code})`, target: '', met: '-' });
    }
  } finally {
    if (process.env.LOADSIM_BENCH_KEEP) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const minutes = Math.round((Date.now() - t0) / 6000) / 10;
  const text = table(['benchmark', 'figure', 'measured', 'target', 'met'], rows.map((r) => [r.benchmark, r.figure, r.measured, r.target, r.met]));
  console.log('');
  console.log(`Node ${c.node}, ${c.cpuModel}, ${c.cores} cores; the testbed (loadsim serve) in its own process; ${pinningText()}; ${minutes} min`);
  console.log(text);
  if (!only) writeResult('summary', { conditions: { ...c, placement: pinningText() }, minutes, rows, results: ran });
  log(`wrote ${RESULTS_DIR}`);
}

if (!underTestRunner) {
  main().catch((e: unknown) => {
    console.error(`bench: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  });
}
