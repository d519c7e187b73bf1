import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncorrectResponseCode, type CalDAVClient } from '../../lib/clients/client.js';
import { ClientState } from '../../lib/clients/state.js';
import { VirtualClock } from '../../lib/core/clock.js';
import type { ParamValues } from '../../lib/params/param-spec.js';
import type { OperationEvent, SimEvent } from '../../lib/core/events.js';
import type { ProfileContext } from '../../lib/registry/profile.js';
import { Random } from '../../lib/core/random.js';
import { OperationFailed, ProfileBase } from '../../profiles/profile-base.js';
import { fixed, populationOf, profileParams, until } from './support.js';

/** Just enough of a client for the scheduling machinery: no HTTP. */
function stubClient(started = true): CalDAVClient {
  const listeners = new Set<(href: string) => void>();
  const record = { uid: 'user01', password: 'user01', commonName: 'User 01', email: 'user01@example.com', guid: 'user01', podID: 'PodA' };
  return {
    started,
    state: new ClientState(),
    record,
    identity: { user: 'user01', clientId: 'c1', clientType: 'test 0' },
    onEventChanged: (l: (href: string) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as CalDAVClient;
}

type Body = (p: Probe, lagMs: number) => unknown;

/** A profile whose loop body the test supplies. */
class Probe extends ProfileBase {
  runs = 0;
  constructor(
    ctx: ProfileContext,
    private readonly loop: 'interval' | 'distribution',
    private readonly body: Body,
  ) {
    super(ctx, 'Probe');
  }
  protected run(): void {
    this.runs++;
    if (this.loop === 'interval') this.everyInterval((lag) => this.body(this, lag));
    else this.loopWithDistribution('waitDistribution', (lag) => this.body(this, lag));
  }
  op<T>(label: string, lag: number, fn: () => Promise<T>) {
    return this.operation(label, lag, fn);
  }
  fail(label: string, reason: string) {
    this.failed(label, reason);
  }
  draw(key: string) {
    return this.sample(key);
  }
}

async function setup(opts: { params?: ParamValues; loop?: 'interval' | 'distribution'; body?: Body; started?: boolean; seed?: string } = {}) {
  const clock = new VirtualClock();
  const events: SimEvent[] = [];
  const client = stubClient(opts.started ?? true);
  const params = opts.params ?? { enabled: true, interval: 10 };
  const ctx: ProfileContext = { client, userNumber: 0, params, clock, random: new Random(opts.seed ?? 's').derive('user01/Probe'), emit: (e) => events.push(e), population: populationOf([client.record]) };
  const ticks: number[] = [];
  const probe = new Probe(ctx, opts.loop ?? 'interval', opts.body ?? (() => void ticks.push(clock.monotonic())));
  const ops = () => events.filter((e): e is OperationEvent => e.type === 'operation');
  return { clock, events, client, probe, ticks, ops };
}

describe('ProfileBase', () => {
  it("an interval loop ticks first after a random whole number of seconds in [1, interval] (master's), then every interval", async () => {
    const firsts = new Set<number>();
    for (const seed of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const { clock, probe, ticks } = await setup({ seed });
      probe.start();
      clock.advance(10_000);
      assert.equal(ticks.length, 1, 'one tick in the first interval');
      assert.ok(ticks[0]! >= 1000 && ticks[0]! <= 10_000 && ticks[0]! % 1000 === 0, `first tick at ${ticks[0]} ms`);
      firsts.add(ticks[0]!);
      clock.advance(40_000);
      assert.deepEqual(
        ticks.map((t) => t - ticks[0]!),
        [0, 10_000, 20_000, 30_000, 40_000],
      );
      probe.stop();
      clock.advance(100_000);
      assert.equal(ticks.length, 5, 'nothing after stop');
    }
    assert.ok(firsts.size >= 4, 'clients do not tick in lock-step');
  });

  it('a tick still running makes the next one wait for the next slot', async () => {
    let release: () => void = () => {};
    const starts: number[] = [];
    const { clock, probe } = await setup({
      body: () => {
        starts.push(clock.monotonic());
        return new Promise<void>((r) => (release = r));
      },
    });
    probe.start();
    clock.advance(10_000);
    assert.equal(starts.length, 1);
    clock.advance(35_000); // three slots go by while the first tick runs
    assert.equal(starts.length, 1);
    release();
    await until(() => clock.pending > 0, 'the next tick to be scheduled');
    clock.advance(10_000);
    assert.equal(starts.length, 2);
    assert.equal((starts[1]! - starts[0]!) % 10_000, 0, 'on the grid');
    assert.ok(starts[1]! - starts[0]! >= 40_000);
    probe.stop();
  });

  it('loopWithDistribution waits a new sample only after the run finished', async () => {
    let release: () => void = () => {};
    const starts: number[] = [];
    // A DistributionSpec as the config loader makes it, under our own key.
    const waitDistribution = (await profileParams('Accepter', { acceptDelayDistribution: fixed(30) })).acceptDelayDistribution;
    const { clock, probe } = await setup({
      loop: 'distribution',
      params: { enabled: true, waitDistribution },
      body: () => {
        starts.push(clock.monotonic());
        return new Promise<void>((r) => (release = r));
      },
    });
    probe.start();
    clock.advance(29_999);
    assert.equal(starts.length, 0);
    clock.advance(1);
    assert.deepEqual(starts, [30_000]);
    clock.advance(100_000);
    assert.equal(starts.length, 1, 'still running: no second run');
    release();
    await until(() => clock.pending > 0, 'the next wait');
    clock.advance(30_000);
    assert.deepEqual(starts, [30_000, 160_000]);
    probe.stop();
  });

  it('operations: start with lag, end with duration; an unexpected status or any error ends it unsuccessfully and the loop goes on', async () => {
    let n = 0;
    const span = { from: 0, to: 0 };
    const { clock, probe, ops, events } = await setup({
      body: (p, lag) =>
        p.op('create', lag + 7, async () => {
          n++;
          span.from = clock.monotonic();
          if (n === 1) throw new IncorrectResponseCode('PUT{event}', 500, [201]);
          if (n === 2) throw new Error('boom');
          if (n === 3) throw new OperationFailed('gave up');
          // Time passes while the operation runs (after the timer callback has returned).
          await null;
          clock.advance(250);
          span.to = clock.monotonic();
        }),
    });
    probe.start();
    for (let i = 0; i < 4; i++) {
      clock.advance(10_000);
      await until(() => ops().filter((e) => e.phase === 'end').length === i + 1, `end ${i + 1}`);
    }
    const list = ops();
    assert.deepEqual(
      list.map((e) => [e.phase, e.label, e.success, e.reason]),
      [
        ['start', 'create', undefined, undefined],
        ['end', 'create', false, 'PUT{event}: unexpected status 500 (expected 201)'],
        ['start', 'create', undefined, undefined],
        ['end', 'create', false, 'unexpected error: boom'],
        ['start', 'create', undefined, undefined],
        ['end', 'create', false, 'gave up'],
        ['start', 'create', undefined, undefined],
        ['end', 'create', true, undefined],
      ],
    );
    assert.ok(list.filter((e) => e.phase === 'start').every((e) => e.lagMs === 7));
    assert.equal(list[7]!.durationMs, span.to - span.from);
    assert.ok(list[7]!.durationMs! >= 250);
    assert.ok(list.every((e) => e.user === 'user01' && e.clientType === 'test 0'));
    assert.equal(events.filter((e) => e.type === 'sim-failure').length, 0);
    probe.stop();
  });

  it('an exception outside an operation is reported under the profile name; the loop goes on', async () => {
    let n = 0;
    const { clock, probe, ops } = await setup({
      body: () => {
        n++;
        throw new TypeError('bug');
      },
    });
    probe.start();
    clock.advance(30_000);
    await until(() => ops().length === 3);
    assert.equal(n, 3);
    assert.deepEqual(ops()[0]!.phase, 'failed');
    assert.deepEqual([ops()[0]!.label, ops()[0]!.reason], ['Probe', 'unexpected error: bug']);
    probe.stop();
  });

  it('failed(): a failed operation and a sim-failure "<label>: <reason>"', async () => {
    const { probe, events } = await setup();
    probe.fail('invite', 'Cannot add attendee');
    assert.deepEqual(
      events.map((e) => [e.type, 'phase' in e ? e.phase : undefined, e.type === 'operation' ? e.label : undefined, 'reason' in e ? e.reason : undefined]),
      [
        ['operation', 'failed', 'invite', 'Cannot add attendee'],
        ['sim-failure', undefined, undefined, 'invite: Cannot add attendee'],
      ],
    );
  });

  it('waits for the client to start; a disabled profile never runs', async () => {
    const { clock, client, probe, ticks } = await setup({ started: false });
    probe.start();
    clock.advance(5_000);
    assert.equal(probe.runs, 0);
    (client as { started: boolean }).started = true;
    clock.advance(1_000);
    assert.equal(probe.runs, 1);
    probe.start();
    assert.equal(probe.runs, 1, 'start twice runs once');
    // Ticks are skipped while the client is not started (a Resetter restarting it).
    (client as { started: boolean }).started = false;
    clock.advance(30_000);
    assert.equal(ticks.length, 0);
    probe.stop();

    const off = await setup({ params: { enabled: false, interval: 10 } });
    assert.equal(off.probe.enabled, false);
    off.probe.start();
    off.clock.advance(60_000);
    assert.equal(off.probe.runs, 0);
    assert.equal(off.clock.pending, 0);
  });

  it('each distribution has its own stream: adding one does not shift another', async () => {
    const base = await profileParams('Eventer', {});
    const withDuration = await setup({ params: base });
    const withoutDuration = await setup({ params: { ...base, eventDurationDistribution: undefined } });
    // Drawing from another distribution in between changes nothing.
    const a = Array.from({ length: 20 }, () => (withDuration.probe.draw('eventDurationDistribution'), withDuration.probe.draw('fileSizeDistribution')));
    const b = Array.from({ length: 20 }, () => withoutDuration.probe.draw('fileSizeDistribution'));
    assert.deepEqual(a, b);
  });
});
