/**
 * Try the peer adapters: a testbed in its own process, the mix prepared,
 * then wrk, Locust and Tsung in turn for a few seconds each against it, and
 * each one's result printed (numbers, then its notes). For checking the
 * adapters by hand; the efficiency benchmark proper is efficiency.ts.
 *
 *   npx tsc -p tsconfig.json && node dist/test/bench/peers/try-peers.js
 *
 * LOADSIM_PEERS_SECONDS (5), LOADSIM_PEERS_CONNECTIONS (20) and
 * LOADSIM_PEERS_USERS (20) change the run; LOADSIM_PEERS_ONLY=wrk,tsung runs
 * only those; LOADSIM_PEERS_KEEP=1 keeps the scratch folder (generated
 * scripts, the tools' output and logs) and prints where it is.
 *
 * Not a node:test file: under `node --test` (NODE_TEST_CONTEXT set) it does nothing.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { numberFromEnv, r2, r3, startTestbedProcess, table, underTestRunner } from '../support/kit.js';
import { prepareMix } from '../support/mix.js';
import { runLocust } from './locust.js';
import type { PeerOptions, PeerResult, PeerTool } from './peer.js';
import { runTsung } from './tsung.js';
import { runWrk } from './wrk.js';

async function main(): Promise<void> {
  const seconds = numberFromEnv('LOADSIM_PEERS_SECONDS', 5);
  const connections = numberFromEnv('LOADSIM_PEERS_CONNECTIONS', 20);
  const users = numberFromEnv('LOADSIM_PEERS_USERS', 20);
  const only = (process.env.LOADSIM_PEERS_ONLY ?? '').split(',').filter(Boolean);
  const keep = process.env.LOADSIM_PEERS_KEEP === '1';
  const adapters: [PeerTool, (o: PeerOptions) => Promise<PeerResult>][] = [
    ['wrk', runWrk],
    ['locust', runLocust],
    ['tsung', runTsung],
  ];
  const chosen = adapters.filter(([tool]) => only.length === 0 || only.includes(tool));
  const log = (line: string) => console.log(`  ${line}`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'loadsim-peers-'));
  const tb = await startTestbedProcess({ users });
  const results: PeerResult[] = [];
  try {
    await prepareMix(tb.url, users);
    console.log(`testbed ${tb.url} (pid ${tb.pid}), ${users} users; ${connections} connections, ${seconds} s each`);
    for (const [tool, run] of chosen) {
      const dir = path.join(scratch, tool);
      mkdirSync(dir, { recursive: true });
      console.log(`${tool}:`);
      const r = await run({ url: tb.url, users, connections, seconds, dir, log });
      results.push(r);
      if (!r.available) console.log(`  not available: ${r.reason}`);
      else console.log(`  ${r.requests} requests, ${r.failures} failures, ${r3(r.cpuSeconds)} CPU-s in ${r2(r.wallSeconds)} s: ${r3(r.cpuMsPerRequest)} CPU-ms/request`);
      for (const n of r.notes) console.log(`  - ${n}`);
    }
  } finally {
    await tb.stop();
    if (keep) console.log(`scratch folder kept: ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
  console.log('');
  console.log(
    table(
      ['tool', 'version', 'requests', 'failures', 'wall s', 'CPU s', 'CPU ms/req', 'req/s'],
      results.map((r) =>
        r.available
          ? [r.tool, r.version, String(r.requests), String(r.failures), r2(r.wallSeconds).toFixed(2), r3(r.cpuSeconds).toFixed(3), r3(r.cpuMsPerRequest).toFixed(3), String(Math.round(r.requests / r.wallSeconds))]
          : [r.tool, r.version, '-', '-', '-', '-', '-', `(${r.reason})`],
      ),
    ),
  );
}

if (!underTestRunner) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
