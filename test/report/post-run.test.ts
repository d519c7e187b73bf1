import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { postRunEnvironment, runPostRun } from '../../lib/report/post-run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-post-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('post-run command', () => {
  it('builds the environment with absolute paths, leaving absent files out', () => {
    const env = postRunEnvironment({ json: 'out/run.json', jtl: '/abs/run.jtl', resultsDb: 'sqlite:results.db' }, 'FAIL', 1);
    assert.deepEqual(env, {
      LOADSIM_VERDICT: 'FAIL',
      LOADSIM_EXIT_CODE: '1',
      LOADSIM_JSON: path.resolve('out/run.json'),
      LOADSIM_JTL: '/abs/run.jtl',
      LOADSIM_RESULTS_DB: path.resolve('results.db'),
    });
  });

  it('runs the command with the variables in its environment and reports its exit code', async () => {
    const lines: string[] = [];
    const env = postRunEnvironment({ json: path.join(dir, 'r.json'), html: path.join(dir, 'r.html') }, 'PASS', 0);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, for the shell
    const result = await runPostRun('echo "verdict=$LOADSIM_VERDICT json=$LOADSIM_JSON"; echo "html=$LOADSIM_HTML jtl=${LOADSIM_JTL-unset}" >&2; pwd; exit 3', env, {
      cwd: dir,
      out: (l) => lines.push(l),
    });
    assert.deepEqual(result, { exitCode: 3, signal: null, timedOut: false });
    assert.ok(lines.includes(`verdict=PASS json=${path.join(dir, 'r.json')}`), lines.join('\n'));
    assert.ok(lines.includes(`html=${path.join(dir, 'r.html')} jtl=unset`), lines.join('\n'));
    assert.ok(lines.some((l) => path.resolve(l) === path.resolve(dir) || l.endsWith(path.basename(dir))), lines.join('\n'));
  });

  it('passes the process environment through too', async () => {
    process.env.LOADSIM_TEST_INHERITED = 'yes';
    const lines: string[] = [];
    const result = await runPostRun('echo "$LOADSIM_TEST_INHERITED $EXTRA"', { EXTRA: 'extra' }, { out: (l) => lines.push(l) });
    delete process.env.LOADSIM_TEST_INHERITED;
    assert.equal(result.exitCode, 0);
    assert.deepEqual(lines, ['yes extra']);
  });

  it('kills the whole process group on timeout', async () => {
    const marker = path.join(dir, 'grandchild-survived');
    const pidFile = path.join(dir, 'grandchild.pid');
    const started = performance.now();
    // A background grandchild that would write the marker, and a foreground sleep.
    const result = await runPostRun(`(sleep 2; touch '${marker}') & echo $! > '${pidFile}'; sleep 30`, {}, { timeoutMs: 300, killGraceMs: 500, out: () => {} });
    const took = performance.now() - started;
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.ok(result.signal === 'SIGTERM' || result.signal === 'SIGKILL', String(result.signal));
    assert.ok(took < 5000, `took ${took} ms`);
    // The grandchild went with the group: wait for it to be gone (an event), not for its 2 s to pass.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0, 'the grandchild was started');
    while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
    assert.equal(existsSync(marker), false);
  });

  it('escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const result = await runPostRun(`trap '' TERM; echo ready; while :; do sleep 0.05; done`, {}, { timeoutMs: 300, killGraceMs: 300, out: () => {} });
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGKILL');
  });

  it('inherits our output when no `out` is given', async () => {
    const file = path.join(dir, 'inherited.txt');
    const result = await runPostRun(`echo hi > '${file}'`, {}, {});
    assert.equal(result.exitCode, 0);
    assert.equal(readFileSync(file, 'utf8'), 'hi\n');
  });

  it('rejects when the command cannot start', async () => {
    await assert.rejects(runPostRun('true', {}, { cwd: path.join(dir, 'no-such-dir') }), /post-run command could not start/);
  });
});

/** A process that exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
