/**
 * Benchmark 1, capacity: how many clients of the accelerated-activity mix
 * (CalendarServer master's standard-configs/accelerated-activity-clients.plist,
 * read unmodified from ../shared/reference, or $LOADSIM_SHARED/reference;
 * intervals as shipped) one generator process
 * holds, against `loadsim serve` in a process of its own.
 *
 * A step ramp (support/step-ramp.ts, an arrival policy of the user's kind):
 * every PERIOD s, STEP more users (one client each) arrive over SPREAD s.
 * Each step's start-ups (some twenty requests a client) should be over well
 * before the step ends; the WINDOW s before its last 5 s interval are then
 * its steady state, and are judged. Held: no start-up request in the window
 * (else the machine could not even start the step's clients in time), the
 * scheduling lag p99 of every interval in it ≤ 10 ms, and the generator
 * used ≤ 90 % of a core. The ramp stops at the first step not
 * held (or at MAX_STEPS); the capacity is the clients of the last step held.
 *
 * The testbed shares the machine's cores. When it, not the generator, is the
 * limit (it uses ≥ 90 % of a core, or the machine has no idle core left), the
 * figure says so: the generator was not the bottleneck there.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE } from '../helpers/reference.js';
import { generatorNodeArgs, STARTUP_LABELS, startGeneratorRun, writeBenchConfig } from './support/generator-run.js';
import { InspectorSession } from './support/profile-window.js';
import type { PacedDriverFigure } from './efficiency.js';
import { cpuPressureSeconds, freePort, REPO, numberFromEnv, runQueueWaitSeconds, cpuSeconds, machineSeconds, r1, r2, r3, rssBytes, startTestbedProcess, treeCpuSeconds } from './support/kit.js';

const STEP_RAMP = fileURLToPath(new URL('./support/step-ramp.js', import.meta.url));
const LAG_MAX = fileURLToPath(new URL('./support/lag-max.js', import.meta.url));

export const ACCELERATED_CLIENTS = path.join(REFERENCE, 'calendarserver-master/standard-configs/accelerated-activity-clients.plist');
/** Why a benchmark of the accelerated mix cannot run, or undefined when its clients file is there. */
export const acceleratedMissing = (): string | undefined =>
  existsSync(ACCELERATED_CLIENTS) ? undefined : `${ACCELERATED_CLIENTS} not found (the original's files are read from ../shared/reference beside the clone, or $LOADSIM_SHARED/reference)`;

export interface CapacityOptions {
  /** Users (= clients) added per step. */
  step: number;
  /** Seconds per step. */
  period: number;
  /** Seconds over which a step's users arrive, one at a time. */
  spread: number;
  /** The judged end of each step, s. */
  window: number;
  maxSteps: number;
  dir: string;
  log: (line: string) => void;
  /** Lag p99 limit, ms. */
  lagLimitMs?: number;
  /** Generator CPU limit, cores. */
  cpuLimit?: number;
}

export interface StepFigure {
  step: number;
  clients: number;
  /** Seconds after the run's start: the judged window. */
  window: [number, number];
  /** The same, epoch ms, as measured. */
  epochWindow: [number, number];
  responses: number;
  responsesPerSecond: number;
  failures: number;
  lagP99Ms: number | null;
  /** The largest lag of any operation started in the window, ms (support/lag-max.ts; read when the run has ended). */
  lagMaxMs: number | null;
  responseP99Ms: number | null;
  generatorCores: number;
  testbedCores: number;
  machineCores: number;
  /**
   * Ms per second the generator's main thread waited, runnable, for its core (a neighbour on
   * it), and the share of the window in which some task of the machine waited for a CPU
   * (PSI): when these are high, the lag is the machine's, not the generator's.
   */
  generatorWaitMsPerSecond: number;
  cpuPressurePercent: number | null;
  /** CPU µs per response in the window: the generator's and the testbed's. */
  generatorUsPerResponse: number | null;
  testbedUsPerResponse: number | null;
  generatorRssMB: number;
  held: boolean;
  /** Why not held; or, when held, what was closest to a limit. */
  limit: string;
}

export interface CapacityResult {
  benchmark: 'capacity';
  mix: string;
  criteria: string;
  steps: StepFigure[];
  /** Clients of the last step held (0 if none). */
  clientsHeld: number;
  /** Nothing failed the criteria up to the last step: the capacity is at least this. */
  lowerBound: boolean;
  /** What ended the ramp: the generator's lag or CPU, the testbed, or the steps ran out. */
  limitedBy: 'generator lag' | 'generator CPU' | 'testbed' | 'start-ups not over' | 'steps ran out' | 'run ended early';
  requestsPerSecondAtCapacity: number;
  rssPerClientKB: number | null;
  /** The client-layer driver paced like the step the per-response targets are judged at (run-all.ts). */
  pacedDriver?: PacedDriverFigure;
  runSeconds: number;
}

/** Each step's lag max: the largest of its window's seconds, from the LagMax observer's file (written when the run ends). */
function readLagMax(file: string, steps: StepFigure[]): void {
  if (!existsSync(file)) return;
  const bySecond = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  for (const f of steps) {
    const [from, to] = f.epochWindow;
    const maxes = Object.entries(bySecond)
      .filter(([s]) => Number(s) >= Math.floor(from / 1000) && Number(s) < Math.ceil(to / 1000))
      .map(([, v]) => v);
    f.lagMaxMs = maxes.length ? r2(Math.max(...maxes)) : null;
  }
}

/** The epoch ms at which the generator's run started, from its first interval (`Date.now()` if it writes none in a minute). */
async function runStartOf(run: { records(): { elapsed: number; end: number }[] }, exited: Promise<unknown>): Promise<number> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 600 && !gone; i++) {
    const first = run.records()[0];
    if (first) return first.end - first.elapsed * 1000;
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now();
}

export async function runCapacity(o: CapacityOptions): Promise<CapacityResult | { benchmark: 'capacity'; skipped: string }> {
  const missing = acceleratedMissing();
  if (missing) return { benchmark: 'capacity', skipped: missing };
  const lagLimit = o.lagLimitMs ?? 10;
  const cpuLimit = o.cpuLimit ?? 0.9;
  const interval = 5;
  // LOADSIM_BENCH_TESTBED_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p": profile the testbed (it is the limit on small machines).
  const nodeArgs = process.env.LOADSIM_BENCH_TESTBED_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  // LOADSIM_BENCH_PROFILE_DIR=/tmp/p: a CPU profile of each step's judged window, of both processes
  // (stepK-generator.cpuprofile, stepK-testbed.cpuprofile, through their inspectors), what each
  // allocated meanwhile (stepK-generator.heapprofile, stepK-testbed.heapprofile, sampled, the collected objects included), and its
  // --trace-gc among its stdout (generator-stdout.log, "ms" = since it started; windows.json says where each window was).
  const profileDir = process.env.LOADSIM_BENCH_PROFILE_DIR;
  // LOADSIM_BENCH_GC_LOG=file: the generator's --trace-gc alone (no profiler, whose sampling lengthens
  // the pauses), to its stdout in that file; "ms" there counts from node's start.
  const gcLog = profileDir ? undefined : process.env.LOADSIM_BENCH_GC_LOG;
  const inspectPorts = profileDir ? { tb: await freePort(), gen: await freePort() } : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const tb = await startTestbedProcess({ users: o.step * o.maxSteps, nodeArgs: [...nodeArgs, ...(inspectPorts ? [`--inspect=127.0.0.1:${inspectPorts.tb}`] : [])] });
  // One user at a time, evenly over `spread` s. Users that arrive together start their profiles'
  // timers together, and every one of those operations then falls due in the same millisecond
  // (measured: with groups of 25, lag p99 was 147 ms at 5,000 clients): that is a burst the
  // generator serializes, not its steady capacity. `LOADSIM_BENCH_GROUP` sets another size.
  const groupSize = numberFromEnv('LOADSIM_BENCH_GROUP', 1);
  const arrival = { factory: `${STEP_RAMP}#StepRamp`, params: { steps: o.maxSteps, stepSize: o.step, period: o.period, spread: o.spread, groupSize } };
  // The lag max of each second (support/lag-max.ts): the time series has each interval's lag p99 only.
  const lagMaxFile = path.join(o.dir, 'capacity-lag-max.json');
  const config = writeBenchConfig(path.join(o.dir, 'capacity-config.plist'), tb.url, o.step * o.maxSteps, arrival, {}, [{ type: `${LAG_MAX}#LagMax`, params: { file: lagMaxFile } }]);
  const series = path.join(o.dir, 'capacity.ndjson');
  // The last step's window ends one interval before the run does.
  const runtime = o.period * o.maxSteps + interval;
  const run = startGeneratorRun({
    config,
    clients: ACCELERATED_CLIENTS,
    runtime,
    interval,
    series,
    ...(inspectPorts && profileDir
      ? { nodeArgs: [...generatorNodeArgs(), `--inspect=127.0.0.1:${inspectPorts.gen}`, '--trace-gc', '--trace-gc-nvp'], stdoutFile: path.join(profileDir, 'generator-stdout.log') }
      : gcLog
        ? { nodeArgs: [...generatorNodeArgs(), '--trace-gc', '--trace-gc-nvp'], stdoutFile: gcLog }
        : {}),
  });
  const sessions = inspectPorts ? { tb: await InspectorSession.open(inspectPorts.tb), gen: await InspectorSession.open(inspectPorts.gen) } : undefined;
  const windows: { step: number; fromMs: number; toMs: number }[] = [];
  const { child, exited } = run;
  // Windows are placed on the generator's clock: its intervals count from its run's start,
  // which comes after node has started and read the config and the accounts. Placed from
  // the moment it was spawned instead, a window ended before the generator wrote its last
  // interval, and each step counted two of its three intervals' responses against the CPU
  // of all three (responses/s a third low, µs per response half as high again).
  const t0 = await runStartOf(run, exited);
  const steps: StepFigure[] = [];
  let limitedBy: CapacityResult['limitedBy'] = 'steps ran out';
  try {
    for (let k = 1; k <= o.maxSteps; k++) {
      // The window's start and end, s after the run's start: it ends one interval before the
      // next group arrives (at k·period), so no interval judged holds a start-up of the next step.
      const to = k * o.period - interval;
      const from = to - o.window;
      const startOf = async (at: number) => {
        const wait = t0 + at * 1000 - Date.now();
        if (wait > 0) await Promise.race([new Promise((r) => setTimeout(r, wait)), exited]);
        return { gen: cpuSeconds(child.pid!), tb: treeCpuSeconds(tb.pid), machine: machineSeconds().busy, genWait: runQueueWaitSeconds(child.pid!), pressure: cpuPressureSeconds(), at: Date.now() };
      };
      const a = await startOf(from);
      if (sessions) await Promise.all([sessions.tb.startProfile(), sessions.gen.startProfile(), sessions.gen.startAllocationSampling(), sessions.tb.startAllocationSampling()]);
      const b = await startOf(to + 0.5);
      // The interval ending at `to` is written a moment later (up to 5 s); profiles are stopped
      // only then, since stopping them comes with a long full collection in the generator, which
      // would otherwise be judged as the step's lag.
      for (let i = 0; i < 50 && !run.records().some((r) => r.elapsed > to - 0.1); i++) await new Promise((r) => setTimeout(r, 100));
      if (sessions && profileDir) {
        windows.push({ step: k, fromMs: a.at - t0, toMs: b.at - t0 });
        await Promise.all([
          sessions.tb.stopProfile(path.join(profileDir, `step${k}-testbed.cpuprofile`)),
          sessions.gen.stopProfile(path.join(profileDir, `step${k}-generator.cpuprofile`)),
          sessions.gen.stopAllocationSampling(path.join(profileDir, `step${k}-generator.heapprofile`)),
          sessions.tb.stopAllocationSampling(path.join(profileDir, `step${k}-testbed.heapprofile`)),
        ]);
      }
      if (child.exitCode !== null) {
        limitedBy = 'run ended early';
        break;
      }
      const seconds = (b.at - a.at) / 1000;
      const inWindow = run.records().filter((r) => r.elapsed > from + 0.1 && r.elapsed <= to + 0.1);
      const responses = inWindow.reduce((n, r) => n + r.count, 0);
      const lags = inWindow.map((r) => r.lagP99).filter((x): x is number => x !== null);
      const p99s = inWindow.map((r) => r.p99).filter((x): x is number => typeof x === 'number');
      const f: StepFigure = {
        step: k,
        clients: inWindow.at(-1)?.activeClients ?? 0,
        window: [from, to],
        epochWindow: [a.at, b.at],
        responses,
        responsesPerSecond: Math.round(responses / o.window),
        failures: inWindow.reduce((n, r) => n + r.failures, 0),
        lagP99Ms: lags.length ? r2(Math.max(...lags)) : null,
        lagMaxMs: null,
        responseP99Ms: p99s.length ? r1(Math.max(...p99s)) : null,
        generatorCores: r3((b.gen - a.gen) / seconds),
        testbedCores: r3((b.tb - a.tb) / seconds),
        machineCores: r3((b.machine - a.machine) / seconds),
        generatorWaitMsPerSecond: Math.round(((b.genWait - a.genWait) / seconds) * 1000),
        cpuPressurePercent: a.pressure !== null && b.pressure !== null ? Math.round(((b.pressure - a.pressure) / seconds) * 100) : null,
        generatorUsPerResponse: responses > 0 ? Math.round(((b.gen - a.gen) / seconds / (responses / o.window)) * 1e6) : null,
        testbedUsPerResponse: responses > 0 ? Math.round(((b.tb - a.tb) / seconds / (responses / o.window)) * 1e6) : null,
        generatorRssMB: r1(rssBytes(child.pid!) / 2 ** 20),
        held: true,
        limit: '',
      };
      // os.cpus(), not availableParallelism(): this process is pinned to the testbed's core (support/kit.ts).
      const cores = Number(process.env.LOADSIM_BENCH_CORES) || (await import('node:os')).cpus().length;
      const startups = inWindow.reduce((n, r) => n + STARTUP_LABELS.reduce((m, l) => m + (r.labels[l]?.count ?? 0), 0), 0);
      if (startups > 0) {
        // Not a steady state: the machine could not even start this step's clients in time.
        f.held = false;
        f.limit = `start-ups still running in the window (${startups} start-up requests; the testbed ${f.testbedCores} cores, the generator ${f.generatorCores}, the machine ${f.machineCores} of ${cores})`;
      } else if (f.lagP99Ms !== null && f.lagP99Ms > lagLimit) {
        f.held = false;
        f.limit = `lag p99 ${f.lagP99Ms} ms > ${lagLimit} ms`;
      } else if (f.generatorCores > cpuLimit) {
        f.held = false;
        f.limit = `generator CPU ${f.generatorCores} cores > ${cpuLimit}`;
      } else if (f.testbedCores >= cpuLimit || f.machineCores >= cores - 0.1) {
        f.held = false;
        f.limit = `the testbed: ${f.testbedCores} cores, the machine ${f.machineCores} of ${cores} busy`;
      } else f.limit = `lag p99 ${f.lagP99Ms ?? '-'} ms, generator ${f.generatorCores} cores`;
      steps.push(f);
      o.log(`capacity: step ${k}: ${f.clients} clients, ${f.responsesPerSecond} responses/s, lag p99 ${f.lagP99Ms ?? '-'} ms, generator ${f.generatorCores} cores (${f.generatorUsPerResponse ?? '-'} µs/response), testbed ${f.testbedCores} (${f.testbedUsPerResponse ?? '-'} µs/response), generator waited for its core ${f.generatorWaitMsPerSecond} ms/s, CPU pressure ${f.cpuPressurePercent ?? '-'} %, RSS ${f.generatorRssMB} MB: ${f.held ? 'held' : `NOT held (${f.limit})`}`);
      // LOADSIM_BENCH_KEEP_GOING=1: every step is run (to profile a step past the capacity).
      if (!f.held && process.env.LOADSIM_BENCH_KEEP_GOING !== '1') {
        limitedBy = f.limit.startsWith('lag') ? 'generator lag' : f.limit.startsWith('generator') ? 'generator CPU' : f.limit.startsWith('start-ups') ? 'start-ups not over' : 'testbed';
        break;
      }
    }
  } finally {
    sessions?.tb.close();
    sessions?.gen.close();
    await run.stop();
    await tb.stop();
    if (profileDir) {
      writeFileSync(path.join(profileDir, 'windows.json'), JSON.stringify(windows));
    }
  }
  readLagMax(lagMaxFile, steps);
  const held = steps.filter((s) => s.held);
  const last = held.at(-1);
  return {
    benchmark: 'capacity',
    mix: `${path.relative(REPO, ACCELERATED_CLIENTS)} as shipped (2 kinds, 1:1: "main" with its profiles, "idle" polling), one client per user`,
    criteria: `held: in the ${o.window} s before the last ${interval} s of a step, lag p99 ≤ ${lagLimit} ms in every ${interval} s interval and generator CPU ≤ ${cpuLimit} core; steps of ${o.step} users every ${o.period} s, each arriving over ${o.spread} s`,
    steps,
    clientsHeld: last?.clients ?? 0,
    lowerBound: limitedBy === 'steps ran out',
    limitedBy,
    requestsPerSecondAtCapacity: last?.responsesPerSecond ?? 0,
    rssPerClientKB: last && last.clients > 0 ? Math.round((last.generatorRssMB * 1024) / last.clients) : null,
    runSeconds: Math.round((Date.now() - t0) / 1000),
  };
}
