/**
 * The original's deterministic client-kind cycle (population.py): kinds in config
 * order, each repeated `weight` times in a row, forever. Not random, so a
 * population is the same on every run and in every worker.
 */
export function* clientKindCycle(weights: readonly number[]): Generator<number, never> {
  if (!weights.some((w) => w > 0)) throw new RangeError('client kind cycle: no kind has a positive weight');
  for (;;) {
    for (let kind = 0; kind < weights.length; kind++) {
      for (let i = 0; i < weights[kind]!; i++) yield kind;
    }
  }
}

/** How many clients of each kind `users × clientsPerUser` clients make. */
export function clientsPerKind(weights: readonly number[], users: number, clientsPerUser: number): number[] {
  const counts = weights.map(() => 0);
  const cycle = clientKindCycle(weights);
  for (let i = 0; i < users * clientsPerUser; i++) counts[cycle.next().value]!++;
  return counts;
}
