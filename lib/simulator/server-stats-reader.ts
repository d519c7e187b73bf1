import { connect } from 'node:net';

/** The 5-minute aggregate of a server's stats socket (the original's sim.py, server stats), in the report's units. */
export interface ServerStatsReading {
  requestsPerSecond: number;
  responseMs: number;
  slots: number;
  cpuPercent: number;
}

export interface StatsReadOptions {
  timeoutMs: number;
  /** Most bytes read. */
  maxBytes: number;
}

export const statsReadDefaults: StatsReadOptions = { timeoutMs: 5000, maxBytes: 1 << 20 };

const safeDiv = (a: number, b: number) => (b ? a / b : 0);

/** Turn a stats document of either generation into the report's four figures. */
export function readingFrom(doc: unknown): ServerStatsReading | undefined {
  const d = doc as Record<string, Record<string, Record<string, number>>> | undefined;
  const w = (d?.stats?.['5m'] ?? (d as unknown as Record<string, Record<string, number>> | undefined)?.['5 Minutes']) as Record<string, number> | undefined;
  if (!w || typeof w.requests !== 'number') return undefined;
  return {
    requestsPerSecond: w.requests / 300,
    responseMs: safeDiv(w.t ?? 0, w.requests),
    slots: safeDiv(w.slots ?? 0, w.requests),
    cpuPercent: safeDiv(w.cpu ?? 0, w.requests),
  };
}

/**
 * One exchange with a stats socket: send `["stats"]` (the 2014+ line
 * protocol) and take the first line, or — an older server writes its document
 * at connect and closes — whatever arrives before the close. Bounded in time
 * and size; any failure is a message, never an exception.
 */
export function readServerStats(host: string, port: number, options: Partial<StatsReadOptions> = {}): Promise<ServerStatsReading | { error: string }> {
  const o = { ...statsReadDefaults, ...options };
  return new Promise((resolve) => {
    // Bytes as received, counted as bytes: decoded text would let a server send three bytes per counted character.
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (r: ServerStatsReading | { error: string }) => {
      if (done) return;
      done = true;
      socket.destroy();
      clearTimeout(timer);
      resolve(r);
    };
    const parse = () => {
      const data = Buffer.concat(chunks).toString('utf8');
      try {
        const reading = readingFrom(JSON.parse(data.trim().split(/\r?\n/)[0] || data));
        finish(reading ?? { error: `no 5-minute statistics in the answer from ${host}:${port}` });
      } catch (e) {
        finish({ error: `unable to parse statistics from ${host}:${port}: ${(e as Error).message}` });
      }
    };
    const socket = connect(port, host);
    const timer = setTimeout(() => finish({ error: `no statistics from ${host}:${port} within ${o.timeoutMs / 1000} s` }), o.timeoutMs);
    socket.on('connect', () => socket.write('["stats"]\r\n'));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      // Past the cap the socket is closed: a server that never stops sending costs at most maxBytes and one chunk.
      if (received > o.maxBytes) finish({ error: `statistics from ${host}:${port} larger than ${o.maxBytes} bytes` });
      else if (chunk.includes(0x0a)) parse();
    });
    socket.on('end', () => (received ? parse() : finish({ error: `${host}:${port} closed without statistics` })));
    // An older server may close before reading our command: what it sent still counts.
    socket.on('error', (e) => (received ? parse() : finish({ error: `unable to read statistics from ${host}:${port}: ${e.message}` })));
  });
}
