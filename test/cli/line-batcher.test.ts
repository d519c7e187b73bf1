/**
 * stdout's lines in batches (lib/cli/line-batcher.ts): every line comes out
 * once, in order, whether written by the timer, by the size limit or by an
 * explicit flush; and the CLI as a user runs it still prints every line of a
 * run, its report after them, with a `--runtime` stop and with SIGINT.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LineBatcher } from '../../lib/cli/line-batcher.js';
import { REPO } from '../helpers/reference.js';

/**
 * `loadsim demo` as a user runs it (its own testbed), stdout piped; with
 * `interrupt`, SIGINT once stdout shows the first operation's line.
 * Bounded: killed after 90 s.
 */
function demo(args: string[], interrupt: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (interrupt && !signalled && / END \[/.test(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every operation line came out, before the report: as many END lines as the report's operation table counts. */
function assertEveryLine(r: { code: number | null; stdout: string; stderr: string }): void {
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const report = r.stdout.indexOf('** REPORT **');
  assert.ok(report > 0, 'the report is printed');
  const ends = r.stdout.split('\n').filter((l) => / END \[/.test(l));
  assert.ok(ends.length > 0, 'operations were printed');
  assert.ok(r.stdout.lastIndexOf(' END [') < report, 'every operation line comes before the report');
  const table = r.stdout.slice(r.stdout.indexOf('\noperation ', report));
  const rows = table.split('\n').slice(3);
  const counted = rows.slice(0, rows.findIndex((l) => l.trim() === '')).reduce((n, l) => n + Number(l.trim().split(/\s+/)[1]), 0);
  assert.equal(ends.length, counted, `${ends.length} END lines, ${counted} operations in the report`);
  assert.match(r.stdout, /\*\*\* PASS/);
}

describe('LineBatcher', () => {
  it('writes nothing until flushed or due, then every line once, in order', async () => {
    const writes: string[] = [];
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const b = new LineBatcher(
      (s) => {
        writes.push(s);
        wrote();
      },
      { delayMs: 5 },
    );
    b.line('a');
    b.line('b\nc');
    b.line('');
    assert.deepEqual(writes, [], 'nothing written in the turn the lines were queued');
    // The batcher's timer is unref'd (it must not keep a finished CLI alive): hold the loop
    // open while waiting for it, or node may end the test file first.
    const hold = setInterval(() => {}, 1000);
    await written;
    clearInterval(hold);
    assert.deepEqual(writes, ['a\nb\nc\n']);
    b.flush();
    assert.equal(writes.length, 1, 'a flush with nothing waiting writes nothing');
  });

  it('writes at once when maxChars are waiting, and the rest on flush', () => {
    const writes: string[] = [];
    const b = new LineBatcher((s) => writes.push(s), { delayMs: 60_000, maxChars: 10 });
    b.line('1234'); // 5 with its newline
    b.line('5678'); // 10: written now
    assert.deepEqual(writes, ['1234\n5678']);
    b.line('x');
    assert.equal(writes.length, 1);
    b.flush();
    assert.deepEqual(writes, ['1234\n5678', 'x']);
  });

  it('the CLI prints every operation line, then the report: a run that ends by --runtime', async () => {
    assertEveryLine(await demo(['--runtime', '6'], false));
  });

  it('the CLI prints every operation line, then the report: a run stopped by SIGINT', async () => {
    assertEveryLine(await demo(['--runtime', '60'], true));
  });

  it('keeps order over many batches (each line once)', () => {
    const writes: string[] = [];
    const b = new LineBatcher((s) => writes.push(s), { delayMs: 60_000, maxChars: 100 });
    for (let i = 0; i < 1000; i++) b.line(`line ${i}`);
    b.flush();
    assert.ok(writes.length > 10, `${writes.length} batches`);
    assert.deepEqual(writes.join('\n').split('\n'), Array.from({ length: 1000 }, (_, i) => `line ${i}`));
  });
});
