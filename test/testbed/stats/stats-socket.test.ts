import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../../lib/core/clock.js';
import { LatencyHistogram } from '../../../lib/stats/latency-histogram.js';
import { ServerStats } from '../../../lib/testbed/stats/server-stats.js';
import { startStatsSocket, type StatsSocket } from '../../../lib/testbed/stats/stats-socket.js';

const MINUTE = 60_000;

/** A client that collects what it receives and can wait for lines or for the close. */
class Client {
  received = '';
  readonly closed: Promise<void>;
  private readonly socket: Socket;
  private waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.received += d;
      for (const w of this.waiters.splice(0)) w();
    });
    // The server may reset a misbehaving client; that is the expected outcome there.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Resolves with the first `n` complete lines (without their line ends). */
  async lines(n: number): Promise<string[]> {
    for (;;) {
      const parts = this.received.split('\r\n');
      if (parts.length > n) return parts.slice(0, n);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), this.closed]);
      if (this.socket.destroyed && this.received.split('\r\n').length <= n) {
        throw new Error(`closed after ${JSON.stringify(this.received)}`);
      }
    }
  }

  async ask(line: string): Promise<unknown> {
    this.send(line);
    const [answer] = await this.lines(1);
    return JSON.parse(answer!);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('stats socket, 2014+ protocol', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const stats = new ServerStats({ clock, cpuUse: () => 5 });
  let server: StatsSocket;
  const clients: Client[] = [];
  const open = async (): Promise<Client> => {
    const c = await Client.open(server.port);
    clients.push(c);
    return c;
  };

  before(async () => {
    const request = (status: number): void => {
      const t = stats.requestStarted();
      clock.advance(20);
      stats.requestFinished(t, { method: 'PROPFIND', status });
    };
    for (let i = 0; i < 7; i++) request(207);
    clock.advance(MINUTE - clock.monotonic());
    for (let i = 0; i < 3; i++) request(500);
    clock.advance(2 * MINUTE - clock.monotonic());
    server = await startStatsSocket({ host: '127.0.0.1', port: 0, stats });
    assert.ok(server.port > 0);
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await server.close();
  });

  it('["stats"]\\r\\n answers one line of JSON with what was recorded', async () => {
    const c = await open();
    c.send('["stats"]\r\n');
    const [line] = await c.lines(1);
    assert.ok(c.received.endsWith('\r\n'));
    const answer = JSON.parse(line!) as { stats: ReturnType<ServerStats['snapshot']> };
    assert.deepEqual(Object.keys(answer), ['stats']);
    assert.equal(answer.stats['5m'].requests, 10);
    assert.equal(answer.stats['1m'].requests, 3);
    assert.equal(answer.stats['1m']['500'], 3);
    assert.equal(answer.stats.current.requests, 0);
    // The windows are exactly the snapshot's; `system` holds live memory figures, which move between two reads.
    const { system: _answered, ...windows } = answer.stats;
    const { system: _now, ...expected } = JSON.parse(JSON.stringify(stats.snapshot())) as ReturnType<ServerStats['snapshot']>;
    assert.deepEqual(windows, expected);
    assert.deepEqual(Object.keys(_answered).sort(), Object.keys(_now).sort());
  });

  it('answers every command of one array, and every line of a connection in order', async () => {
    const c = await open();
    const a = (await c.ask('["stats", "slots"]\n')) as Record<string, any>;
    assert.deepEqual(Object.keys(a), ['stats', 'slots']);
    assert.equal(a['stats']['1h'].requests, 10);
    assert.equal(a['slots'].overloaded, false);
    assert.equal(a['slots'].slots.length, 1);
    assert.equal(a['slots'].slots[0].total, 10);
    assert.equal(a['slots'].slots[0].acknowledged, 0);

    // Two lines in one packet, then one line in three pieces.
    c.received = '';
    c.send('["jobcount"]\r\n["jobs", "job_assignments", "directory"]\r\n["st');
    c.send('ats_1');
    c.send('m"]\r\n');
    const lines = (await c.lines(3)).map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { jobcount: 0 });
    assert.deepEqual(lines[1], { jobs: {}, job_assignments: { workers: [], level: 0 }, directory: {} });
    assert.equal(lines[2]['stats_1m'].requests, 3);
  });

  it('stats_<key> answers only that key of stats; unknown names answer ""', async () => {
    const c = await open();
    const a = (await c.ask('["stats_5m", "stats_system", "stats_nope", "frobnicate", "__proto__"]\r\n')) as Record<
      string,
      any
    >;
    assert.equal(a['stats_5m'].requests, 10);
    assert.deepEqual(Object.keys(a['stats_5m']), Object.keys(stats.snapshot()['5m']));
    assert.equal(a['stats_system']['cpu use'], 5);
    assert.equal(a['stats_nope'], '');
    assert.equal(a['frobnicate'], '');
    assert.ok(Object.hasOwn(a, '__proto__'));
  });

  it('loadsim_service_times answers every request time since the last asking, then starts afresh', async () => {
    const c = await open();
    const a = (await c.ask('["loadsim_service_times"]\r\n')) as Record<string, { count: number; encoded: string }>;
    const h = LatencyHistogram.decode(a['loadsim_service_times']!.encoded);
    assert.equal(a['loadsim_service_times']!.count, 10);
    assert.equal(h.count, 10);
    // Every request above took 20 ms of the virtual clock.
    assert.equal(h.min, 20);
    assert.equal(h.max, 20);
    c.received = '';
    const again = (await c.ask('["loadsim_service_times"]\r\n')) as Record<string, { count: number }>;
    assert.equal(again['loadsim_service_times']!.count, 0);
  });

  it('answers {"result": "bad command"} to anything but a JSON array of names, and stays open', async () => {
    const c = await open();
    for (const bad of ['stats', '["stats"', '{"stats": 1}', '[1, 2]', '']) {
      c.received = '';
      assert.deepEqual(await c.ask(bad + '\r\n'), { result: 'bad command' }, bad);
    }
    c.received = '';
    assert.deepEqual(await c.ask('[]\r\n'), {});
  });

  it('quit answers Done and closes; so does exit', async () => {
    for (const word of ['quit', 'exit']) {
      const c = await open();
      c.send(`${word}\r\n["stats"]\r\n`);
      await c.closed;
      assert.equal(c.received, 'Done\r\n', 'nothing after Done');
    }
  });

  it('disconnects a client whose line grows beyond 64 KiB', async () => {
    const c = await open();
    const kib = 'x'.repeat(1024);
    for (let i = 0; i < 70; i++) c.send(kib);
    await c.closed;
    assert.equal(c.received, '');
  });

  it('accepts a line of exactly the limit', async () => {
    const c = await open();
    const names = Array.from({ length: 1 }, () => 'y'.repeat(64 * 1024 - 4));
    const line = JSON.stringify(names);
    assert.equal(line.length, 64 * 1024);
    const a = (await c.ask(line + '\r\n')) as Record<string, string>;
    assert.equal(a[names[0]!], '');
  });

  it('disconnects a client whose complete line is one byte over the limit', async () => {
    const c = await open();
    c.send(JSON.stringify(['z'.repeat(64 * 1024 - 3)]) + '\r\n');
    await c.closed;
    assert.equal(c.received, '');
  });
});

describe('stats socket, legacy (pre-2014) protocol', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const stats = new ServerStats({ clock, cpuUse: () => 0 });
  let server: StatsSocket;

  before(async () => {
    for (let i = 0; i < 4; i++) {
      const t = stats.requestStarted();
      clock.advance(10);
      stats.requestFinished(t, { method: 'GET', status: 200, uid: 'user01' });
    }
    clock.advance(MINUTE);
    server = await startStatsSocket({ port: 0, stats, legacy: true });
  });

  after(async () => {
    await server.close();
  });

  it('writes the legacy document on connect and closes', async () => {
    const c = await Client.open(server.port);
    await c.closed;
    assert.ok(c.received.endsWith('\r\n'));
    const doc = JSON.parse(c.received) as Record<string, any>;
    assert.deepEqual(Object.keys(doc).sort(), ['1 Hour', '1 Minute', '5 Minutes', 'Current', 'System']);
    assert.equal(doc['5 Minutes'].requests, 4);
    assert.deepEqual(doc['1 Minute'].uid, { user01: 4 });
    assert.ok(!('401' in doc['1 Minute']) && !('max-slots' in doc['1 Minute']));
  });
});

describe('stats socket close()', () => {
  it('destroys open connections and stops listening', async () => {
    const clock = new VirtualClock(0);
    const stats = new ServerStats({ clock, cpuUse: () => 0 });
    const server = await startStatsSocket({ port: 0, stats });
    const c = await Client.open(server.port);
    assert.deepEqual(Object.keys((await c.ask('["stats"]\n')) as object), ['stats']);
    await server.close();
    await c.closed;
    await assert.rejects(Client.open(server.port));
  });

  it('rejects when the port is taken', async () => {
    const clock = new VirtualClock(0);
    const stats = new ServerStats({ clock, cpuUse: () => 0 });
    const first = await startStatsSocket({ port: 0, stats });
    await assert.rejects(startStatsSocket({ port: first.port, stats }), /EADDRINUSE/);
    await first.close();
  });
});
