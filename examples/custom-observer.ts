/**
 * An observer of your own: a line for every failed request as it happens
 * (label, status, why, URL), and their count in the report. Observers read
 * the run's events (lib/core/events.ts: request, response, operation, notice, …)
 * and never act on clients; `failures()` may fail the run.
 *
 * In a config.plist (examples/custom-observer-config.plist):
 *
 *   <key>observers</key>
 *   <array>
 *     <dict><key>type</key><string>ReportStatistics</string></dict>
 *     <dict>
 *       <key>type</key>   <string>../dist/examples/custom-observer.js#FailedRequests</string>
 *       <key>params</key> <dict><key>maxLines</key><integer>20</integer></dict>
 *     </dict>
 *   </array>
 */
import { defineObserver, type Observer, type ObserverContext, type ParamValues, type SimEvent } from '../lib/index.js';

class FailedRequestPrinter implements Observer {
  private failed = 0;
  constructor(
    private readonly maxLines: number,
    private readonly out: (line: string) => void,
  ) {}

  observe(e: SimEvent): void {
    if (e.type !== 'response' || e.success) return;
    if (++this.failed <= this.maxLines) this.out(`FAILED ${e.label} ${e.status || '-'} ${e.error ?? ''} ${e.url}`);
    else if (this.failed === this.maxLines + 1) this.out(`FAILED … (more failures are counted, not printed)`);
  }

  report(out: (line: string) => void): void {
    out(`* Failed requests: ${this.failed}`);
  }

  failures(): string[] {
    return [];
  }
}

export const FailedRequests = defineObserver({
  name: 'FailedRequests',
  summary: 'prints a line per failed request',
  params: { maxLines: { type: 'number', rule: { integer: true, min: 0 }, default: 100, doc: 'lines printed at most' } },
  create: (values: ParamValues, ctx: ObserverContext) => new FailedRequestPrinter(values.maxLines as number, ctx.out),
});
