import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startupRetryDefaults } from '../clients/startup-retry.js';
import { httpSettingsDefaults } from '../config/config-types.js';
import { OutputError, UsageError } from '../core/errors.js';

/**
 * `loadsim init`: a starter config.plist, clients.plist and accounts.csv for
 * the user's own CalDAV server, commented key by key, which `loadsim
 * validate` accepts as written. The user then puts real accounts in
 * accounts.csv and tunes the rest.
 */

export interface InitFlags {
  server?: string;
  users?: string;
  'principal-path'?: string;
  dir?: string;
  force?: boolean;
}

export const DEFAULT_PRINCIPAL_PATH = '/principals/users/%s/';
/** The password every generated account has until the user gives the real ones. */
export const PLACEHOLDER_PASSWORD = 'CHANGE_ME';
export const MAX_INIT_USERS = 100_000;
/** Seconds between arriving groups of users, for full groups. */
const RAMP_INTERVAL = 5;

// ---------------------------------------------------------------------------
// A small XML plist writer that keeps comments (`plist.build` has none).

/** A number written as `<real>`, e.g. 1.0, where the default files write one. */
class Real {
  constructor(readonly value: number) {}
}
type PValue = string | number | boolean | Real | PDict | PValue[];
interface PEntry {
  key: string;
  value: PValue;
  /** Said in an XML comment just before the key. */
  comment?: string;
}
class PDict {
  constructor(readonly entries: PEntry[]) {}
}
const dict = (...entries: PEntry[]) => new PDict(entries);
const entry = (key: string, value: PValue, comment?: string): PEntry => (comment === undefined ? { key, value } : { key, value, comment });

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An XML comment, one line or a block; XML forbids `--` inside one, and a trailing `-`. */
function comment(text: string, indent: string): string[] {
  if (text.includes('--') || text.endsWith('-')) throw new Error(`internal: a plist comment may not hold "--": ${text}`);
  const lines = text.split('\n');
  if (lines.length === 1 && indent.length * 4 + text.length <= 100) return [`${indent}<!-- ${text} -->`];
  return [`${indent}<!--`, ...lines.map((l) => (l ? `${indent}  ${l}` : '')), `${indent}-->`];
}

function emit(value: PValue, indent: string): string[] {
  if (typeof value === 'string') return [`${indent}<string>${escapeXml(value)}</string>`];
  if (typeof value === 'boolean') return [`${indent}<${value}/>`];
  if (typeof value === 'number') return Number.isInteger(value) ? [`${indent}<integer>${value}</integer>`] : [`${indent}<real>${value}</real>`];
  if (value instanceof Real) return [`${indent}<real>${Number.isInteger(value.value) ? value.value.toFixed(1) : String(value.value)}</real>`];
  if (Array.isArray(value)) return [`${indent}<array>`, ...value.flatMap((v) => emit(v, `${indent}\t`)), `${indent}</array>`];
  const inner = `${indent}\t`;
  const lines = [`${indent}<dict>`];
  value.entries.forEach((e, i) => {
    // A commented key at the top of a big dict gets a blank line before it, as in config/config.plist.
    if (e.comment !== undefined) {
      if (i > 0 && indent === '') lines.push('');
      lines.push(...comment(e.comment, inner));
    }
    lines.push(`${inner}<key>${escapeXml(e.key)}</key>`, ...emit(e.value, inner));
  });
  lines.push(`${indent}</dict>`);
  return lines;
}

function plistDocument(header: string, root: PDict): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    ...comment(header, ''),
    '<plist version="1.0">',
    ...emit(root, ''),
    '</plist>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// The flags.

/** `--server`: an http(s) URL of the server itself (scheme, host, port), as config.plist's `uri`. */
export function checkServer(value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError('init: --server is required: the URL of your CalDAV server, e.g. --server https://cal.example.com');
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    throw new UsageError(`--server: expected an http:// or https:// URL, e.g. https://cal.example.com, got "${value}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--server: expected an http:// or https:// URL, e.g. https://cal.example.com, got "${value}"`);
  if (u.username || u.password) throw new UsageError(`--server: expected a URL without a user name or password (those go in accounts.csv), got "${u.protocol}//…@${u.host}"`);
  if (u.pathname !== '/' || u.search || u.hash) {
    throw new UsageError(`--server: expected the server's URL without a path, e.g. ${u.origin}, got "${value}" (a path such as ${u.pathname} belongs in --principal-path)`);
  }
  return u.origin;
}

/** `--users`: a whole number of accounts, 1 to 100000. */
export function checkUsers(value: string | undefined): number {
  if (value === undefined) throw new UsageError('init: --users is required: how many accounts to write in accounts.csv, e.g. --users 20');
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > MAX_INIT_USERS) {
    throw new UsageError(`--users: expected a whole number of users from 1 to ${MAX_INIT_USERS}, got "${value}"`);
  }
  return n;
}

/** `--principal-path`: an absolute path with one %s for the uid (load-config.ts requires the %s). */
export function checkPrincipalPath(value: string | undefined): string {
  if (value === undefined) return DEFAULT_PRINCIPAL_PATH;
  const eg = `e.g. ${DEFAULT_PRINCIPAL_PATH}`;
  if (!value.startsWith('/')) throw new UsageError(`--principal-path: expected a path starting with /, ${eg}, got "${value}"`);
  const count = value.split('%s').length - 1;
  if (count !== 1) throw new UsageError(`--principal-path: expected a path with one %s where the user id goes, ${eg}, got "${value}"`);
  if (/[\s?#]/.test(value)) throw new UsageError(`--principal-path: expected a URL path without spaces, ? or #, ${eg}, got "${value}"`);
  return value;
}

// ---------------------------------------------------------------------------
// The arrival schedule.

export interface Ramp {
  groups: number;
  groupSize: number;
  interval: number;
  /** Accounts the schedule leaves out (only when no exact split keeps groups 0.5 s apart). */
  idle: number;
}

/**
 * SmoothRampUp for `users` users: groups of up to 10 users (up to 1 % of
 * them past 1000, so the ramp has about 100 groups), a full group every
 * RAMP_INTERVAL seconds. groups × groupSize is `users` exactly: the group
 * size is the largest divisor of `users` up to that cap, and a smaller group
 * comes sooner (13 users: one every 0.5 s), keeping the rate. Only when
 * that would take groups under 0.5 s apart (a large prime, say) is the
 * schedule full groups of the cap, the rest of the accounts idle.
 */
export function rampFor(users: number): Ramp {
  const cap = Math.min(users, Math.max(10, Math.ceil(users / 100)));
  let size = 1;
  for (let d = cap; d >= 1; d--) {
    if (users % d === 0) {
      size = d;
      break;
    }
  }
  const interval = Math.round((RAMP_INTERVAL * size * 100) / cap) / 100;
  if (interval >= 0.5) return { groups: users / size, groupSize: size, interval, idle: 0 };
  return { groups: Math.floor(users / cap), groupSize: cap, interval: RAMP_INTERVAL, idle: users % cap };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeRamp(r: Ramp): string {
  const groups = r.groups === 1 ? `all ${plural(r.groupSize, 'user')} at once` : `${r.groups} groups of ${plural(r.groupSize, 'user')}, ${r.interval} s apart (the last at ${Math.round((r.groups - 1) * r.interval * 100) / 100} s)`;
  return r.idle ? `${groups}; ${r.idle} of the accounts stay idle` : groups;
}

// ---------------------------------------------------------------------------
// The three files.

/** user01…userNN: two digits at least, as the testbed's and the original's `user%02d`. */
export const uidOf = (n: number) => `user${String(n).padStart(2, '0')}`;

export function configPlist(server: string, principalPath: string, users: number): string {
  const r = rampFor(users);
  const h = httpSettingsDefaults;
  const s = startupRetryDefaults;
  const header = [
    `loadsim configuration for ${server}, written by loadsim init.`,
    `${plural(users, 'user')} from accounts.csv; ${describeRamp(r)}.`,
    'What each user does is in clients.plist beside this file.',
    '',
    'Check it with loadsim validate and start it with loadsim run, giving this',
    'file as the config and clients.plist as the clients (loadsim help lists the',
    'options). How long a run lasts is not a key here: the run command takes it',
    'as its runtime option, in seconds; without it the run goes on until Ctrl-C.',
  ].join('\n');
  const root = dict(
    entry(
      'servers',
      dict(
        entry(
          'PodA',
          dict(
            entry('enabled', true, 'false leaves this pod, and the users on it, out of the run'),
            entry('uri', server, 'The server: scheme, host and port, no path. The request paths come from\nprincipalPathTemplate below and from what the server answers.\nThe run command can point one run elsewhere with its server option.'),
          ),
        ),
      ),
      'The CalDAV server under test. A pod is one server; for a service spread\nover several, add PodB and so on, and give each account its pod in a\nsixth column of accounts.csv (podID, after guid).',
    ),
    entry(
      'principalPathTemplate',
      principalPath,
      'Where a user\'s principal is on the server; %s is replaced by the uid\nfrom accounts.csv. The OS X 10.11 clients first ask /.well-known/caldav\nand, if it leads nowhere, use this path. It differs between servers, e.g.\n  CalendarServer, loadsim serve   /principals/users/%s/\n  Nextcloud                       /remote.php/dav/principals/users/%s/\n  SOGo                            /SOGo/dav/%s/\n  Radicale                        /%s/',
    ),
    entry(
      'accounts',
      dict(entry('loader', 'recordsFromCSVFile'), entry('params', dict(entry('path', 'accounts.csv', 'relative to this file')))),
      'Who the simulated users are: one line each in accounts.csv,\nuid,password,commonName,email. They must exist on the server with these\npasswords; replace the placeholder passwords before the first run.',
    ),
    entry(
      'arrival',
      dict(
        entry('factory', 'SmoothRampUp'),
        entry(
          'params',
          dict(
            entry('groups', r.groups, 'how many groups of users arrive'),
            entry('groupSize', r.groupSize, 'users in each group'),
            entry('interval', r.interval, 'seconds between groups'),
            entry('clientsPerUser', 1, 'clients (devices) each user runs; 2 gives every user two Macs'),
          ),
        ),
      ),
      `When the users start: ${describeRamp(r)}.\ngroups × groupSize may not exceed the accounts in accounts.csv: for more\nload, add accounts and raise groups or groupSize.`,
    ),
    entry(
      'observers',
      [
        dict(entry('type', 'ReportStatistics'), entry('params', dict(entry('failCutoff', new Real(1), 'percent of failed requests that fails a request label, and the run')))),
        dict(
          entry('type', 'OperationLogger'),
          entry(
            'params',
            dict(
              entry('lagCutoff', new Real(1), 'seconds of median scheduling lag that fails an operation'),
              entry('failCutoff', new Real(1), 'percent of failed operations that fails an operation label'),
            ),
          ),
        ),
      ],
      'What reports on the run. ReportStatistics prints a table per request\n(PROPFIND{principal}, PUT{event}, ...) and the verdict: PASS, or FAIL and\nexit 1. OperationLogger prints a line per user operation and a table with\nscheduling lag. Either takes thresholdsPath, a thresholds.json of\nresponse-time limits per label.',
    ),
    entry('tlsVerify', h.tlsVerify, 'Verify the server\'s TLS certificate. false accepts a self-signed one\n(the run command\'s insecure option does the same for one run).'),
    entry('requestTimeout', h.requestTimeoutSeconds, 'Seconds a request may take, headers and body, before it counts as failed.'),
    entry('maxResponseBytes', h.maxResponseBytes, `The largest response body read (${h.maxResponseBytes / 1048576} MiB); a bigger one is a failed request.`),
    entry(
      'connectionModel',
      h.connectionModel,
      'How the clients\' requests map onto TCP connections:\n  per-client   each client its own keep-alive connections, as a real Mac (default)\n  per-request  a new connection per request, as the original simulator\n  shared-pool  all clients share connectionsPerServer connections',
    ),
    entry('connectionsPerClient', h.connectionsPerClient, 'per-client: connections one client may open to the server'),
    entry('connectionsPerServer', h.connectionsPerServer, 'shared-pool: connections to the server in all'),
    entry('keepAliveTimeout', h.keepAliveSeconds, 'Seconds before an idle connection is closed, or sooner if the server says so.'),
    entry(
      'clientStartupRetry',
      dict(
        entry('initialSeconds', s.initialSeconds),
        entry('multiplier', s.multiplier),
        entry('maxSeconds', s.maxSeconds),
        entry('jitter', s.jitter),
        entry('maxAttempts', s.maxAttempts),
      ),
      'How a client whose startup failed (server down, login refused) tries again:\nafter initialSeconds, each wait multiplier times longer up to maxSeconds,\nup to jitter (a fraction) sooner at random; maxAttempts 0 = until the run\nends, 1 = never again.',
    ),
  );
  return plistDocument(header, root);
}

export function clientsPlist(): string {
  const normal = (mu: number, sigma: number) => dict(entry('type', 'NormalDistribution'), entry('params', dict(entry('mu', mu), entry('sigma', sigma))));
  const kind = dict(
    entry('software', 'OS_X_10_11', 'The client model: Calendar on OS X 10.11 (El Capitan). Others: OS_X_10_7,\nOS_X_10_6, iOS_5.'),
    entry(
      'params',
      dict(
        entry('title', 'mac', 'its name in the reports'),
        entry('calendarHomePollInterval', 60, 'Seconds between polls of the calendar home. A real Mac without push\npolls every 5 or 15 minutes (300, 900); shorter polls load the server more.'),
        entry('supportPush', false, 'Push: only CalendarServer offers the Apple push these clients know;\nwithout it they poll, as here.'),
        entry('supportAmpPush', false),
        entry('unauthenticatedPercentage', 30, 'Percent of requests first sent without credentials (answered 401, then\nsent again with them), as real clients do.'),
      ),
    ),
    entry(
      'profiles',
      [
        dict(
          entry('class', 'Eventer', 'Creates an event on one of the user\'s calendars every interval seconds.'),
          entry(
            'params',
            dict(
              entry('interval', 120),
              entry('fileAttachPercentage', 0, 'Percent of new events with an attachment; managed attachments\n(RFC 8607) work on CalendarServer only, so none here.'),
            ),
          ),
        ),
        dict(
          entry('class', 'Accepter', 'Accepts the invitations that arrive in the user\'s inbox.'),
          entry('params', dict(entry('acceptDelayDistribution', normal(300, 60), 'seconds before accepting: normal, mean mu, deviation sigma'))),
        ),
        dict(
          entry('class', 'Inviter', 'Creates events with other users of accounts.csv as attendees.'),
          entry(
            'params',
            dict(
              entry('sendInvitationDistribution', normal(600, 60), 'seconds between invitations'),
              entry(
                'inviteeDistribution',
                dict(entry('type', 'UniformIntegerDistribution'), entry('params', dict(entry('min', -5), entry('max', 6)))),
                'Which users are invited, relative to the inviter\'s place in accounts.csv\n(from min up to, not including, max).',
              ),
              entry('inviteeLookupPercentage', 50, 'percent of invitees looked up first (principal search, free-busy)'),
              entry('fileAttachPercentage', 0),
            ),
          ),
        ),
      ],
      'What each user does, each profile on its own schedule. Add enabled\nfalse to a profile\'s params to switch it off; the README lists the others\n(Tasker, TitleChanger, CalendarSharer, ...).',
    ),
    entry('weight', 1, 'This kind\'s share of the clients. For a mix add a second kind, e.g.\nsoftware iOS_5, with a weight of its own.'),
  );
  const header = [
    'The clients loadsim simulates, written by loadsim init: one kind, Calendar',
    'on OS X 10.11, whose users create events, invite each other and accept',
    'the invitations. Intervals are seconds.',
  ].join('\n');
  return plistDocument(header, dict(entry('clients', [kind])));
}

/** The CSV loader's comment lines: one field only (no comma, no quote), starting with #. */
export function accountsCsv(server: string, users: number): string {
  const lines = [
    `# The users loadsim signs in as on ${server}: one line each.`,
    '# Columns: uid   password   commonName   email   [guid   [podID]]',
    '# They must exist on the server: replace the placeholder passwords',
    `# (${PLACEHOLDER_PASSWORD}) with theirs and the emails with their calendar addresses.`,
    '# Lines starting with # are ignored.',
  ];
  for (const l of lines) if (l.includes(',') || l.includes('"')) throw new Error(`internal: a CSV comment line may not hold a comma or quote: ${l}`);
  for (let i = 1; i <= users; i++) {
    const uid = uidOf(i);
    lines.push(`${uid},${PLACEHOLDER_PASSWORD},User ${String(i).padStart(2, '0')},${uid}@example.com`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------

const FILES = ['config.plist', 'clients.plist', 'accounts.csv'] as const;

/** A path for a shell command line, quoted when it needs to be. */
const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** `loadsim init`: write the three files (none if any exists, unless --force) and say what to do next. */
export function initCommand(flags: InitFlags, cwd: string, out: (s: string) => void): void {
  const server = checkServer(flags.server);
  const users = checkUsers(flags.users);
  const principalPath = checkPrincipalPath(flags['principal-path']);
  const dirShown = flags.dir ?? '.';
  if (dirShown.trim() === '') throw new UsageError('--dir: expected a folder, got ""');
  const dir = path.resolve(cwd, dirShown);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--dir ${dirShown}: not a folder`);
  const shown = (f: string) => path.join(dirShown, f);
  if (!flags.force) {
    const existing = FILES.filter((f) => existsSync(path.join(dir, f)));
    if (existing.length) {
      throw new UsageError(`init: ${existing.map(shown).join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (--force overwrites)`);
    }
  }
  const texts: Record<(typeof FILES)[number], string> = {
    'config.plist': configPlist(server, principalPath, users),
    'clients.plist': clientsPlist(),
    'accounts.csv': accountsCsv(server, users),
  };
  try {
    mkdirSync(dir, { recursive: true });
    // Without --force, `wx`: a file that appeared since the check is not overwritten either.
    for (const f of FILES) writeFileSync(path.join(dir, f), texts[f], { flag: flags.force ? 'w' : 'wx' });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new OutputError(`init: cannot write in ${dirShown}: ${err.code === 'EEXIST' ? `${path.basename(err.path ?? '')} appeared meanwhile` : err.message}`);
  }
  const r = rampFor(users);
  const config = shellWord(shown('config.plist'));
  const clients = shellWord(shown('clients.plist'));
  const last = uidOf(users);
  out(`loadsim init: a starter configuration for ${server}`);
  out(`  ${shown('config.plist')}   the server, principal path ${principalPath}, ${plural(users, 'user')}: ${describeRamp(r)}`);
  out(`  ${shown('clients.plist')}  one client kind, Calendar on OS X 10.11: Eventer, Accepter, Inviter`);
  out(`  ${shown('accounts.csv')}   ${users === 1 ? 'user01' : `user01…${last}`}, password ${PLACEHOLDER_PASSWORD}; columns uid,password,commonName,email`);
  out('');
  out('Next:');
  out(`  1. Edit ${shown('accounts.csv')}: accounts that exist on the server, with their real`);
  out('     passwords and calendar email addresses (# lines are comments).');
  out(`  2. Check the principal path: user01's would be ${server}${principalPath.replace('%s', 'user01')}`);
  out(`  3. loadsim validate --config ${config} --clients ${clients}`);
  out(`  4. loadsim run --config ${config} --clients ${clients} --runtime 300`);
}
