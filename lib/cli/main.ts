#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, LoadsimError, UsageError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { loadChecked, validateCommand } from './validate-command.js';
import { describePlan } from '../config/describe-plan.js';
import { unimplementedPlugins } from '../registry/implemented.js';

const USAGE = `usage: loadsim <command> [options]

commands:
  validate  --config config.plist --clients clients.plist
            load and check everything, print what a run would do (exit 0), or every
            problem as file: key.path: message (exit 2)
  demo      the default simulation against the embedded testbed server
  run       --config C --clients K [--runtime S] [--seed X]   (the default command)
  serve     the embedded CalDAV testbed server                  (issue #4)
  worker | merge | report | compare                              (issues #8, #9)

Without --config, loadsim uses its own defaults in config/ (our config.plist and
clients.plist). Exit codes: 0 pass/valid, 1 fail, 2 bad input, 3 not in this version.`;

const PLANNED: Record<string, number> = { serve: 4, worker: 9, merge: 9, report: 8, compare: 8 };

const options = {
  config: { type: 'string' },
  clients: { type: 'string' },
  runtime: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], cwd = process.cwd(), out = (s: string) => console.log(s), err = (s: string) => console.error(s)): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
    }
    const { values, positionals } = parsed;
    if (values.help) return out(USAGE), EXIT.ok;
    if (values.version) return out(version()), EXIT.ok;
    const command = positionals[0] ?? 'run';
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
    if (values.runtime !== undefined && !(Number(values.runtime) > 0)) throw new UsageError(`--runtime: expected a positive number of seconds, got "${values.runtime}"`);

    switch (command) {
      case 'validate':
        await validateCommand(values, cwd, out, err);
        return EXIT.ok;
      case 'demo': {
        const { config } = await loadChecked({}, cwd, err);
        out('loadsim demo: the default simulation (config/config.plist, config/clients.plist) would do this:\n');
        out(describePlan(config, cwd));
        out('\nThe simulation itself arrives with the simulator (issue #6) and the embedded testbed server (issue #4);');
        out('until then the demo checks the default configuration and prints the plan above.');
        return EXIT.ok;
      }
      case 'run': {
        // Bad input is still refused first, with exit 2.
        const { config } = await loadChecked(values, cwd, err);
        err('loadsim run: the configuration is valid, but this version cannot run it yet:');
        for (const e of unimplementedPlugins(config)) err(`  ${e.message}`);
        err('  the simulator itself is registered but not implemented yet (planned in issue #6)');
        return EXIT.notImplemented;
      }
      case 'help':
        out(USAGE);
        return EXIT.ok;
      default:
        if (PLANNED[command]) {
          err(`loadsim ${command}: not in this version yet (issue #${PLANNED[command]}).`);
          return EXIT.notImplemented;
        }
        throw new UsageError(`unknown command "${command}"; commands: validate, demo, run, serve, worker, merge, report, compare`);
    }
  } catch (e) {
    if (e instanceof ConfigError) return EXIT.badInput; // already printed, every problem
    if (e instanceof UsageError) {
      err(`loadsim: ${e.message}\n\n${USAGE}`);
      return EXIT.badInput;
    }
    if (e instanceof LoadsimError) {
      err(`loadsim: ${e.message}`);
      return EXIT.badInput;
    }
    throw e;
  }
}

// Run when executed as the `loadsim` command (npm's bin link resolves to this file), not when imported.
function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(e);
      process.exitCode = 70;
    },
  );
}
