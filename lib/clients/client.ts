import { STATUS_CODES } from 'node:http';
import ICAL from 'ical.js';
// The invitations a client reads convert times in their VTIMEZONE: expansions shared (lib/ical/shared-timezone-expansion.ts).
import '../ical/shared-timezone-expansion.js';
import { AuthSession } from '../caldav/auth.js';
import * as bodies from '../caldav/bodies.js';
import type { DavChannel, DavHttp, DavResult } from '../caldav/http.js';
import { parseMultistatus, propsOk, type Multistatus } from '../caldav/multistatus.js';
import type { Clock, Timer } from '../core/clock.js';
import type { ClientIdentity, EmitEvent } from '../core/events.js';
import type { AccountRecord } from '../core/account-record.js';
import type { Random } from '../core/random.js';
import { startupRetryDefaults, startupRetryDelayMs, type StartupRetryPolicy } from './startup-retry.js';
import { NS, clark } from '../xml/namespaces.js';
import { childrenNamed, parseXml, textOf, type XmlElement } from '../xml/parse.js';
import type { AmpPushHub } from './amp-push-hub.js';
import { loadClientState, saveClientState } from './serialization.js';
import { sizeSuffix, type ModelBehaviour } from './models.js';
import { ClientState, componentList, keptOr, type CalendarState } from './state.js';
import { flatString } from '../core/flat-string.js';
import type { CalendarClient, RequestSpec } from './calendar-client.js';
import { randomUuid } from '../core/random-uuid.js';
import type { Generation } from '../params/generation.js';

/** The client's parameters from clients.plist (the original's ical.py). */
export interface ClientParams {
  title?: string;
  /** Seconds between polls. */
  calendarHomePollInterval: number;
  supportPush: boolean;
  supportAmpPush: boolean;
  ampPushHosts?: string[];
  ampPushPort: number;
  /** Percent of requests first sent without credentials. */
  unauthenticatedPercentage: number;
}

export const clientParamsDefaults: ClientParams = { calendarHomePollInterval: 900, supportPush: true, supportAmpPush: true, ampPushPort: 62311, unauthenticatedPercentage: 30 };

export interface ClientOptions {
  model: ModelBehaviour;
  params: Partial<ClientParams>;
  record: AccountRecord;
  /** The pod's base URI, e.g. https://localhost:8443 */
  serverUri: string;
  principalPathTemplate: string;
  http: DavHttp;
  clock: Clock;
  /** This client's own stream. */
  random: Random;
  emit: EmitEvent;
  /** Position among the clients made in one arrival (the original's instanceNumber). */
  instanceNumber: number;
  /** The AMP push hub of this client's push host, when push is in play. */
  push?: AmpPushHub;
  /** Folder where this client's state is saved at stop and restored at start (clientDataSerialization). */
  dataFolder?: string;
  /** How a failed startup is tried again (default `startupRetryDefaults`). */
  startupRetry?: StartupRetryPolicy;
  /** The reference generation reproduced (absent: master); see lib/params/generation.ts. */
  generation?: Generation;
}

/** A response with a status the client did not expect: the operation fails, the client carries on. */
export class IncorrectResponseCode extends Error {
  readonly code = 'LOADSIM_INCORRECT_RESPONSE';
  constructor(
    readonly label: string,
    readonly status: number,
    readonly expected: readonly number[],
    detail?: string,
  ) {
    // An expected status with a body that could not be used (a cut or malformed multistatus) says what was wrong with it.
    const what = status === 0 ? detail ?? 'no response' : expected.includes(status) ? `status ${status} but ${detail ?? 'an unusable body'}` : `unexpected status ${status}`;
    super(`${label}: ${what} (expected ${describeStatuses(expected)})`);
  }
}

/** `207 or 301 or 302`; a discovery request's hundreds of statuses as what they leave out: `any status but 401`. */
function describeStatuses(statuses: readonly number[]): string {
  if (statuses.length < 400) return statuses.join(' or ');
  return `any status but ${ALL_STATUSES.filter((x) => !statuses.includes(x)).join(', ')}`;
}

const XML_TYPE = 'text/xml; charset=utf-8';
const CAL_TYPE = 'text/calendar; charset=utf-8';
const SEARCH_PREFIXES = ['chris', 'cyru', 'dre', 'eric', 'morg', 'well', 'wilfr', 'witz'];
/**
 * Statuses of a PUT that replaces an existing resource: 204 (what CalendarServer answers), or 412
 * (If-Match / If-Schedule-Tag-Match failed: the caller re-fetches). 200 and 201 are successes too,
 * as for Apple's clients: Radicale 3 answers 201 Created to every PUT, replacements included.
 */
const UPDATE_OK: readonly number[] = [200, 201, 204, 412];
/** Labels of a calendar's sync-collection: 2013's names (ical.py _updateCalendar_SYNC at 2013), and master's for every model. */
const SYNC_LABELS_2013 = { initial: 'REPORT{sync-init}', incremental: 'REPORT{sync}' } as const;
const SYNC_LABELS_MASTER = { initial: 'REPORT{sync-coll-init}', incremental: 'REPORT{sync-coll}' } as const;
/**
 * Every HTTP status but 401: a discovery request whose answer, whatever it is, leads to the next
 * step. A 401 after credentials is the user's password refused, which no fallback mends (a real
 * client asks for the password): that fails the request and the startup.
 */
const ALL_STATUSES: readonly number[] = Array.from({ length: 500 }, (_, i) => i + 100);
const ANY_STATUS: readonly number[] = ALL_STATUSES.filter((s) => s !== 401);
/** Redirects a discovery request follows (the original: 301 and 302; RFC 6764 §5 allows any). */
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** A refusal of the notification collection: the server does not have one (see notificationsRefusedBy). */
const NOTIFICATIONS_REFUSED: ReadonlySet<number> = new Set([403, 404, 405, 501]);
const NOTIFICATIONS_EXPECT: readonly number[] = [207, ...NOTIFICATIONS_REFUSED];
/** A refusal of a calendar's sync-collection REPORT (Xandikos answers 400 to a body without DAV:sync-level, as 10.7's is). */
const SYNC_REFUSED: ReadonlySet<number> = new Set([400, 403, 405, 501]);
const SYNC_EXPECT: readonly number[] = [207, ...SYNC_REFUSED];
const statusText = (status: number) => `${status} ${STATUS_CODES[status] ?? ''}`.trim();
const utcStamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/**
 * The params of every client made from one `params` object, merged once and
 * shared (read-only): with a copy each, every client also had hidden classes
 * of its own (an object built by spreads gets a map per object), about 1 KB a
 * client in all.
 */
const MERGED_PARAMS = new WeakMap<Partial<ClientParams>, ClientParams>();

function mergedParams(given: Partial<ClientParams>): ClientParams {
  let merged = MERGED_PARAMS.get(given);
  if (!merged) MERGED_PARAMS.set(given, (merged = Object.freeze({ ...clientParamsDefaults, ...given })));
  return merged;
}

/**
 * The headers a model sends on every request, made once per model, title and
 * instance number and shared (read-only) by the clients that have them: the
 * User-Agent alone is some 70 characters a client otherwise.
 */
const MODEL_HEADERS = new WeakMap<ModelBehaviour, Map<string, Readonly<Record<string, string>>>>();

function modelHeaders(model: ModelBehaviour, title: string, instanceNumber: number): Readonly<Record<string, string>> {
  let byInstance = MODEL_HEADERS.get(model);
  if (!byInstance) MODEL_HEADERS.set(model, (byInstance = new Map()));
  const key = `${title}\u0000${instanceNumber}`;
  let headers = byInstance.get(key);
  if (!headers) byInstance.set(key, (headers = Object.freeze({ 'User-Agent': `${model.userAgent} ${title} ${instanceNumber}`, ...model.extraHeaders })));
  return headers;
}

/**
 * One simulated Apple calendar client for one user: discovery, polling and
 * syncing as the real one does (the original's ical.py), and the write API that profiles
 * call. Every request is labelled as the original labels it.
 */
export class CalDAVClient implements CalendarClient {
  readonly model: ModelBehaviour;
  readonly params: ClientParams;
  readonly record: AccountRecord;
  readonly identity: ClientIdentity;
  readonly title: string;
  readonly state = new ClientState();
  /** True once startup finished; profiles act only after it. */
  started = false;
  stopped = false;
  private readonly auth: AuthSession;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly origin: string;
  /** This client's own connections to its server (used when the connection model is per-client). */
  private readonly channel: DavChannel;
  private readonly listeners = new Set<(href: string) => void>();
  private polling = false;
  private pollTimer: Timer | undefined;
  /** The wait before the next startup attempt, and how to cut it short at a stop. */
  private retryWait: { timer: Timer; wake: () => void } | undefined;
  /** Startup attempts that failed, and the last one's reason (a client that never started says why). */
  startupFailures = 0;
  lastStartupError: string | undefined;
  private nextPollDue = 0;
  /** Notices already emitted (made at the first: most clients never have one). */
  private noticed: Set<string> | undefined;

  constructor(private readonly o: ClientOptions) {
    this.model = o.model;
    this.params = mergedParams(o.params);
    this.record = o.record;
    this.title = this.params.title ?? o.model.defaultTitle;
    this.identity = { user: o.record.uid, clientId: flatString(randomUuid(o.random)), clientType: `${this.title} ${o.instanceNumber}` };
    this.auth = new AuthSession(o.record.uid, o.record.password);
    this.headers = modelHeaders(o.model, this.title, o.instanceNumber);
    this.origin = o.serverUri.replace(/\/+$/, '');
    this.channel = o.http.channel();
  }

  // ---- events and requests ----------------------------------------------------------------

  /** Profiles subscribe: called with the href of every resource whose data was (re)fetched. */
  onEventChanged(listener: (href: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(href: string): void {
    for (const l of this.listeners) {
      try {
        l(href);
      } catch {
        // A profile's bug must not break the client's poll.
      }
    }
  }

  private path(hrefOrPath: string): string {
    if (/^https?:/.test(hrefOrPath)) {
      const u = new URL(hrefOrPath);
      return u.pathname + u.search;
    }
    return hrefOrPath;
  }

  /** Send one labelled request; a status outside `expect` throws IncorrectResponseCode (the response event is already counted). */
  async request(label: string, method: string, hrefOrPath: string, spec: RequestSpec): Promise<DavResult> {
    const headers: Record<string, string> = { ...(spec.headers ?? {}) };
    if (spec.depth) headers.Depth = spec.depth;
    if (spec.body !== undefined) headers['Content-Type'] = spec.contentType ?? XML_TYPE;
    const unauthenticatedFirst = this.params.unauthenticatedPercentage > 0 && this.o.random.next() * 100 < this.params.unauthenticatedPercentage;
    const result = await this.o.http.request(
      { label, method, path: this.path(hrefOrPath), headers, ...(spec.body !== undefined ? { body: spec.body } : {}), expect: spec.expect, ...(spec.multistatus ? { multistatus: true } : {}) },
      { identity: this.identity, channel: this.channel, auth: this.auth, headers: this.headers, emit: this.o.emit, unauthenticatedFirst },
    );
    if (!result.ok) throw new IncorrectResponseCode(label, result.status, spec.expect, result.error);
    return result;
  }

  private async multistatus(label: string, method: string, href: string, spec: RequestSpec): Promise<Multistatus> {
    return msOf(await this.request(label, method, href, { ...spec, multistatus: true }));
  }

  /**
   * A client-level operation (startup, poll, push, download): start and end
   * events; an unexpected status or a malformed answer ends it unsuccessfully
   * and the client carries on. Other errors are the client's failure.
   */
  async operation<T>(label: string, fn: () => Promise<T>, lagMs?: number): Promise<T | undefined> {
    const t0 = this.o.clock.monotonic();
    this.o.emit({ type: 'operation', phase: 'start', label, ...(lagMs !== undefined ? { lagMs } : {}), ...this.identity, at: this.o.clock.now() });
    try {
      const value = await fn();
      this.o.emit({ type: 'operation', phase: 'end', label, success: true, durationMs: this.o.clock.monotonic() - t0, ...this.identity, at: this.o.clock.now() });
      return value;
    } catch (e) {
      this.o.emit({ type: 'operation', phase: 'end', label, success: false, reason: (e as Error).message, durationMs: this.o.clock.monotonic() - t0, ...this.identity, at: this.o.clock.now() });
      return undefined;
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------

  /** Startup, the first poll, then polling every calendarHomePollInterval seconds. */
  async run(): Promise<void> {
    // A failed startup is tried again after a backoff (startup-retry.ts); each attempt is its
    // own `startup` operation, so the report counts every one that failed.
    const policy = this.o.startupRetry ?? startupRetryDefaults;
    while (!(await this.startup())) {
      if (this.stopped) return;
      this.startupFailures++;
      const delay = startupRetryDelayMs(policy, this.startupFailures, this.o.random);
      if (delay === undefined) throw new Error(`startup failed ${this.startupFailures} time${this.startupFailures > 1 ? 's' : ''}: ${this.lastStartupError ?? 'unknown reason'}`);
      await this.sleep(delay);
      if (this.stopped) return;
      // Start afresh, as a client relaunched: nothing half-learnt from the failed attempt is kept.
      this.state.clear();
    }
    if (this.stopped) return;
    // Push instead of polling as the original decides (ical.py BaseAppleClient.run, 2013 and
    // master alike): with supportAmpPush, a calendar home that carries a CS:pushkey is enough.
    // CS:push-transports is not read: CalendarServer lists only its APSD (Apple push) transport
    // there, never AMP, and gives the pushkey whenever AMP or APNS is on (twistedcaldav/resource.py
    // CommonHomeResource.readProperty). supportPush selects XMPP, which needs the home's
    // xmpp-server / xmpp-uri; no CalendarServer of either revision sends them, and XMPP is not
    // implemented here. Unlike the original, which then waited for notifications that could
    // never come, a subscription that fails (the push host unreachable) falls back to polling.
    // Master's _poll also subscribes every poll whatever supportAmpPush says; here
    // supportAmpPush false means polling only, as run() and the 2013 client have it.
    if (this.params.supportAmpPush && this.o.push && this.state.pushKey) {
      if (await this.o.push.subscribe(this.state.pushKey, this.onPush)) {
        this.pushing = true;
        return;
      }
    }
    this.nextPollDue = this.o.clock.monotonic();
    this.schedulePoll();
  }

  /** Waiting for push notifications rather than polling. */
  pushing = false;

  /** A notification for the home: poll it now, as operation `push`; one arriving mid-poll is dropped, as the original. */
  private readonly onPush = (): void => {
    if (!this.stopped && !this.polling) void this.poll(false, 'push');
  };

  stop(): void {
    if (this.o.dataFolder && this.started && !this.stopped) {
      try {
        saveClientState(this.o.dataFolder, this.state);
      } catch {
        // A full disk must not break the stop; the next run starts afresh.
      }
    }
    this.stopped = true;
    this.pollTimer?.cancel();
    if (this.retryWait) {
      this.retryWait.timer.cancel();
      this.retryWait.wake();
    }
    if (this.pushing) this.o.push?.unsubscribe(this.state.pushKey, this.onPush);
  }

  /** Wait on the clock; a stop ends the wait at once. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.retryWait = undefined;
        resolve();
      };
      this.retryWait = { timer: this.o.clock.setTimer(ms, wake), wake };
    });
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    // Fixed rate, like the original's LoopingCall: a slow poll does not push the next one back.
    const interval = this.params.calendarHomePollInterval * 1000;
    const now = this.o.clock.monotonic();
    this.nextPollDue += interval;
    if (this.nextPollDue < now) this.nextPollDue = now + interval - ((now - this.nextPollDue) % interval);
    this.pollTimer = this.o.clock.setTimer(this.nextPollDue - now, (lagMs) => {
      void this.poll(false, 'poll', lagMs).finally(() => this.schedulePoll());
    });
  }

  /**
   * Discovery and principal details as operation `startup`, then the first poll. A restored
   * state skips discovery (its principal is known) and the first-start requests, but asks the
   * principal's details and the search property set again, as master's clients do.
   */
  async startup(): Promise<boolean> {
    const restored = !!this.o.dataFolder && loadClientState(this.o.dataFolder, this.state);
    const ok = await this.operation('startup', async () => {
      try {
        if (!restored) await this.discover();
        await this.principalDetails();
        return true;
      } catch (e) {
        this.lastStartupError = (e as Error).message;
        throw e;
      }
    });
    if (!ok) return false;
    await this.poll(!restored || (!this.state.homeToken && this.state.calendars.size === 0));
    this.started = true;
    return true;
  }

  /**
   * Find the principal URL, as Apple's clients do and RFC 6764 §6 describes. A model that
   * uses the well-known URI PROPFINDs `/.well-known/caldav/` and follows one redirect (the
   * original: ical.py BaseAppleClient._startupPropfindWellKnown). Any answer that names no
   * principal (404, 500, a web page, a 207 without DAV:current-user-principal) sends the
   * client on to the path it was configured with (`principalPathTemplate`), as a real client
   * falls back to the context path its user typed. The well-known request therefore expects
   * any HTTP status but 401 (a refused password, which no fallback mends): only that, or no
   * answer at all, fails it. The original accepted 207, 301 and 302 only and stopped there.
   *
   * At the configured path, DAV:principal-URL (then DAV:current-user-principal) names the
   * principal. When the path names none (a 207 naming none, or 404: a server whose principals
   * are not per-uid paths, or one with a single principal), the client asks the server root for
   * DAV:current-user-principal, once, unless the redirect already led there.
   */
  private async discover(): Promise<void> {
    const s = this.state;
    const asked = new Set<string>();
    if (this.model.discovery === 'well-known') {
      let href = '/.well-known/caldav/';
      let r = await this.request('PROPFIND{well-known}', 'PROPFIND', href, { body: bodies.DISCOVERY_PROPFIND, depth: '0', expect: ANY_STATUS });
      if (REDIRECTS.has(r.status) && r.headers.location !== undefined) {
        href = this.redirectTarget(String(r.headers.location));
        if (href) r = await this.request('PROPFIND{well-known}', 'PROPFIND', href, { body: bodies.DISCOVERY_PROPFIND, depth: '0', expect: ANY_STATUS });
      }
      if (href) asked.add(href);
      const principal = principalIn(r, 'current-user-principal');
      if (principal) {
        s.principalURL = flatString(principal);
        return;
      }
      this.notice(`PROPFIND{well-known} answered ${describeAnswer(r)}: clients went on to principalPathTemplate`);
    }
    const path = this.o.principalPathTemplate.replace('%s', encodeURIComponent(this.record.uid));
    const atRoot = path === '/' || asked.has('/');
    const r = await this.request('PROPFIND{find-principal}', 'PROPFIND', path, { body: bodies.DISCOVERY_PROPFIND, depth: '0', expect: atRoot ? [207] : [207, 404] });
    const principal = principalIn(r, 'principal-URL');
    if (principal) {
      s.principalURL = flatString(principal);
      return;
    }
    // A resource that is there (it answered some property) but names no principal is taken
    // for the principal itself, as loadsim always did (the original failed on it).
    if (r.status === 207 && answeredAny(r)) {
      s.principalURL = flatString(path);
      return;
    }
    if (atRoot) throw new Error(`no principal found: PROPFIND ${path} answered ${describeAnswer(r)}`);
    const root = await this.request('PROPFIND{find-principal}', 'PROPFIND', '/', { body: bodies.DISCOVERY_PROPFIND, depth: '0', expect: [207] });
    const fromRoot = principalIn(root, 'current-user-principal');
    if (!fromRoot) throw new Error(`no principal found: PROPFIND ${path} answered ${describeAnswer(r)}; PROPFIND / answered ${describeAnswer(root)}`);
    s.principalURL = flatString(fromRoot);
    this.notice(`principalPathTemplate ${this.o.principalPathTemplate} named no principal (${describeAnswer(r)}): clients found theirs through current-user-principal at /`);
  }

  /** The path a discovery redirect points to, when it is on this client's server; '' otherwise. */
  private redirectTarget(location: string): string {
    try {
      const u = new URL(location, this.origin + '/');
      return u.origin === new URL(this.origin).origin ? u.pathname + u.search : '';
    } catch {
      return '';
    }
  }

  private async principalDetails(): Promise<void> {
    const s = this.state;
    let ms = await this.multistatus('PROPFIND{principal}', 'PROPFIND', s.principalURL, { body: this.model.principalPropfind, depth: '0', expect: [207] });
    let props = ms.responses[0] ? propsOk(ms.responses[0]) : new Map<string, XmlElement>();
    // A principal URL that was only a guess (the configured path) may name the real principal
    // in DAV:current-user-principal: follow it once (a single-principal server answers so).
    const current = hrefIn(props.get(clark(NS.DAV, 'current-user-principal')));
    if (!props.has(clark(NS.CALDAV, 'calendar-home-set')) && current && ensureSlash(current) !== ensureSlash(s.principalURL)) {
      s.principalURL = flatString(current);
      ms = await this.multistatus('PROPFIND{principal}', 'PROPFIND', s.principalURL, { body: this.model.principalPropfind, depth: '0', expect: [207] });
      props = ms.responses[0] ? propsOk(ms.responses[0]) : new Map<string, XmlElement>();
    }
    s.homeHref = flatString(ensureSlash(hrefIn(props.get(clark(NS.CALDAV, 'calendar-home-set'))) ?? ''));
    if (!s.homeHref) throw new Error(`the principal has no calendar-home-set: PROPFIND ${s.principalURL} answered ${describeProps(ms)}`);
    s.outboxHref = flatString(hrefIn(props.get(clark(NS.CALDAV, 'schedule-outbox-URL'))) ?? '');
    s.inboxHref = flatString(hrefIn(props.get(clark(NS.CALDAV, 'schedule-inbox-URL'))) ?? '');
    s.notificationHref = s.notificationsRefused ? '' : flatString(ensureSlash(hrefIn(props.get(clark(NS.CS, 'notification-URL'))) ?? ''));
    s.principalCollection = flatString(hrefIn(props.get(clark(NS.DAV, 'principal-collection-set'))) ?? '');
    const addresses = hrefsIn(props.get(clark(NS.CALDAV, 'calendar-user-address-set'))).map(flatString);
    s.email = addresses.find((a) => a.toLowerCase().startsWith('mailto:')) ?? '';
    s.uuid = addresses.find((a) => a.startsWith('urn:x-uid:')) ?? addresses.find((a) => a.startsWith('urn:uuid:')) ?? '';
    // The original refused any server without a mailto: address. Apple's clients only need one to
    // schedule, so only a server that schedules (it names an outbox) without one is refused;
    // Radicale (address-set `/user01/`, no outbox) is used without scheduling, as Calendar does.
    if (!s.email && s.outboxHref) throw new Error('Cannot operate without a mail-style principal URL');
    // 200 per RFC 3744 §9.5; Radicale answers an empty 207 multistatus. The client ignores the
    // answer either way, so 207 is not counted as a failure.
    if (s.principalCollection) await this.request('REPORT{pset}', 'REPORT', s.principalCollection, { body: bodies.PSET_REPORT, depth: '0', expect: [200, 207] });
  }

  // ---- polling ----------------------------------------------------------------------------

  /**
   * One poll of the calendar home, as operation `poll` (or `push`). Never two
   * at once; and, unlike the original (ical.py BaseAppleClient._poll), a failed poll does not
   * leave the guard set, so the next one runs.
   */
  async poll(firstTime = false, label: 'poll' | 'push' = 'poll', lagMs?: number): Promise<boolean> {
    if (this.polling || this.stopped || !this.state.homeHref) return false;
    this.polling = true;
    try {
      // A timed poll carries how late its timer ran: the generator's own health.
      return (await this.operation(label, () => this.pollHome(firstTime), lagMs)) ?? false;
    } finally {
      this.polling = false;
    }
  }

  private async pollHome(firstTime: boolean): Promise<boolean> {
    const s = this.state;
    const m = this.model;
    let listing: Multistatus | undefined;
    let incremental = false;
    if (m.homeSync && s.homeToken && !firstTime) {
      // 403 (DAV:valid-sync-token) is the protocol's answer to a token the server no longer
      // knows (a restored client, a server that forgot): an expected answer, not a failed request,
      // as the original allowed it too. The home is then listed in full (the original crashed here).
      const r = await this.request('REPORT{sync-home}', 'REPORT', s.homeHref, {
        body: bodies.syncCollection(s.homeToken, m.homeSyncProps ?? m.homeProps, '1'),
        depth: '1',
        expect: [207, 403],
        multistatus: true,
      });
      if (r.status === 207) {
        listing = msOf(r);
        incremental = true;
      }
    }
    listing ??= await this.multistatus('PROPFIND{home}', 'PROPFIND', s.homeHref, { body: bodies.homePropfind(m.homeProps), depth: '1', expect: [207] });
    const seen = this.readHome(listing, incremental);
    if (listing.syncToken) s.homeToken = flatString(listing.syncToken);

    if (firstTime) {
      for (const cal of s.calendars.values()) {
        if (cal.kind === 'inbox') continue;
        for (const body of m.firstTimeProppatches) await this.request('PROPPATCH{calendar}', 'PROPPATCH', cal.href, { body, expect: [200, 207] });
      }
    }

    for (const [href, token] of seen) {
      const cal = s.calendars.get(href);
      if (!cal || cal.token === token) continue;
      // Master's clients (ical.py BaseAppleClient._poll): a calendar first seen at the first poll is
      // synced for its token only, none of its events fetched; later polls fetch what changed.
      // 2013's fetched everything at once. PROPFIND polling (10.6) always fetches.
      await this.updateCalendar(cal, token, !(firstTime && this.o.generation !== '2013'));
    }
    if (m.inboxPropfind && this.o.instanceNumber === 0 && s.inboxHref) {
      await this.request('PROPFIND{inbox}', 'PROPFIND', s.inboxHref, { body: bodies.CALENDAR_LIST_PROPFIND.other, depth: '1', expect: [207] });
    }
    if (s.notificationHref) {
      // 2013's client forgot the notification URL it was given (ical.py _extractPrincipalDetails at 2013): no PROPFINDs.
      if (!m.notificationSync) {
        if (this.o.generation !== '2013') await this.pollNotificationsByPropfind();
      }
      // 10.11 syncs notifications only when the home listing shows their token moved.
      else if (seen.has(s.notificationHref) && seen.get(s.notificationHref) !== s.notificationToken) await this.syncNotifications();
    }
    if (firstTime && m.firstTimeExpand) await this.request('REPORT{expand}', 'REPORT', s.principalURL, { body: m.firstTimeExpand, expect: [207] });
    return true;
  }

  /** Calendars and their change tokens from a home listing; drops vanished ones (unless incremental). */
  private readHome(ms: Multistatus, incremental: boolean): Map<string, string> {
    const s = this.state;
    const tokens = new Map<string, string>();
    const listed = new Set<string>();
    for (const resp of ms.responses) {
      const href = ensureSlash(resp.href);
      if (resp.status === 404) {
        if (incremental) {
          for (const e of s.eventsIn(href)) s.events.delete(e);
          s.calendars.delete(href);
        }
        continue;
      }
      const props = propsOk(resp);
      if (href === s.homeHref) {
        const sr = props.get(clark(NS.DAV, 'supported-report-set'));
        // 10.7 and later sync calendars only if the home lists sync-collection; else ctag polling.
        if (sr && this.model.calendarSync) s.syncSupported = !s.syncRefused && containsElement(sr, NS.DAV, 'sync-collection');
        s.pushKey = keptOr(s.pushKey, textOf(props.get(clark(NS.CS, 'pushkey'))));
        const homeToken = textOf(props.get(clark(NS.DAV, 'sync-token')));
        if (homeToken) s.homeToken = keptOr(s.homeToken, homeToken);
        // 10.11's home sync does not ask managed-attachments-server-URL: an incremental listing keeps the known one.
        const mau = props.get(clark(NS.CALDAV, 'managed-attachments-server-URL'));
        if (mau || !incremental) s.attachmentsUrl = keptOr(s.attachmentsUrl, hrefIn(mau) ?? textOf(mau));
        continue;
      }
      const rt = props.get(clark(NS.DAV, 'resourcetype'));
      const types = new Set((rt?.children ?? []).map((c) => clark(c.ns, c.name)));
      const token = this.tokenOf(props);
      if (types.has(clark(NS.CS, 'notification'))) {
        if (s.notificationsRefused) continue;
        s.notificationHref = keptOr(s.notificationHref, href);
        tokens.set(href, token);
        continue;
      }
      const kind = types.has(clark(NS.CALDAV, 'calendar')) ? 'calendar' : types.has(clark(NS.CALDAV, 'schedule-inbox')) ? 'inbox' : undefined;
      if (!kind) continue;
      listed.add(href);
      tokens.set(href, token);
      if (!s.calendars.has(href)) {
        const comps = childrenNamed(props.get(clark(NS.CALDAV, 'supported-calendar-component-set')), NS.CALDAV, 'comp').map((c) => (c.attrs.name ?? '').toUpperCase());
        const name = textOf(props.get(clark(NS.DAV, 'displayname'))) || href.split('/').filter(Boolean).pop() || href;
        const shared = [...types].some((t) => t.startsWith(`{${NS.CS}}shared`));
        const key = flatString(href);
        s.calendars.set(key, { href: key, name: flatString(name), kind, components: componentList(kind === 'inbox' ? [] : comps), token: '', shared, sharedByMe: types.has(clark(NS.CS, 'shared-owner')) });
      }
    }
    if (!incremental) {
      for (const href of [...s.calendars.keys()]) {
        if (listed.has(href)) continue;
        for (const e of s.eventsIn(href)) s.events.delete(e);
        s.calendars.delete(href);
      }
    }
    return tokens;
  }

  private tokenOf(props: Map<string, XmlElement>): string {
    const useSync = this.model.calendarSync && this.state.syncSupported;
    return textOf(props.get(useSync ? clark(NS.DAV, 'sync-token') : clark(NS.CS, 'getctag'))) || textOf(props.get(clark(NS.CS, 'getctag')));
  }

  /** Bring one calendar up to date: sync-collection, PROPFIND or (iOS 5) calendar-query; then fetch what changed. */
  private async updateCalendar(cal: CalendarState, newToken: string, fetchEvents = true): Promise<void> {
    const m = this.model;
    const s = this.state;
    let changed: string[] | undefined;
    if (m.calendarSync && s.syncSupported) changed = await this.syncCalendar(cal, fetchEvents);
    if (changed === undefined) {
      let ms: Multistatus;
      if (m.calendarQuery && cal.kind === 'calendar') {
        const vtodo = cal.components.includes('VTODO') && !cal.components.includes('VEVENT');
        const monthAgo = new Date(this.o.clock.now() - 31 * 86_400_000);
        const since = `${utcStamp(monthAgo).slice(0, 8)}T000000Z`;
        ms = await this.multistatus(vtodo ? 'REPORT{vtodo}' : 'REPORT{vevent}', 'REPORT', cal.href, { body: vtodo ? bodies.VTODO_QUERY : bodies.veventQuery(since), depth: '1', expect: [207] });
      } else {
        ms = await this.multistatus('PROPFIND{calendar}', 'PROPFIND', cal.href, { body: m.calendarListPropfind, depth: '1', expect: [207] });
      }
      changed = this.applyListing(cal, ms);
      cal.token = flatString(newToken);
    }
    await this.fetch(changed);
  }

  /** A full listing (PROPFIND or query): new and changed etags are fetched, vanished hrefs forgotten. */
  private applyListing(cal: CalendarState, ms: Multistatus): string[] {
    const s = this.state;
    const listed = new Set<string>();
    const changed: string[] = [];
    for (const resp of ms.responses) {
      if (ensureSlash(resp.href) === cal.href) continue;
      const etag = textOf(propsOk(resp).get(clark(NS.DAV, 'getetag')));
      if (!etag) continue;
      listed.add(resp.href);
      const known = s.events.get(resp.href);
      if (!known || known.etag !== etag) changed.push(resp.href);
    }
    for (const href of s.eventsIn(cal.href)) if (!listed.has(href)) s.events.delete(href);
    return changed;
  }

  /**
   * RFC 6578 sync of one calendar; an incremental sync refused with 403 falls back to a full one.
   * Undefined when the server refused sync altogether (the caller lists the calendar instead).
   * Without `fetchEvents` only the new token is kept: no event is learnt, none forgotten.
   */
  private async syncCalendar(cal: CalendarState, fetchEvents = true): Promise<string[] | undefined> {
    const s = this.state;
    const props = ['D:getetag', 'D:getcontenttype'];
    let full = cal.token === '';
    const labels = this.o.generation === '2013' ? SYNC_LABELS_2013 : SYNC_LABELS_MASTER;
    const label = full ? labels.initial : labels.incremental;
    let r = await this.request(label, 'REPORT', cal.href, { body: bodies.syncCollection(cal.token, props), depth: '1', expect: full ? SYNC_EXPECT : [207, 403], multistatus: true });
    if (full && SYNC_REFUSED.has(r.status)) {
      // The server lists sync-collection yet refuses this model's REPORT: the client polls as it
      // does a server without sync (ctag and a listing), and says so once.
      s.syncRefused = true;
      s.syncSupported = false;
      this.notice(`the server refused the calendar sync REPORT (${statusText(r.status)}): clients list calendars instead`);
      return undefined;
    }
    if (r.status === 403) {
      // The server no longer knows the token (DAV:valid-sync-token): start again from nothing.
      full = true;
      r = await this.request(labels.initial, 'REPORT', cal.href, { body: bodies.syncCollection('', props), depth: '1', expect: [207], multistatus: true });
    }
    const ms = msOf(r);
    const changed: string[] = [];
    const listed = new Set<string>();
    if (!fetchEvents) {
      if (ms.syncToken) cal.token = flatString(ms.syncToken);
      return changed;
    }
    for (const resp of ms.responses) {
      if (ensureSlash(resp.href) === cal.href) continue;
      if (resp.status === 404) {
        s.events.delete(resp.href);
        continue;
      }
      const etag = textOf(propsOk(resp).get(clark(NS.DAV, 'getetag')));
      if (!etag) continue;
      listed.add(resp.href);
      const known = s.events.get(resp.href);
      if (!known || known.etag !== etag) changed.push(resp.href);
    }
    if (full) for (const href of s.eventsIn(cal.href)) if (!listed.has(href)) s.events.delete(href);
    if (ms.syncToken) cal.token = flatString(ms.syncToken);
    return changed;
  }

  /** calendar-multiget in batches of the model's size; every resource fetched fires eventChanged. */
  private async fetch(hrefs: string[]): Promise<void> {
    const sorted = [...hrefs].sort();
    const size = this.model.multigetBatchSize;
    for (let i = 0; i < sorted.length; i += size) {
      const batch = sorted.slice(i, i + size);
      const cal = this.state.calendarOf(batch[0]!);
      if (!cal) continue;
      const ms = await this.multistatus(`REPORT{multiget-${sizeSuffix(batch.length)}}`, 'REPORT', cal.href, { body: bodies.multiget(batch), expect: [207] });
      for (const resp of ms.responses) {
        const props = propsOk(resp);
        const data = props.get(clark(NS.CALDAV, 'calendar-data'));
        if (!data) continue;
        const scheduleTag = textOf(props.get(clark(NS.CALDAV, 'schedule-tag')));
        this.state.events.set(flatString(resp.href), { etag: flatString(textOf(props.get(clark(NS.DAV, 'getetag')))), data: flatString(calendarText(data.text)), ...(scheduleTag ? { scheduleTag: flatString(scheduleTag) } : {}) });
        this.changed(resp.href);
      }
    }
  }

  /** 10.6, 10.7, iOS 5: the notification collection's tokens and items, every poll. */
  private async pollNotificationsByPropfind(): Promise<void> {
    const s = this.state;
    const r = await this.request('PROPFIND{notification}', 'PROPFIND', s.notificationHref, { body: bodies.CALENDAR_TOKEN_PROPFIND, depth: '0', expect: NOTIFICATIONS_EXPECT });
    if (this.notificationsRefusedBy(r)) return;
    await this.request('PROPFIND{notification-items}', 'PROPFIND', s.notificationHref, { body: bodies.NOTIFICATION_ITEMS_PROPFIND, depth: '1', expect: NOTIFICATIONS_EXPECT });
  }

  /**
   * A server without CalendarServer's notification collection, though it named one, answers
   * 403, 404, 405 or 501: the client stops asking for it, as Apple's clients stop using a
   * feature the server does not have, and says so once (a notice). Those answers are expected
   * statuses, not failed requests: the original counted every poll's refusal as a failure.
   */
  private notificationsRefusedBy(r: DavResult): boolean {
    if (!NOTIFICATIONS_REFUSED.has(r.status)) return false;
    this.state.notificationsRefused = true;
    this.state.notificationHref = '';
    this.notice(`the server refused the notification collection (${statusText(r.status)}): clients stopped asking for it`);
    return true;
  }

  /** Something this client learnt about its server and acts on from now on; the report lists each once, with how many clients saw it. */
  private notice(text: string): void {
    // Once per client, however often it relearns it (a relaunch after a failed startup clears its state).
    this.noticed ??= new Set();
    if (this.noticed.has(text)) return;
    this.noticed.add(text);
    this.o.emit({ type: 'notice', text, ...this.identity, at: this.o.clock.now() });
  }

  /**
   * 10.11: sync-collection of notifications, as master's: each one reported present is read;
   * then every share invitation awaiting an answer is accepted; then every reported
   * notification is deleted, those reported gone (404) too.
   */
  private async syncNotifications(): Promise<void> {
    const s = this.state;
    const props = ['CS:notificationtype', 'D:getetag'];
    const full = s.notificationToken === '';
    let r = await this.request(full ? 'REPORT{sync-notif-init}' : 'REPORT{sync-notif}', 'REPORT', s.notificationHref, {
      body: bodies.syncCollection(s.notificationToken, props, '1'),
      depth: '1',
      expect: NOTIFICATIONS_EXPECT,
      multistatus: true,
    });
    // 403 to an incremental sync is the protocol's "token no longer valid" (start again); to a full one, a refusal.
    if (r.status === 403 && !full) r = await this.request('REPORT{sync-notif-init}', 'REPORT', s.notificationHref, { body: bodies.syncCollection('', props, '1'), depth: '1', expect: NOTIFICATIONS_EXPECT, multistatus: true });
    if (this.notificationsRefusedBy(r)) return;
    const ms = msOf(r);
    const toDelete: string[] = [];
    const invites: ShareInvite[] = [];
    for (const resp of ms.responses) {
      if (ensureSlash(resp.href) === s.notificationHref) continue;
      toDelete.push(resp.href);
      if (resp.status !== undefined && (resp.status < 200 || resp.status > 299)) continue;
      const got = await this.request('GET{notification}', 'GET', resp.href, { expect: [200, 404] });
      if (got.status === 200) invites.push(...shareInvitesIn(got.body));
    }
    // The reply names the invitee as the notification does (its DAV:href), not the client's own address.
    for (const inv of invites) {
      await this.request('POST{invite-accept}', 'POST', s.homeHref, { body: bodies.inviteReply(inv.invitee || s.email, inv.hostUrl, inv.uid, inv.summary), expect: [200, 201, 207] });
    }
    for (const href of toDelete) await this.request('DELETE{invite}', 'DELETE', href, { expect: [204, 404] });
    if (ms.syncToken) s.notificationToken = flatString(ms.syncToken);
  }

  // ---- the write API profiles use (the original's ical.py) ------------------------------

  private storeFromResponse(href: string, r: DavResult, data: string): boolean {
    const etag = headerOf(r, 'etag');
    const scheduleTag = headerOf(r, 'schedule-tag');
    if (!etag) return false;
    this.state.events.set(href, { etag, data, ...(scheduleTag ? { scheduleTag } : {}) });
    return true;
  }

  /** PUT a new event or task: `PUT{event}`, or `PUT{organizer-<size>}` with attendees. */
  async addEvent(href: string, data: string, opts: { invite?: boolean; attachmentSize?: number } = {}): Promise<void> {
    const attendees = countAttendees(data);
    const label = opts.invite ? `PUT{organizer-${sizeSuffix(attendees)}}` : 'PUT{event}';
    const r = await this.request(label, 'PUT', href, { body: data, contentType: CAL_TYPE, expect: [201] });
    // No ETag means the server changed what was sent (RFC 4791 §5.3.4): read it back.
    if (!this.storeFromResponse(href, r, data)) await this.updateEvent(href);
    if (opts.attachmentSize) await this.postAttachment(href, 'x'.repeat(opts.attachmentSize));
  }

  /** Invite: attendee lookups (principal search + free-busy) for some attendees, then the PUT. */
  async addInvite(href: string, data: string, opts: { attachmentSize?: number; lookupPercentage?: number } = {}): Promise<void> {
    const pct = opts.lookupPercentage ?? 100;
    const vevent = new ICAL.Component(ICAL.parse(data) as unknown[]).getFirstSubcomponent('vevent');
    const start = vevent?.getFirstPropertyValue('dtstart') as ICAL.Time | null;
    for (const att of vevent?.getAllProperties('attendee') ?? []) {
      const address = String(att.getFirstValue());
      if (address.toLowerCase() === this.state.email.toLowerCase()) continue;
      if (this.model.attendeeLookup && this.o.random.integer(1, 101) <= pct) await this.attendeeLookup(address, start?.toJSDate() ?? new Date(this.o.clock.now()), String(vevent?.getFirstPropertyValue('uid') ?? ''));
    }
    await this.addEvent(href, data, { invite: true, ...(opts.attachmentSize ? { attachmentSize: opts.attachmentSize } : {}) });
  }

  private async attendeeLookup(address: string, when: Date, uid: string): Promise<void> {
    const prefix = this.o.random.pick(SEARCH_PREFIXES);
    // A search the server does not support finds no one and the invitation is sent anyway, as
    // Calendar's address completion does: 403 DAV:supported-report (RFC 3253 §3.6; Cyrus for
    // calendarserver-principal-search), and Cyrus' 400 "Unsupported XML search prop" for the
    // CS:email-address-set/first-name/last-name its principal-search-property-set does not list.
    if (this.model.attendeeLookup === 'cpsearch') await this.request('REPORT{cpsearch}', 'REPORT', this.state.principalCollection, { body: bodies.calendarserverPrincipalSearch(prefix), expect: [207, 403] });
    else await this.request('REPORT{psearch}', 'REPORT', this.state.principalCollection, { body: bodies.principalPropertySearch(prefix), expect: [207, 400, 403] });
    const day = new Date(Date.UTC(when.getUTCFullYear(), when.getUTCMonth(), when.getUTCDate()));
    await this.requestAvailability(day, new Date(day.getTime() + 86_400_000), [this.state.email, address], uid ? [uid] : []);
  }

  /** POST a VFREEBUSY request to the outbox: `POST{fb-<size>}` (size = number of users). */
  async requestAvailability(start: Date, end: Date, users: string[], maskUids: string[] = []): Promise<DavResult> {
    const uid = flatString(randomUuid(this.o.random)).toUpperCase();
    const lines = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REQUEST', 'PRODID:-//Apple Inc.//iCal 5.0//EN', 'BEGIN:VFREEBUSY', `UID:${uid}`,
      `DTSTART:${utcStamp(start)}`, `DTEND:${utcStamp(end)}`, `DTSTAMP:${utcStamp(new Date(this.o.clock.now()))}`,
      `ORGANIZER:${this.state.email}`, ...users.map((u) => `ATTENDEE:${u}`), ...maskUids.map((m) => `X-CALENDARSERVER-MASK-UID:${m}`),
      `SUMMARY:Availability for ${users.join(', ')}`, 'END:VFREEBUSY', 'END:VCALENDAR', '',
    ];
    return this.request(`POST{fb-${sizeSuffix(users.length)}}`, 'POST', this.state.outboxHref, {
      body: lines.join('\r\n'),
      contentType: CAL_TYPE,
      headers: { Originator: this.state.email, Recipient: users.join(', ') },
      expect: [200],
    });
  }

  /** PUT the cached data back with If-Match: `PUT{update}`, 204 or 412. Returns the status. */
  async changeEvent(href: string, data?: string): Promise<number> {
    const e = this.state.events.get(href);
    if (!e) throw new Error(`no such event ${href}`);
    const body = data ?? e.data ?? '';
    const r = await this.request('PUT{update}', 'PUT', href, { body, contentType: CAL_TYPE, headers: e.etag ? { 'If-Match': e.etag } : {}, expect: UPDATE_OK });
    if (r.status !== 412 && !this.storeFromResponse(href, r, body)) await this.updateEvent(href);
    return r.status;
  }

  /** An attendee changes its participation: `PUT{attendee-<size>}` with If-Schedule-Tag-Match. Returns the status (412 = re-fetch and retry). */
  async changeEventAttendee(href: string, data: string): Promise<number> {
    const e = this.state.events.get(href);
    const headers: Record<string, string> = e?.scheduleTag ? { 'If-Schedule-Tag-Match': e.scheduleTag } : e?.etag ? { 'If-Match': e.etag } : {};
    const r = await this.request(`PUT{attendee-${sizeSuffix(countAttendees(data))}}`, 'PUT', href, { body: data, contentType: CAL_TYPE, headers, expect: UPDATE_OK });
    if (r.status !== 412 && !this.storeFromResponse(href, r, data)) await this.updateEvent(href);
    return r.status;
  }

  /** Add one attendee to an existing event the user organizes (the old Inviter): lookups, then `PUT{organizer-<size>}`. */
  async addEventAttendee(href: string, attendee: { address: string; cn?: string }): Promise<number> {
    const e = this.state.events.get(href);
    if (!e?.data) throw new Error(`no data for ${href}`);
    const vcal = new ICAL.Component(ICAL.parse(e.data) as unknown[]);
    const vevent = vcal.getFirstSubcomponent('vevent')!;
    if (vevent.getAllProperties('attendee').length === 0) {
      const org = vevent.updatePropertyWithValue('organizer', this.state.email);
      org.setParameter('cn', this.record.commonName);
      const self = new ICAL.Property('attendee');
      self.setValue(this.state.email);
      self.setParameter('cn', this.record.commonName);
      self.setParameter('cutype', 'INDIVIDUAL');
      self.setParameter('partstat', 'ACCEPTED');
      vevent.addProperty(self);
    }
    const p = new ICAL.Property('attendee');
    p.setValue(attendee.address);
    if (attendee.cn) p.setParameter('cn', attendee.cn);
    p.setParameter('cutype', 'INDIVIDUAL');
    p.setParameter('partstat', 'NEEDS-ACTION');
    p.setParameter('role', 'REQ-PARTICIPANT');
    p.setParameter('rsvp', 'TRUE');
    vevent.addProperty(p);
    const start = vevent.getFirstPropertyValue('dtstart') as ICAL.Time | null;
    if (this.model.attendeeLookup) await this.attendeeLookup(attendee.address, start?.toJSDate() ?? new Date(this.o.clock.now()), String(vevent.getFirstPropertyValue('uid') ?? ''));
    const body = vcal.toString().replace(/\r?\n/g, '\r\n');
    const r = await this.request(`PUT{organizer-${sizeSuffix(countAttendees(body))}}`, 'PUT', href, { body, contentType: CAL_TYPE, headers: { 'If-Match': e.etag }, expect: UPDATE_OK });
    // 2013 always re-read the event after this PUT (ical.py addEventAttendee at 2013); master only
    // when the answer carried no ETag.
    if (r.status !== 412 && (!this.storeFromResponse(href, r, body) || this.o.generation === '2013')) await this.updateEvent(href);
    return r.status;
  }

  /** `DELETE{event}` (204, or 404 when it is gone already). The cache forgets it first, as the original. */
  async deleteEvent(href: string): Promise<void> {
    this.state.events.delete(href);
    // 200 is a success too (RFC 4918 §9.6): Radicale answers 200 with a multistatus body.
    await this.request('DELETE{event}', 'DELETE', href, { expect: [200, 204, 404] });
  }

  /** Re-read one resource: `GET{event}`, then eventChanged. */
  async updateEvent(href: string): Promise<void> {
    const r = await this.request('GET{event}', 'GET', href, { expect: [200] });
    const scheduleTag = headerOf(r, 'schedule-tag');
    this.state.events.set(href, { etag: headerOf(r, 'etag') ?? '', data: r.body, ...(scheduleTag ? { scheduleTag } : {}) });
    this.changed(href);
  }

  /** Managed attachment upload: `POST{attachment}` (201), then the event is re-read. */
  async postAttachment(href: string, content: string): Promise<void> {
    const r = await this.request('POST{attachment}', 'POST', `${href}?action=attachment-add`, {
      body: content,
      contentType: 'text/plain',
      headers: { 'Content-Disposition': `attachment; filename="file-${content.length}.txt"` },
      expect: [201],
    });
    const id = headerOf(r, 'cal-managed-id');
    const location = headerOf(r, 'location');
    if (id && location) (this.state.attachments ??= new Map()).set(id, location);
    await this.updateEvent(href);
  }

  /** Download a managed attachment once per MANAGED-ID, as operation `download`. */
  async getAttachment(url: string, managedId: string): Promise<void> {
    const fetched = (this.state.attachments ??= new Map());
    if (fetched.has(managedId)) return;
    fetched.set(managedId, url);
    await this.operation('download', () => this.request('GET{attachment}', 'GET', url, { expect: [200, 403] }));
  }

  /** `REPORT{calendar-query}` of a time range, expanded. */
  async timeRangeQuery(calendarHref: string, start: Date, end: Date): Promise<void> {
    await this.request('REPORT{calendar-query}', 'REPORT', calendarHref, { body: bodies.timeRangeQuery(utcStamp(start), utcStamp(end)), depth: '0', expect: [207] });
  }

  /** PROPFIND of the home and of every calendar, results thrown away (DeepRefresher). */
  async deepRefresh(): Promise<void> {
    const ms = await this.multistatus('PROPFIND{home}', 'PROPFIND', this.state.homeHref, { body: bodies.homePropfind(this.model.homeProps), depth: '1', expect: [207] });
    for (const resp of ms.responses) {
      const href = ensureSlash(resp.href);
      if (this.state.calendars.has(href)) await this.request('PROPFIND{calendar}', 'PROPFIND', href, { body: this.model.calendarListPropfind, depth: '1', expect: [207] });
    }
  }

  /**
   * `POST{apns}`: subscribe a (fake) device token for Apple push. The caller keeps the token
   * and posts the same one each time, as a device re-registering (ical.py
   * BaseAppleClient.apnsSubscribe sends the one token its client made at creation).
   */
  async apnsSubscribe(token: string): Promise<void> {
    await this.request('POST{apns}', 'POST', '/apns/', {
      body: `token=${token}&key=/CalDAV/example`,
      contentType: 'application/x-www-form-urlencoded',
      expect: [200],
    });
  }

  /** `POST{share-calendar}`: share a calendar read-write with someone. */
  async shareCalendar(calendarHref: string, mailto: string): Promise<void> {
    const cal = this.state.calendars.get(calendarHref);
    await this.request('POST{share-calendar}', 'POST', calendarHref, { body: bodies.shareCalendar(mailto, cal?.name ?? ''), expect: [200, 201, 207] });
  }

  /**
   * Resetter, as master's reset: the events, downloaded attachments and the calendars' sync state are forgotten; the
   * principal's details and the search property set are asked again (no discovery: the principal
   * is known), then an ordinary poll (not a first one: 10.11 syncs its home incrementally) fetches
   * every calendar afresh. Master forgot the calendar list too, so a 10.11 client then knew only
   * the calendars its incremental home sync reported; here the list is kept.
   */
  async reset(): Promise<void> {
    const s = this.state;
    s.events.clear();
    s.attachments = undefined;
    for (const cal of s.calendars.values()) cal.token = '';
    await this.principalDetails();
    await this.poll(false);
  }
}

/** calendar-data as iCalendar: XML turned its CRLFs into LFs (XML 1.0 §2.11); iCalendar needs them back. */
function calendarText(xmlText: string): string {
  const t = xmlText.replace(/^\s+/, '').replace(/\r?\n/g, '\r\n');
  return t.endsWith('\r\n') ? t : `${t}\r\n`;
}

function containsElement(el: XmlElement, ns: string, name: string): boolean {
  return (el.ns === ns && el.name === name) || el.children.some((c) => containsElement(c, ns, name));
}

/** The multistatus the HTTP layer parsed (a 207 that was not one already failed the request); empty otherwise. */
function msOf(r: DavResult): Multistatus {
  return r.multistatus ?? { responses: [] };
}

function hrefIn(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  const h = childrenNamed(el, NS.DAV, 'href')[0];
  return h ? textOf(h) : undefined;
}

function hrefsIn(el: XmlElement | undefined): string[] {
  return childrenNamed(el, NS.DAV, 'href').map(textOf);
}

/** The principal a discovery answer names: `prefer`, then the other of principal-URL and current-user-principal; undefined for any other answer. */
function principalIn(r: DavResult, prefer: 'principal-URL' | 'current-user-principal'): string | undefined {
  const ms = discoveryMultistatus(r);
  const other = prefer === 'principal-URL' ? 'current-user-principal' : 'principal-URL';
  for (const resp of ms?.responses ?? []) {
    const props = propsOk(resp);
    const found = hrefIn(props.get(clark(NS.DAV, prefer))) ?? hrefIn(props.get(clark(NS.DAV, other)));
    if (found) return found;
  }
  return undefined;
}

/**
 * A discovery answer's multistatus, when it is a readable one; undefined otherwise (the next step
 * handles it). Parsed once: kept on the result, where the HTTP layer keeps the ones it parses.
 */
function discoveryMultistatus(r: DavResult): Multistatus | undefined {
  if (r.status !== 207) return undefined;
  if (!r.multistatus) {
    try {
      r.multistatus = parseMultistatus(r.body);
    } catch {
      return undefined;
    }
  }
  return r.multistatus;
}

/** The answer named some property with 200. */
function answeredAny(r: DavResult): boolean {
  return (discoveryMultistatus(r)?.responses ?? []).some((resp) => propsOk(resp).size > 0);
}

/** How a discovery request was answered, for an error message: `404 Not Found`, `207 without a principal`, `200 (text/html)`. */
function describeAnswer(r: DavResult): string {
  if (r.status === 0) return r.error ?? 'nothing';
  const phrase = STATUS_CODES[r.status] ?? '';
  if (r.status === 207) return discoveryMultistatus(r) ? '207 naming no principal' : '207 with a body that is not a multistatus';
  const type = headerOf(r, 'content-type');
  return `${r.status} ${phrase}${type ? ` (${type.split(';')[0]})` : ''}`.trim();
}

/** What a principal PROPFIND came back with, for the error when it named no home: its status per resource, the properties it did answer. */
function describeProps(ms: Multistatus): string {
  const resp = ms.responses[0];
  if (!resp) return '207 with no response';
  if (resp.status !== undefined && resp.status !== 200) return `207 with ${resp.href} ${resp.status} ${STATUS_CODES[resp.status] ?? ''}`.trim();
  const names = [...propsOk(resp).keys()].map((k) => k.replace(/^\{[^}]*\}/, ''));
  return names.length > 0 ? `207 with only ${names.join(', ')}` : '207 with no property found';
}

function ensureSlash(href: string): string {
  return href === '' || href.endsWith('/') ? href : `${href}/`;
}

function headerOf(r: DavResult, name: string): string | undefined {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

function countAttendees(data: string): number {
  return (data.match(/^ATTENDEE[;:]/gim) ?? []).length;
}

/** A calendar share offered in a notification and not answered yet. */
interface ShareInvite {
  /** The notification's own DAV:href: the invitee's address as the sharer's server knows it. */
  invitee: string;
  uid: string;
  hostUrl: string;
  summary: string;
}

/** The CS:invite-notification elements of a notification that await an answer (CS:invite-noresponse). */
function shareInvitesIn(xml: string): ShareInvite[] {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch {
    return [];
  }
  if (root.ns !== NS.CS || root.name !== 'notification') return [];
  return childrenNamed(root, NS.CS, 'invite-notification')
    .filter((n) => childrenNamed(n, NS.CS, 'invite-noresponse').length > 0)
    .map((n) => ({
      invitee: textOf(childrenNamed(n, NS.DAV, 'href')[0]).trim(),
      uid: textOf(childrenNamed(n, NS.CS, 'uid')[0]).trim(),
      hostUrl: (hrefIn(childrenNamed(n, NS.CS, 'hosturl')[0]) ?? '').trim(),
      summary: textOf(childrenNamed(n, NS.CS, 'summary')[0]),
    }));
}
