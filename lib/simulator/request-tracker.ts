import type { RequestEvent, ResponseEvent, SimEvent } from '../core/events.js';

/**
 * Requests sent and not yet answered, per client. At the end of a run, what
 * is still open after the grace period is reported as failed ("interrupted"),
 * so no request that was started is missing from the counts.
 */
export class RequestTracker {
  private readonly open = new Map<string, RequestEvent[]>();
  private count = 0;

  get inFlight(): number {
    return this.count;
  }

  observe(e: SimEvent): void {
    if (e.type === 'request') {
      const list = this.open.get(e.clientId);
      if (list) list.push(e);
      else this.open.set(e.clientId, [e]);
      this.count++;
    } else if (e.type === 'response') {
      const list = this.open.get(e.clientId);
      const i = list ? list.findIndex((r) => r.label === e.label && r.url === e.url) : -1;
      if (i < 0) return;
      list!.splice(i, 1);
      if (list!.length === 0) this.open.delete(e.clientId);
      this.count--;
    }
  }

  /** Failed responses for everything still open; the tracker is then empty. */
  interrupt(at: number): ResponseEvent[] {
    const out: ResponseEvent[] = [];
    for (const list of this.open.values()) {
      for (const r of list) {
        out.push({
          type: 'response',
          user: r.user,
          clientId: r.clientId,
          clientType: r.clientType,
          label: r.label,
          method: r.method,
          url: r.url,
          status: 0,
          success: false,
          durationMs: Math.max(0, at - r.at),
          bytesOut: 0,
          bytesIn: 0,
          error: 'interrupted',
          at,
        });
      }
    }
    this.open.clear();
    this.count = 0;
    return out;
  }
}
