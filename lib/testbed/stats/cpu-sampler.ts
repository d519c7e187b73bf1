/**
 * The CPU use of this process, sampled once per interval — the testbed's counterpart of
 * CalendarServer's SystemMonitor, which diffed system CPU times every second.
 *
 * We measure the process (`process.cpuUsage()` deltas), not the machine: the testbed
 * often shares its machine and even its process with the simulator, and what a user asks
 * of it is "is the server the bottleneck?". The value is a percentage of ONE CPU, as `top`
 * shows a process: 100 means the event loop's core is saturated; libuv and GC threads can
 * take it above 100.
 */

import type { Clock, Timer } from '../../core/clock.js';

export interface CpuSampler {
  /** The latest sample, percent of one CPU (0 until the first interval has passed). */
  read(): number;
  /** Stop sampling (the timer would otherwise keep running). */
  close(): void;
}

/**
 * Start sampling. Time is the clock's monotonic time, so intervals follow virtual time in
 * tests (CPU time is always real, so values in virtual time mean little; tests inject
 * their own `cpuUse` into ServerStats instead).
 */
export function startProcessCpuSampler(clock: Clock, intervalMs: number): CpuSampler {
  let sample = 0;
  let lastUsage = process.cpuUsage();
  let lastAt = clock.monotonic();
  let timer: Timer | undefined;
  let closed = false;

  const tick = (): void => {
    if (closed) return;
    const now = clock.monotonic();
    const usage = process.cpuUsage();
    const elapsedMs = now - lastAt;
    const cpuMs = (usage.user - lastUsage.user + usage.system - lastUsage.system) / 1000;
    sample = elapsedMs > 0 ? (100 * cpuMs) / elapsedMs : 0;
    lastUsage = usage;
    lastAt = now;
    timer = clock.setTimer(intervalMs, tick);
  };
  timer = clock.setTimer(intervalMs, tick);

  return {
    read: () => sample,
    close: () => {
      closed = true;
      timer?.cancel();
    },
  };
}
