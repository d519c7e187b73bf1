/**
 * A CPU profile of a window of a running node process, through its inspector
 * (`--inspect=127.0.0.1:PORT`): `--cpu-prof` profiles a process's whole life,
 * start-ups included, where the capacity benchmark wants one step's steady
 * state. The profile is written in `--cpu-prof`'s format (.cpuprofile), for
 * the same tools.
 *
 * Not a test file (see run-all.ts): importing it does nothing.
 */
import { writeFileSync } from 'node:fs';
import { WebSocket } from 'undici';

/** Inspector commands over one WebSocket session. */
export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (ev) => {
      const m = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    });
  }

  /** The session of the process whose inspector listens on `port` (retried while it starts). */
  static async open(port: number): Promise<InspectorSession> {
    let url: string | undefined;
    for (let i = 0; i < 50 && !url; i++) {
      try {
        const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
        url = list[0]?.webSocketDebuggerUrl;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (!url) throw new Error(`no inspector on port ${port}`);
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`inspector ${url}: could not connect`)), { once: true });
    });
    return new InspectorSession(ws);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Start sampling (every `intervalUs` µs). */
  async startProfile(intervalUs = 1000): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.send('Profiler.start');
  }

  /** Stop sampling and write the profile to `file`. */
  async stopProfile(file: string): Promise<void> {
    const r = (await this.send('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(r.profile));
  }

  /**
   * Start V8's sampling heap profiler: what allocates, sampled every
   * `intervalBytes` on average, counting the objects collected since (the
   * young generation's garbage is what makes scavenges).
   */
  async startAllocationSampling(intervalBytes = 16384): Promise<void> {
    await this.send('HeapProfiler.enable');
    // LOADSIM_BENCH_PROFILE_LIVE=1: only what is still alive when sampling stops (what a window's
    // work leaves behind: what scavenges copy and promote), rather than everything allocated.
    const all = process.env.LOADSIM_BENCH_PROFILE_LIVE !== '1';
    await this.send('HeapProfiler.startSampling', { samplingInterval: intervalBytes, includeObjectsCollectedByMajorGC: all, includeObjectsCollectedByMinorGC: all });
  }

  /** Stop it and write the profile (.heapprofile, as `--heap-prof` writes) to `file`. */
  async stopAllocationSampling(file: string): Promise<void> {
    const r = (await this.send('HeapProfiler.stopSampling')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(r.profile));
  }

  close(): void {
    this.ws.close();
  }
}
