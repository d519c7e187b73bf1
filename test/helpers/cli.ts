import { spawn } from 'node:child_process';
import path from 'node:path';
import { main } from '../../lib/cli/main.js';
import { REPO } from './reference.js';

/** Run the CLI in-process, capturing what it prints. */
export async function runCli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { cwd, out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/**
 * Run the built CLI as a child process (`node dist/lib/cli/main.js …`), as a
 * user would. Bounded: a child that does not end by itself within `guardMs`
 * is killed, and the test fails on its output. `onStderr` sees the standard
 * error so far, each time more arrives.
 */
export function spawnCli(args: string[], options: { guardMs?: number; onStderr?: (text: string) => void } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      options.onStderr?.(stderr);
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), options.guardMs ?? 150_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}
