/**
 * The testbed's stats socket: CalendarServer's dashboard service (TCP, `Stats.TCPStatsPort`,
 * calendarserver/dashboard_service.py; accesslog.py), so that loadsim's end-of-run server
 * statistics (the original's sim.py, server stats) and CalendarServer's own dashboard and readStats tools can read
 * the testbed.
 *
 * New protocol (default, 2014+): the client sends lines, each one JSON array of command
 * names; each line is answered with one JSON object line mapping every name to its result.
 * `exit` or `quit` answers `Done` and closes. Lines end in `\r\n` (we also accept a bare
 * `\n`); answers end in `\r\n`, as Twisted's LineReceiver sends them.
 *
 * Legacy protocol (`legacy: true`, before 2014): the document is written on connect and the
 * connection closed; whatever the client sends is ignored.
 *
 * Where we differ on purpose: a line that is valid JSON but not an array of strings is
 * answered `{"result": "bad command"}` (the original said nothing, leaving its client
 * waiting forever); a single snapshot answers every `stats*` command of one line, so they
 * agree with each other.
 *
 * loadsim's own command, `loadsim_service_times`, answers `{count, encoded}`: every
 * request's time in the testbed (arrival to last byte written) since the previous asking,
 * as an encoded LatencyHistogram, and starts afresh. The accuracy benchmark compares it
 * with the latency the generator recorded over the same window.
 */

import { createServer, type Server, type Socket } from 'node:net';
import type { ServerStats, StatsSnapshot } from './server-stats.js';

export interface StatsSocketOptions {
  /** Interface to listen on. Default 127.0.0.1: statistics are not for the whole network. */
  host?: string;
  /** TCP port; 0 lets the system choose (read it from the result). Default 0. */
  port?: number;
  stats: ServerStats;
  /** Speak the pre-2014 protocol (write the legacy document on connect, then close). */
  legacy?: boolean;
  /**
   * The longest line accepted, bytes. A client whose line grows beyond it is disconnected,
   * so a bad client cannot grow our memory (Twisted's LineReceiver does the same at 16 KiB).
   */
  maxLineBytes?: number;
  /**
   * The most answer bytes waiting for a client that does not read. Beyond it the client is
   * disconnected, for the same reason.
   */
  maxPendingWriteBytes?: number;
}

export const STATS_SOCKET_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  legacy: false,
  maxLineBytes: 64 * 1024,
  maxPendingWriteBytes: 4 * 1024 * 1024,
} as const;

export interface StatsSocket {
  /** The port actually listened on. */
  readonly port: number;
  /** Stop listening and destroy every open connection. */
  close(): Promise<void>;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const BAD_COMMAND = JSON.stringify({ result: 'bad command' });

export async function startStatsSocket(options: StatsSocketOptions): Promise<StatsSocket> {
  const o = { ...STATS_SOCKET_DEFAULTS, ...definedOnly(options) };
  const open = new Set<Socket>();

  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    // A client resetting the connection must not take the testbed down.
    socket.on('error', () => socket.destroy());
    if (o.legacy) {
      socket.end(JSON.stringify(o.stats.legacySnapshot()) + '\r\n');
    } else {
      serveLines(socket, o.stats, o.maxLineBytes, o.maxPendingWriteBytes);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

/** Split the byte stream into lines, bounded, and answer each as it completes. */
function serveLines(socket: Socket, stats: ServerStats, maxLineBytes: number, maxPendingWriteBytes: number): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let finished = false;

  socket.on('data', (data: Buffer) => {
    let chunk = data;
    while (!finished) {
      const nl = chunk.indexOf(NEWLINE);
      // The limit is on the line without its line end; the +1 leaves room for a '\r'
      // that has arrived while its '\n' has not.
      if (nl < 0) {
        pendingBytes += chunk.length;
        if (pendingBytes > maxLineBytes + 1) return drop();
        if (chunk.length > 0) pending.push(chunk);
        return;
      }
      const lineBytes = pendingBytes + nl;
      if (lineBytes > maxLineBytes + 1) return drop();
      let line = Buffer.concat([...pending, chunk.subarray(0, nl)], lineBytes);
      pending = [];
      pendingBytes = 0;
      chunk = chunk.subarray(nl + 1);
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      if (line.length > maxLineBytes) return drop();
      answer(line.toString('utf8'));
    }
  });

  function answer(line: string): void {
    if (line === 'exit' || line === 'quit') {
      finished = true;
      socket.end('Done\r\n');
      return;
    }
    socket.write(respond(line, stats) + '\r\n');
    if (socket.writableLength > maxPendingWriteBytes) drop();
  }

  function drop(): void {
    finished = true;
    pending = [];
    socket.destroy();
  }
}

/** The answer line (without its line end) to one request line. */
export function respond(line: string, stats: ServerStats): string {
  let commands: unknown;
  try {
    commands = JSON.parse(line);
  } catch {
    return BAD_COMMAND;
  }
  if (!Array.isArray(commands) || !commands.every((c) => typeof c === 'string')) return BAD_COMMAND;
  return JSON.stringify(runCommands(commands as string[], stats));
}

/** Each command name → its result; a null-prototype object, so any name is just a key. */
export function runCommands(names: readonly string[], stats: ServerStats): Record<string, unknown> {
  const results: Record<string, unknown> = Object.create(null);
  let snapshot: StatsSnapshot | undefined;
  const snap = (): StatsSnapshot => (snapshot ??= stats.snapshot());
  for (const name of names) results[name] = runCommand(name, snap, stats);
  return results;
}

function runCommand(name: string, snap: () => StatsSnapshot, stats: ServerStats): unknown {
  switch (name) {
    case 'stats':
      return snap();
    case 'slots':
      return slots(stats);
    case 'jobcount':
      return 0;
    case 'jobs':
      return {};
    case 'job_assignments':
      return { workers: [], level: 0 };
    case 'test_work':
      return { queued: 0, assigned: 0, completed: 0 };
    case 'directory':
      return {};
    case 'loadsim_service_times': {
      // The testbed's own: every request's time here since the last asking (then cleared), as an encoded LatencyHistogram.
      const h = stats.takeServiceTimes();
      return { count: h.count, encoded: h.encode() };
    }
  }
  if (name.startsWith('stats_')) {
    const key = name.slice('stats_'.length);
    const s = snap();
    return Object.hasOwn(s, key) ? s[key as keyof StatsSnapshot] : '';
  }
  return '';
}

/**
 * CalendarServer reports one entry per child process (the dashboard's Slots window reads
 * these keys). The testbed is one process: slot 0, every outstanding request acknowledged,
 * never overloaded (it has no request limiter).
 */
function slots(stats: ServerStats): { slots: Record<string, number>[]; overloaded: boolean } {
  return {
    slots: [
      {
        slot: 0,
        unacknowledged: 0,
        acknowledged: stats.outstanding,
        unclosed: 0,
        total: stats.totalRequests,
        started: 1,
        starting: 0,
        stopped: 0,
        abandoned: 0,
      },
    ],
    overloaded: false,
  };
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
