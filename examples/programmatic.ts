/**
 * A whole simulation in TypeScript, no plists: a testbed server, ten users of
 * OS X 10.11 with the built-in Eventer and the Lunch profile of
 * custom-profile.ts given in code, ten seconds, the report, and the verdict
 * as the exit code.
 *
 *   npm run build && node dist/examples/programmatic.js [seconds]
 *
 * Against your own server, drop the testbed and put its URI in `servers`,
 * with `accounts` from your CSV (loader `recordsFromCSVFile`, params `path`).
 */
import { LoadSimulator, RealClock, configInCode, startTestbed } from '../lib/index.js';
import { Lunch } from './custom-profile.js';

const seconds = Number(process.argv[2] ?? 10);
const testbed = await startTestbed({ port: 0, users: 10 });
try {
  const { config } = await configInCode({
    config: {
      servers: { PodA: { enabled: true, uri: testbed.url } },
      // The testbed's users: user01…user10, password = uid.
      accounts: { loader: 'generateRecords', params: { count: 10, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
      arrival: { factory: 'SmoothRampUp', params: { groups: 2, groupSize: 5, interval: 1, clientsPerUser: 1 } },
      observers: [{ type: 'ReportStatistics' }, { type: 'OperationLogger' }],
    },
    clients: {
      clients: [
        {
          software: 'OS_X_10_11',
          params: { calendarHomePollInterval: 5, supportAmpPush: false },
          profiles: [
            { class: 'Eventer', params: { interval: 3 } },
            { class: Lunch, params: { interval: 2, title: 'Lunch with the team' } },
          ],
          weight: 1,
        },
      ],
    },
  });
  const sim = new LoadSimulator({ config, clock: new RealClock(), seed: 'programmatic', out: (line) => console.log(line) });
  const result = await sim.run({ runtimeSeconds: seconds });
  process.exitCode = result.exitCode;
} finally {
  await testbed.close();
}
