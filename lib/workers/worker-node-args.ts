/**
 * Node flags for the local worker processes a manager starts.
 *
 * `--max-semi-space-size=64`: V8's young generation at 64 MB semi-spaces
 * instead of 16. A generator allocates a little per request and keeps
 * thousands of clients alive; with the default, scavenges ran several times
 * a second and each took 8–22 ms at 5,000 clients (the pauses were the lag
 * p99: 54 ms). With 64 MB, the same step held lag p99 at 4.7 ms and used
 * less CPU (0.48 core against 0.55), for about 60 MB more RSS (measured with
 * the capacity benchmark, test/bench/capacity.ts). A flag the user gave
 * (on the command line or in NODE_OPTIONS) is left alone.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=64';

export function workerNodeArgs(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--max-semi-space-size(=|$)/.test(a));
  return given ? [] : [YOUNG_GENERATION_FLAG];
}
