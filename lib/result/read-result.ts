import { readFileSync } from 'node:fs';
import { describeValue, isDict } from '../params/problems.js';
import { ConfigError, type Problem } from '../core/errors.js';
import { PERCENTILE_KEYS, type ResultDocument } from './result-document.js';

/**
 * Reading a saved result (`--json FILE`) back, for `loadsim report`,
 * `compare` and `merge`: the file is user input, possibly from another
 * version or hand-edited, so every field those commands touch is checked
 * before it is trusted, and each problem names the file, the key path and
 * what was expected (`base.json: requests.PROPFIND{home}.p95: expected a number, got "fast"`).
 * Problems throw a ConfigError, which the CLI answers with exit 2.
 */

/** Past this many, the rest are summarised: a file of the wrong kind would otherwise list every key. */
const MOST_PROBLEMS = 20;

export function readResultDocument(file: string): ResultDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw problemsError(file, [['', `cannot read the result: ${(e as Error).message}`]]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw problemsError(file, [['', `not a loadsim result (not JSON: ${(e as Error).message})`]]);
  }
  return checkResultDocument(value, file);
}

/** Validate an already parsed result; `file` names it in the messages. */
export function checkResultDocument(value: unknown, file: string): ResultDocument {
  const c = new Checker();
  if (!isDict(value)) c.add('', `expected a loadsim result (a JSON object), got ${describeValue(value)}`);
  else if (value.format !== 'loadsim-result') c.add('format', `expected "loadsim-result" (a file written by loadsim run --json), got ${describeValue(value.format)}`);
  else if (value.version !== 1) c.add('version', `expected 1 (this loadsim reads version 1 results), got ${describeValue(value.version)}`);
  else resultShape(c, value, '');
  if (c.problems.length) throw problemsError(file, c.problems);
  return value as unknown as ResultDocument;
}

function problemsError(file: string, found: [string, string][]): ConfigError {
  const list: Problem[] = found.slice(0, MOST_PROBLEMS).map(([path, message]) => ({ severity: 'error', file, path, message }));
  if (found.length > MOST_PROBLEMS) list.push({ severity: 'error', file, path: '', message: `and ${found.length - MOST_PROBLEMS} more problems` });
  return new ConfigError(list);
}

/** A value's expected shape: checks it at `path`, reporting into the checker. */
type Shape = (c: Checker, v: unknown, path: string) => void;

class Checker {
  readonly problems: [string, string][] = [];
  add(path: string, message: string): void {
    this.problems.push([path, message]);
  }
}

/**
 * `a.b` for plain keys, `a["x.y"]` for keys that would read ambiguously
 * (labels are free text: a dot, bracket, quote or blank inside one).
 */
function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (key !== '' && !/[.[\]"'\s]/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

const number: Shape = (c, v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) c.add(p, `expected a number, got ${describeValue(v)}`);
};
const string: Shape = (c, v, p) => {
  if (typeof v !== 'string') c.add(p, `expected a string, got ${describeValue(v)}`);
};
/** A count: a whole number, not negative. */
const count: Shape = (c, v, p) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) c.add(p, `expected a whole number ≥ 0, got ${describeValue(v)}`);
};
const numberOrNull: Shape = (c, v, p) => {
  if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) c.add(p, `expected a number or null, got ${describeValue(v)}`);
};
const oneOf =
  (...words: string[]): Shape =>
  (c, v, p) => {
    if (typeof v !== 'string' || !words.includes(v)) c.add(p, `expected ${words.map((w) => JSON.stringify(w)).join(' or ')}, got ${describeValue(v)}`);
  };
const arrayOf =
  (item: Shape): Shape =>
  (c, v, p) => {
    if (!Array.isArray(v)) return c.add(p, `expected an array, got ${describeValue(v)}`);
    v.forEach((x, i) => item(c, x, at(p, i)));
  };
/** A dict of free keys (labels, reasons, pods), each value of one shape. */
const recordOf =
  (item: Shape): Shape =>
  (c, v, p) => {
    if (!isDict(v)) return c.add(p, `expected a dict, got ${describeValue(v)}`);
    for (const [k, x] of Object.entries(v)) item(c, x, at(p, k));
  };
/** A dict with these keys; `optional` ones may be absent. Unknown keys are allowed (later minor additions). */
const object =
  (fields: Record<string, Shape>, optional: Record<string, Shape> = {}): Shape =>
  (c, v, p) => {
    if (!isDict(v)) return c.add(p, `expected a dict, got ${describeValue(v)}`);
    for (const [k, shape] of Object.entries(fields)) {
      if (!Object.hasOwn(v, k)) c.add(at(p, k), 'missing');
      else shape(c, v[k], at(p, k));
    }
    for (const [k, shape] of Object.entries(optional)) if (v[k] !== undefined) shape(c, v[k], at(p, k));
  };
const numbers = (...keys: string[]): Record<string, Shape> => Object.fromEntries(keys.map((k) => [k, number]));

const fullStats = object({
  ...numbers('count', 'min', 'max', 'mean', 'geometricMean', 'harmonicMean', 'median', 'stddev', 'skewness', 'kurtosis'),
  percentiles: object(numbers(...PERCENTILE_KEYS)),
  histogram: object({ upperBounds: arrayOf(number), counts: arrayOf(number) }),
});

const labelSummary = object(
  {
    ...numbers('count', 'failed', 'timeouts', 'failureRate', 'mean', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'),
    status: oneOf('PASS', 'FAIL'),
    failReasons: arrayOf(string),
    stats: fullStats,
  },
  {
    connect: object(numbers('count', 'mean', 'p50', 'p95', 'p99', 'max')),
    lag: object({ ...numbers('p50', 'p99', 'max'), unit: oneOf('ms') }),
  },
);

const intervalFigures = numbers('count', 'rate', 'failures', 'min', 'mean', 'p50', 'p80', 'p90', 'p95', 'p99', 'max', 'bytesIn', 'bytesOut');
const interval = object({ ...intervalFigures, type: oneOf('interval'), ...numbers('index', 'start', 'end', 'elapsed', 'activeClients'), lagP99: numberOrNull }, { started: number, inFlight: number, cachedBytes: number });

const serverSummary: Shape = (c, v, p) => (isDict(v) && 'note' in v ? object({ note: string })(c, v, p) : object(numbers('requestsPerSecond', 'responseMs', 'slots', 'cpuPercent'))(c, v, p));

const savedLabel = object({ all: string, successful: string, ...numbers('failures', 'timeouts') }, { connect: string, lag: string });
const savedSection = {
  thresholds: object({ limits: arrayOf(number), thresholds: recordOf(arrayOf(number)) }),
  failCutoff: number,
  labels: recordOf(savedLabel),
};

const resultShape = object({
  format: oneOf('loadsim-result'),
  verdict: oneOf('PASS', 'FAIL'),
  reasons: arrayOf(string),
  seed: string,
  endedBy: string,
  ...numbers('startedAt', 'runSeconds', 'users', 'clients'),
  cpu: object(numbers('user', 'system')),
  environment: object({ loadsim: string, node: string, platform: string, cpus: number, cpuModel: string, hostname: string }),
  run: object({ config: string, clients: string, servers: arrayOf(string), intervalSeconds: number }, { worker: object(numbers('index', 'count')), mergedFrom: arrayOf(string), slices: arrayOf(object(numbers('index', 'users', 'clients', 'responses'))) }),
  events: object(numbers('requests', 'responses', 'dropped'), { exchanges: number }),
  requests: recordOf(labelSummary),
  operations: recordOf(labelSummary),
  lag: object(numbers('count', 'p50', 'p99', 'max')),
  server: recordOf(serverSummary),
  intervals: arrayOf(interval),
  clientFailures: recordOf(number),
  simFailures: recordOf(number),
  saved: object({
    requests: object({ ...savedSection, benchmarks: recordOf(object(numbers('mean', 'weight'))), seen: object(numbers('users', 'clients')) }),
    operations: object({ ...savedSection, lagCutoff: number }),
    lag: string,
  }, { intervals: arrayOf(object({ latency: string, lag: string })) }),
}, {
  accounting: object({ requests: recordOf(object(numbers('started', 'succeeded', 'failed', 'interrupted'))) }),
  // Label → failure kind → count; results of older versions have none.
  errors: recordOf(recordOf(count)),
  operationErrors: recordOf(recordOf(count)),
  notices: recordOf(count),
});
