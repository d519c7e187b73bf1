/**
 * The examples run as the README shows them: the custom profile and the
 * custom observer through the CLI, each named from its plist; the
 * programmatic simulation as a program of its own. Every run is against a
 * testbed of the test's own (`--server`), bounded by `--runtime`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testbedUsers, startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/reference.js';

const at = (p: string) => path.join(REPO, p);

let tb: Testbed;
/** A server whose users have other passwords: every request of the clients fails with 401. */
let locked: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 20 });
  locked = await startTestbed({ port: 0, accounts: testbedUsers(4).map((r) => ({ ...r, password: 'another password' })) });
});
after(async () => {
  await tb.close();
  await locked.close();
});

describe('examples/', { timeout: 120_000 }, () => {
  it('custom-profile: Lunch runs from its plist, its operation and requests in the report', async () => {
    const r = await runCli(['run', '--config', at('config/config.plist'), '--clients', at('examples/custom-profile-clients.plist'), '--server', tb.url, '--runtime', '6', '--quiet'], REPO);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const lunch = /^lunch\s+(\d+)\s/m.exec(r.stdout);
    assert.ok(lunch && Number(lunch[1]) > 0, r.stdout);
    assert.match(r.stdout, /^PUT\{event\}\s+\d+/m);
    // The events are on the server, titled as the params say.
    let found = 0;
    for (const u of tb.store.users.values()) for (const c of u.home.collections.values()) for (const res of c.resources.values()) if (res.text.includes('SUMMARY:Lunch with the team')) found++;
    assert.ok(found > 0, 'the server holds the lunches');
  });

  it('custom-observer: no line on a clean run, a line per failed request on a server that refuses the users', async () => {
    const clean = await runCli(['run', '--config', at('examples/custom-observer-config.plist'), '--server', tb.url, '--runtime', '4', '--quiet'], REPO);
    assert.equal(clean.code, 0, `${clean.stdout}\n${clean.stderr}`);
    assert.doesNotMatch(clean.stdout, /^FAILED /m);
    assert.match(clean.stdout, /^\* Failed requests: 0$/m);

    const refused = await runCli(['run', '--config', at('examples/custom-observer-config.plist'), '--server', locked.url, '--runtime', '4', '--quiet'], REPO);
    assert.equal(refused.code, 1, 'the run FAILs');
    const lines = refused.stdout.split('\n').filter((l) => l.startsWith('FAILED '));
    assert.ok(lines.length > 0, refused.stdout);
    // The testbed redirects the well-known URI before asking who you are; the PROPFIND at / is refused.
    assert.match(lines[0]!, /^FAILED PROPFIND\{well-known\} 401 unexpected status 401 http:\/\/127\.0\.0\.1:\d+\/$/);
    const counted = /^\* Failed requests: (\d+)$/m.exec(refused.stdout);
    assert.ok(counted && Number(counted[1]) >= lines.length, refused.stdout);
  });

  it('programmatic: a simulation written in code runs and passes', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [at('dist/examples/programmatic.js'), '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('exit', (c) => {
        clearTimeout(guard);
        resolve({ code: c, stdout, stderr });
      });
    });
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /^lunch\s+\d+/m);
    assert.match(stdout, /^create\s+\d+/m);
    assert.match(stdout, /\*\*\* PASS/);
  });
});
