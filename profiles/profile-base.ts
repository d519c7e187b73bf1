/**
 * What every profile shares (the original's ProfileBase, profiles.py): its
 * distributions, the `enabled` switch, waiting for the client, the two kinds
 * of loop, and operations reported as events.
 *
 * Time goes through the injected clock only, randomness through the profile's
 * own stream only, so a seed replays a run and tests run in virtual time.
 *
 * Failures are contained on purpose. A request answered with an unexpected
 * status (IncorrectResponseCode) ends its operation unsuccessfully and the
 * loop goes on; any other exception is reported as a `failed` operation named
 * after the profile and the loop goes on too. The original let a failing tick
 * end the profile (2013) or its loop (master), silently: one server error
 * then quietly took a user's behaviour out of the run.
 */
import { IncorrectResponseCode } from '../lib/clients/client.js';
import type { CalendarClient } from '../lib/clients/calendar-client.js';
import type { CalendarState, EventState } from '../lib/clients/state.js';
import type { Clock, Timer } from '../lib/core/clock.js';
import type { DistributionSpec } from '../lib/params/distribution-spec.js';
import type { ParamValues } from '../lib/params/param-spec.js';
import type { Distribution } from '../lib/params/distribution.js';
import type { OperationEvent } from '../lib/core/events.js';
import type { PopulationView, Profile, ProfileContext } from '../lib/registry/profile.js';
import type { AccountRecord } from '../lib/core/account-record.js';
import type { Random } from '../lib/core/random.js';
import type { CalendarUser } from './ical-template.js';
import type { SelfAddresses } from './calendar-data.js';
import { randomUuid } from '../lib/core/random-uuid.js';

/** Thrown inside an operation to end it unsuccessfully with this reason (a failure the profile itself decides). */
export class OperationFailed extends Error {}

/** How often a profile started before its client checks again whether the client has started. */
const STARTED_POLL_MS = 1000;

type Phase = 'idle' | 'waiting' | 'running' | 'stopped';

function isDistributionSpec(v: unknown): v is DistributionSpec {
  return typeof v === 'object' && v !== null && typeof (v as DistributionSpec).create === 'function' && typeof (v as DistributionSpec).written === 'string';
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * `P`: the profile's params as it reads them; a profile of your own gets them typed from its
 * declared spec (`ProfileBase<ParamsOf<typeof params>>`), the built-ins read them untyped.
 */
export abstract class ProfileBase<P = ParamValues> implements Profile {
  /** The profile's name, as in the catalog (labels its unexpected failures). */
  readonly name: string;
  readonly enabled: boolean;
  protected readonly client: CalendarClient;
  protected readonly clock: Clock;
  /** The profile's own stream: its choices (calendars, UIDs, percentages, start offsets). */
  protected readonly random: Random;
  protected readonly params: P;
  /** The same params, as the loader gives them (for the helpers below that read by key). */
  private readonly values: ParamValues;
  protected readonly userNumber: number;
  protected readonly population: PopulationView;
  // Made when first needed: thousands of profiles share a process, and an empty Map still costs ~150 bytes.
  private distributions: Map<string, Distribution<unknown>> | undefined;
  private readonly timers = new Set<Timer>();
  private cleanups: (() => void)[] | undefined;
  private phase: Phase = 'idle';
  private subscribed = false;

  constructor(
    protected readonly ctx: ProfileContext<P>,
    /** Default: the class's own name (a profile of your own need not pass one). */
    name?: string,
  ) {
    this.name = name ?? new.target.name;
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.random = ctx.random;
    this.params = ctx.params;
    this.values = ctx.params as unknown as ParamValues;
    this.userNumber = ctx.userNumber;
    this.population = ctx.population;
    this.enabled = this.values.enabled !== false;
    // Each distribution draws from a stream derived from its key, so adding a
    // distribution (or a draw in one) never shifts the numbers another one gives.
    for (const [key, value] of Object.entries(this.values)) {
      if (isDistributionSpec(value)) (this.distributions ??= new Map()).set(key, value.create({ random: ctx.random.derive(key), clock: ctx.clock }));
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /**
   * Begin once the client has started (at once when it has: the simulator
   * calls start() after startup; otherwise the profile checks every second).
   * A disabled profile does nothing. A second call does nothing.
   */
  start(): void {
    if (!this.enabled || this.phase !== 'idle') return;
    this.prepare();
    this.phase = 'waiting';
    const go = (): void => {
      if (this.phase !== 'waiting') return;
      if (!this.client.started) {
        this.after(STARTED_POLL_MS, go);
        return;
      }
      this.phase = 'running';
      void this.guard(() => this.run());
    };
    go();
  }

  /** No more timers fire and listeners are removed; requests in flight finish and are still reported. */
  stop(): void {
    this.phase = 'stopped';
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    const cleanups = this.cleanups;
    this.cleanups = undefined;
    for (const c of cleanups ?? []) c();
  }

  get stopped(): boolean {
    return this.phase === 'stopped';
  }

  /** Listen from before the client's startup (see Profile.prepare); once, and not when disabled. */
  prepare(): void {
    if (!this.enabled || this.subscribed || this.phase === 'stopped') return;
    this.subscribed = true;
    void this.guard(() => this.subscribe());
  }

  /** Called once, before the client's startup when the simulator prepares the profile: set up the listeners that must hear the first poll. */
  protected subscribe(): void {}

  /** Called once, when the client has started: set up the loops and listeners. */
  protected abstract run(): void;

  // ---- scheduling -----------------------------------------------------------------------------

  /** Run `fn` after `delayMs` (clock time) with how late it ran; nothing once stopped. Exceptions are contained. */
  protected after(delayMs: number, fn: (lagMs: number) => unknown): Timer | undefined {
    if (this.phase === 'stopped') return undefined;
    const timer: Timer = this.clock.setTimer(Math.max(0, delayMs), (lagMs) => {
      this.timers.delete(timer);
      if (this.phase !== 'stopped') void this.guard(() => fn(lagMs));
    });
    this.timers.add(timer);
    return timer;
  }

  /**
   * Call `tick` every `seconds` (the `interval` param by default), as the
   * original's LoopingCall, at a fixed rate. The first tick as the generation
   * did it (ProfileContext.staggerFirstTick): master's after a random whole
   * number of seconds from 1 to the interval, so that clients created together
   * do not tick in lock-step; 2013's at once (profiles.py Eventer.run at each
   * revision).
   * A tick still running when the next is due makes it wait for the next slot
   * (missed slots are skipped, not bunched up). Ticks are skipped while the
   * client is not started (the Resetter restarts it).
   */
  protected everyInterval(tick: (lagMs: number) => unknown, seconds = this.number('interval')): void {
    const period = seconds * 1000;
    let due = this.clock.monotonic() + this.firstTickOffsetMs(seconds);
    const schedule = (): void => {
      this.after(due - this.clock.monotonic(), (lagMs) => {
        this.runThen(() => (this.client.started ? tick(lagMs) : undefined), () => {
          const now = this.clock.monotonic();
          due += period;
          if (due < now) due += Math.ceil((now - due) / period) * period;
          schedule();
        });
      });
    };
    schedule();
  }

  /** Master's randint(1, interval) seconds (an interval under 1 s: the interval), or 0 for 2013's immediate start. */
  private firstTickOffsetMs(seconds: number): number {
    const stagger = this.ctx.staggerFirstTick ?? this.ctx.generation !== '2013';
    if (!stagger) return 0;
    return seconds >= 1 ? this.random.integer(1, Math.floor(seconds) + 1) * 1000 : seconds * 1000;
  }

  /**
   * The original's loopWithDistribution: wait a sampled number of seconds, run
   * `fn`, and only when it has finished wait a new sample. A failure of `fn`
   * does not end the loop; a distribution that cannot give a sample does.
   */
  protected loopWithDistribution(key: string, fn: (lagMs: number) => unknown): void {
    const next = (): void => {
      let seconds: number;
      try {
        seconds = this.seconds(key);
      } catch (e) {
        this.unexpected(new Error(`${key}: ${message(e)}; this loop stops`));
        return;
      }
      this.after(seconds * 1000, (lagMs) => this.runThen(() => (this.client.started ? fn(lagMs) : undefined), next));
    };
    next();
  }

  /**
   * Run `fn`, then `then` once it has finished: at once when it returns a
   * plain value (so a loop in virtual time needs no turn of the event loop
   * between ticks), after its promise settles otherwise. What `fn` throws is
   * contained and reported.
   */
  private runThen(fn: () => unknown, then: () => void): void {
    let result: unknown;
    try {
      result = fn();
    } catch (e) {
      this.unexpected(e);
      then();
      return;
    }
    if (isThenable(result)) {
      result.then(then, (e: unknown) => {
        this.unexpected(e);
        then();
      });
    } else then();
  }

  /** Listen to the client's eventChanged until stopped (from subscribe(), during the client's startup too). Exceptions in `fn` are contained. */
  protected listen(fn: (href: string) => void): void {
    const off = this.client.onEventChanged((href) => {
      if (this.phase !== 'stopped') void this.guard(() => fn(href));
    });
    (this.cleanups ??= []).push(off);
  }

  // ---- operations and their events ------------------------------------------------------------

  /**
   * An operation: phase `start` (with the lag of the timer that began it), then
   * `end` with its duration and success. An unexpected status, or
   * OperationFailed, ends it with success false and the reason; so does any
   * other exception (the original dropped the end event then, leaving the
   * start unmatched). Never throws; resolves to fn's value, or undefined.
   */
  protected async operation<T>(label: string, lagMs: number, fn: () => Promise<T>): Promise<T | undefined> {
    const t0 = this.clock.monotonic();
    this.emitOperation({ phase: 'start', label, lagMs });
    try {
      const value = await fn();
      this.emitOperation({ phase: 'end', label, success: true, durationMs: this.clock.monotonic() - t0 });
      return value;
    } catch (e) {
      const reason = e instanceof IncorrectResponseCode || e instanceof OperationFailed ? e.message : `unexpected error: ${message(e)}`;
      this.emitOperation({ phase: 'end', label, success: false, reason, durationMs: this.clock.monotonic() - t0 });
      return undefined;
    }
  }

  /**
   * An operation that could not even begin (the original's _failedOperation):
   * phase `failed`, and a `sim-failure` `<label>: <reason>`, which fails the run.
   */
  protected failed(label: string, reason: string): void {
    this.emitOperation({ phase: 'failed', label, reason });
    this.ctx.emit({ type: 'sim-failure', reason: `${label}: ${reason}`, at: this.clock.now() });
  }

  private emitOperation(fields: Pick<OperationEvent, 'phase' | 'label'> & Partial<OperationEvent>): void {
    this.ctx.emit({ type: 'operation', ...this.client.identity, ...fields, at: this.clock.now() });
  }

  /** Run `fn`, containing what it throws: an unexpected status was already counted as a failed response; anything else is reported. */
  protected async guard(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.unexpected(e);
    }
  }

  private unexpected(e: unknown): void {
    if (e instanceof IncorrectResponseCode) return;
    this.emitOperation({ phase: 'failed', label: this.name, reason: `unexpected error: ${message(e)}` });
  }

  // ---- parameters -----------------------------------------------------------------------------

  /** The distribution built from param `key`. */
  protected distribution<T>(key: string): Distribution<T> {
    const d = this.distributions?.get(key);
    if (!d) throw new Error(`${this.name}: no distribution ${key}`);
    return d as Distribution<T>;
  }

  protected sample<T = number>(key: string): T {
    return this.distribution<T>(key).sample();
  }

  /** A sample as a number of seconds; a negative or non-numeric one counts as 0. */
  protected seconds(key: string): number {
    const v = Number(this.sample<unknown>(key));
    return Number.isFinite(v) && v > 0 ? v : 0;
  }

  protected number(key: string): number {
    const v = this.values[key];
    if (typeof v !== 'number') throw new Error(`${this.name}: param ${key} is not a number`);
    return v;
  }

  /** True with probability `percent` %: the original's `randint(1, 100) <= percent`. */
  protected percentChance(percent: number): boolean {
    return this.random.integer(1, 101) <= percent;
  }

  // ---- the client's data ----------------------------------------------------------------------

  /**
   * Calendars (not inboxes) that hold `component`; with `justOwned`, not those
   * shared with the user by someone else. A calendar that lists no component
   * set takes every component (RFC 4791 §5.2.3).
   */
  protected calendarsOfType(component: string, justOwned = false): CalendarState[] {
    const out: CalendarState[] = [];
    for (const cal of this.client.state.calendars.values()) {
      if (cal.kind !== 'calendar') continue;
      if (cal.components.length > 0 && !cal.components.includes(component)) continue;
      if (justOwned && cal.shared && !cal.sharedByMe) continue;
      out.push(cal);
    }
    return out;
  }

  protected randomCalendarOfType(component: string, justOwned = false): CalendarState | undefined {
    const cals = this.calendarsOfType(component, justOwned);
    return cals.length ? this.random.pick(cals) : undefined;
  }

  /**
   * A random event with data of a random calendar, skipping scheduling
   * objects (those with a Schedule-Tag: editing them is the organizer's or
   * the Accepter's business); every candidate is tried before giving up.
   */
  protected randomEventOfType(component: string, justOwned = true): { href: string; event: EventState } | undefined {
    const state = this.client.state;
    for (const cal of this.random.shuffle(this.calendarsOfType(component, justOwned))) {
      for (const href of this.random.shuffle(state.eventsIn(cal.href))) {
        const event = state.events.get(href);
        if (event?.data && !event.scheduleTag) return { href, event };
      }
    }
    return undefined;
  }

  /** This user's account record. */
  protected get record(): AccountRecord {
    return this.population.records[this.userNumber] ?? this.client.record;
  }

  /** The user's calendar addresses, as the server gave them. */
  protected get self(): SelfAddresses {
    return { email: this.client.state.email || `mailto:${this.client.record.email}`, uuid: this.client.state.uuid };
  }

  /** The user as ORGANIZER / ATTENDEE: the server's mailto address and the record's common name. */
  protected get selfUser(): CalendarUser {
    return { address: this.self.email, cn: this.client.record.commonName };
  }

  protected newUid(): string {
    return randomUuid(this.random);
  }
}
