import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { FileParam } from '../params/param-spec.js';
import type { Scope } from '../params/problems.js';
import type { AccountLoaderDefinition } from '../registry/definitions.js';
import { DEFAULT_POD, type AccountRecord } from '../core/account-record.js';

export class AccountsFileError extends Error {
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parse an accounts CSV: one record a line, `uid,password,commonName,email[,guid[,podID]]`,
 * no header (the original's format, both generations). csv-parse rather than
 * split(','): a display name with a quoted comma then still works.
 */
export function parseAccountsCSV(text: string): AccountRecord[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { relax_column_count: true, skip_empty_lines: true, info: true, bom: true }) as unknown as typeof rows;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new AccountsFileError(err.lines, err.message.replace(/^Invalid \w+: /, ''));
  }
  return rows.map(({ record, info }) => {
    if (record.length === 1 && record[0]!.trim().startsWith('#')) return undefined;
    if (record.length < 4 || record.length > 6) {
      throw new AccountsFileError(info.lines, `expected 4 to 6 comma-separated columns (uid, password, commonName, email[, guid[, podID]]), got ${record.length}`);
    }
    const [uid, password, commonName, email, guid, podID] = record.map((c) => c.trim());
    if (!uid) throw new AccountsFileError(info.lines, 'the uid (first column) is empty');
    return { uid, password: password!, commonName: commonName!, email: email!, guid: guid || uid, podID: podID || DEFAULT_POD };
  }).filter((r): r is AccountRecord => r !== undefined);
}

/**
 * Re-order so consecutive users alternate between pods (sorted pod ids), as the
 * original's `interleavePods`. Like it, this stops at the shortest pod: a
 * round-robin that ran on would end with a tail of one pod only.
 */
export function interleavePods(records: readonly AccountRecord[]): AccountRecord[] {
  const byPod = new Map<string, AccountRecord[]>();
  for (const r of records) {
    const list = byPod.get(r.podID) ?? [];
    list.push(r);
    byPod.set(r.podID, list);
  }
  const pods = [...byPod.keys()].sort().map((k) => byPod.get(k)!);
  const rounds = Math.min(...pods.map((p) => p.length));
  const out: AccountRecord[] = [];
  for (let i = 0; i < rounds; i++) for (const p of pods) out.push(p[i]!);
  return out;
}

/** Read records from a CSV file (the original's `recordsFromCSVFile`). */
export function recordsFromCSVFile(path: string, options: { interleavePods?: boolean } = {}): AccountRecord[] {
  const records = parseAccountsCSV(readFileSync(path, 'utf8'));
  return options.interleavePods ? interleavePods(records) : records;
}

/** Python-style `%d`, `%02d`, `%s` in the original's patterns. */
export function formatPattern(pattern: string, n: number): string {
  return pattern.replace(/%(0?)(\d*)([ds])/g, (_, zero: string, width: string, conv: string) => {
    const s = String(n);
    return conv === 'd' && width ? s.padStart(Number(width), zero ? '0' : ' ') : s;
  });
}

export interface GenerateRecordsOptions {
  uidPattern: string;
  passwordPattern: string;
  namePattern: string;
  emailPattern: string;
  guidPattern: string;
  podID: string;
}

export const generateRecordsDefaults: GenerateRecordsOptions = {
  uidPattern: 'user%d',
  passwordPattern: 'user%d',
  namePattern: 'User %d',
  emailPattern: 'user%d@example.com',
  guidPattern: 'user%d',
  podID: DEFAULT_POD,
};

/** `count` records numbered from 1 (the original's `generateRecords`). */
export function generateRecords(count: number, options: Partial<GenerateRecordsOptions> = {}): AccountRecord[] {
  const o = { ...generateRecordsDefaults, ...options };
  return Array.from({ length: count }, (_, i) => ({
    uid: formatPattern(o.uidPattern, i + 1),
    password: formatPattern(o.passwordPattern, i + 1),
    commonName: formatPattern(o.namePattern, i + 1),
    email: formatPattern(o.emailPattern, i + 1),
    guid: formatPattern(o.guidPattern, i + 1),
    podID: o.podID,
  }));
}

const pattern = (def: string, doc: string) => ({ type: 'string' as const, default: def, doc });

export const recordsFromCSVFileLoader: AccountLoaderDefinition = {
  name: 'recordsFromCSVFile',
  summary: 'records from a CSV file: uid,password,commonName,email[,guid[,podID]]',
  params: {
    path: { type: 'file', required: true, doc: 'expected the path of an accounts CSV file' },
    interleavePods: { type: 'boolean', default: false, doc: 'alternate users between pods' },
  },
  load(values, scope: Scope) {
    const file = values.path as FileParam | undefined;
    if (!file) return undefined;
    try {
      return recordsFromCSVFile(file.abs, { interleavePods: values.interleavePods as boolean });
    } catch (e) {
      const where = e instanceof AccountsFileError && e.line !== undefined ? `line ${e.line}: ` : '';
      scope.child('path').error(`${file.written}: ${where}${(e as Error).message}`);
      return undefined;
    }
  },
};

export const generateRecordsLoader: AccountLoaderDefinition = {
  name: 'generateRecords',
  summary: 'records user1..userN made from patterns',
  params: {
    count: { type: 'number', rule: { integer: true, min: 1 }, required: true, doc: 'expected the number of records, an integer ≥ 1' },
    uidPattern: pattern('user%d', 'uid, %d = record number'),
    passwordPattern: pattern('user%d', 'password'),
    namePattern: pattern('User %d', 'common name'),
    emailPattern: pattern('user%d@example.com', 'email address'),
    guidPattern: pattern('user%d', 'directory GUID'),
    podID: pattern(DEFAULT_POD, 'pod of every record'),
  },
  load: (v) =>
    generateRecords(v.count as number, {
      uidPattern: v.uidPattern as string,
      passwordPattern: v.passwordPattern as string,
      namePattern: v.namePattern as string,
      emailPattern: v.emailPattern as string,
      guidPattern: v.guidPattern as string,
      podID: v.podID as string,
    }),
};

/** The 2013 generation's loader: zero-padded `user01…`. */
export const recordsFromCountLoader: AccountLoaderDefinition = {
  name: 'recordsFromCount',
  summary: 'records user01..userNN (2013 generation)',
  params: {
    count: { type: 'number', rule: { integer: true, min: 1 }, required: true, doc: 'expected the number of records, an integer ≥ 1' },
    uid: pattern('user%02d', 'uid'),
    password: pattern('user%02d', 'password'),
    commonName: pattern('User %02d', 'common name'),
    email: pattern('user%02d@example.com', 'email address'),
  },
  load: (v) =>
    generateRecords(v.count as number, {
      uidPattern: v.uid as string,
      passwordPattern: v.password as string,
      namePattern: v.commonName as string,
      emailPattern: v.email as string,
      guidPattern: v.uid as string,
    }),
};
