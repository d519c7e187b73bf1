import type { ResponseEvent, SimEvent } from '../core/events.js';
import { fixed, pad } from '../core/format.js';
import type { Observer, ReportContext } from '../registry/observer.js';

const CHECK_MARK = '\u2713';
const BALLOT_X = '\u2717';
const RULER = '='.repeat(80);

/**
 * A live line per response (the original's RequestLogger, population.py):
 * `<user> (<client>) request <code><✓|✗>[<duration %5.2f> s] <label %8s> <path>`,
 * and for a failure a block between `=` rulers with what the event knows
 * (code, URL, method, user, error). The original also dumped request and
 * response bodies there; events carry no bodies (nor headers, so no
 * credentials can ever reach this output). No report, never fails the run.
 */
export class RequestLogger implements Observer {
  constructor(private readonly out: (line: string) => void) {}

  observe(event: SimEvent): void {
    if (event.type !== 'response') return;
    this.out(requestLine(event));
    if (!event.success) {
      this.out(RULER);
      this.out(`INCORRECT ERROR CODE: ${event.status}`);
      this.out(`URL: ${withoutCredentials(event.url)}`);
      this.out(`METHOD: ${event.label}${event.label === event.method ? '' : ` (${event.method})`}`);
      this.out(`USER: ${event.user}`);
      if (event.error) this.out(`ERROR: ${event.error}`);
      this.out(RULER);
    }
  }

  report(_out: (line: string) => void, _ctx: ReportContext): void {}

  failures(): string[] {
    return [];
  }
}

/**
 * The one-line form. The client's `clientType` (`<title> <instance>`) is shown
 * in parentheses, as the original's client_type value carried them.
 */
export function requestLine(e: ResponseEvent): string {
  return `${e.user} (${e.clientType}) request ${e.status}${e.success ? CHECK_MARK : BALLOT_X}[${fixed(e.durationMs / 1000, 2, 5)} s] ${pad(e.label, 8)} ${pathOf(e.url)}`;
}

/** The URL without scheme and host, as the original printed it. */
export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}${u.hash}`;
  } catch {
    return url;
  }
}

/** The URL with any `user:password@` removed: logs and files never carry credentials. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}
