/**
 * Bounds loadsim enforces at the boundary (config, clients, flags), so a typo
 * is refused with exit 2 rather than becoming a hang, an out-of-memory crash
 * or a storm of requests.
 */

/**
 * The longest single wait a config or flag may ask for: 24 days, in seconds.
 * Why this figure: every wait becomes one Node.js timer, and a timer longer
 * than 2³¹−1 ms (24.8 days) fires after 1 ms instead, so an `interval` of a
 * year would poll continuously and a `--runtime` of a month would stop at
 * once. Intervals (`interval`, `calendarHomePollInterval`, the arrival
 * interval), `requestTimeout` and `--runtime` are checked against it.
 */
export const MAX_WAIT_SECONDS = 24 * 86_400;

/**
 * The most account records a generating loader (`generateRecords`,
 * `recordsFromCount`) may make: a million. Each record is held in memory and
 * sent to every worker; `count` 10⁹ would take minutes and gigabytes before
 * failing. Runs bigger than this use several machines with a CSV slice each.
 */
export const MAX_GENERATED_ACCOUNTS = 1_000_000;

/**
 * The most simulated clients one schedule may make: users × clientsPerUser,
 * a million. The plan is laid out client by client (which kind each is), so
 * `clientsPerUser` 10⁹ would hang `validate` before any check could speak;
 * a million is far past what any CalDAV server under test will take.
 */
export const MAX_CLIENTS = 1_000_000;
