/**
 * The small error hierarchy of loadsim. Every error carries a stable `code`
 * string, so programs (and tests) can branch on it without matching messages.
 */

export type LoadsimErrorCode =
  | 'LOADSIM_CONFIG'
  | 'LOADSIM_USAGE'
  | 'LOADSIM_DISTRIBUTION'
  | 'LOADSIM_OUTPUT'
  | 'LOADSIM_RESOURCE_LIMIT';

export class LoadsimError extends Error {
  readonly code: LoadsimErrorCode;
  constructor(code: LoadsimErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A problem found in a config file, clients file, accounts file or plug-in parameter. */
export interface Problem {
  severity: 'error' | 'warning';
  /** The file as the user named it (relative paths stay relative). */
  file: string;
  /** Key path inside the file, e.g. `clients[0].profiles[2].params.interval`; empty for the whole file. */
  path: string;
  message: string;
  /** 1-based line in the file when known. */
  line?: number;
  /** The exception behind the problem (a user module that threw), for `--debug`; never printed otherwise. */
  cause?: unknown;
}

export function formatProblem(p: Problem): string {
  const where = p.path ? `${p.file}: ${p.path}` : p.file;
  const line = p.line !== undefined ? ` (line ${p.line})` : '';
  return `${where}: ${p.message}${line}`;
}

/** Bad input: config, clients, accounts, thresholds files. The CLI exits 2 on it. */
export class ConfigError extends LoadsimError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super('LOADSIM_CONFIG', errors.map(formatProblem).join('\n') || 'invalid configuration');
    this.problems = problems;
  }
}

/** A result file that cannot be created before the run (`--jtl`, `--timeseries`): exit 2, nothing sent. */
export class OutputError extends LoadsimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOADSIM_OUTPUT', message, options);
  }
}

/** The run needs more of the machine than this process may have (open files): exit 2, nothing sent. */
export class ResourceLimitError extends LoadsimError {
  constructor(message: string) {
    super('LOADSIM_RESOURCE_LIMIT', message);
  }
}

/** Bad command line. The CLI exits 2 on it. */
export class UsageError extends LoadsimError {
  constructor(message: string) {
    super('LOADSIM_USAGE', message);
  }
}

/** A distribution that cannot produce a sample, e.g. LogNormal with a `maximum` it keeps exceeding. */
export class DistributionError extends LoadsimError {
  constructor(message: string) {
    super('LOADSIM_DISTRIBUTION', message);
  }
}
