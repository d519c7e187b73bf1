import type { Random } from '../core/random.js';

/**
 * How a client whose startup failed tries again (config.plist
 * `clientStartupRetry`). The original gave up at once: one unreachable
 * server at the start of a run turned every client into a client failure, so
 * a server restarted a minute late made the whole run worthless. Real Apple
 * clients retry; so do ours, with capped exponential backoff and jitter, so
 * that thousands of clients that failed together do not come back together
 * (a thundering herd on a server that is just recovering) and no client
 * spins in a tight loop against a server that is down.
 */
export interface StartupRetryPolicy {
  /** Seconds before the second attempt. */
  initialSeconds: number;
  /** Each wait is the previous one times this (≥ 1). */
  multiplier: number;
  /** No wait is longer than this. */
  maxSeconds: number;
  /**
   * Fraction of each wait taken off at random, 0–1: a wait of d seconds is
   * drawn uniformly from [d·(1 − jitter), d]. 0 retries in lock step.
   */
  jitter: number;
  /** Attempts in all, the first included; 0 = until the run ends. 1 gives the original's behaviour. */
  maxAttempts: number;
}

export const startupRetryDefaults: StartupRetryPolicy = { initialSeconds: 5, multiplier: 2, maxSeconds: 120, jitter: 0.5, maxAttempts: 0 };

/**
 * Milliseconds to wait after failed attempt number `failures` (1 = the first
 * attempt failed), or undefined when no attempt is left. Draws from the
 * client's own stream, so the same seed retries at the same times.
 */
export function startupRetryDelayMs(policy: StartupRetryPolicy, failures: number, random: Random): number | undefined {
  if (policy.maxAttempts > 0 && failures >= policy.maxAttempts) return undefined;
  const nominal = Math.min(policy.maxSeconds, policy.initialSeconds * policy.multiplier ** (failures - 1));
  const seconds = nominal * (1 - policy.jitter * random.next());
  return Math.max(0, seconds * 1000);
}

