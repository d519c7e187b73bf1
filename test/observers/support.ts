import { VirtualClock } from '../../lib/core/clock.js';
import type { OperationEvent, ResponseEvent } from '../../lib/core/events.js';
import type { ObserverContext, ReportContext } from '../../lib/registry/observer.js';

/** A response event; `duration` in seconds, as the original's tests wrote them. */
export function response(label: string, duration: number, success = true, more: Partial<ResponseEvent> = {}): ResponseEvent {
  return {
    type: 'response',
    label,
    method: label.replace(/\{.*$/, ''),
    url: 'http://127.0.0.1:8008/calendars/users/user01/calendar/1.ics',
    status: success ? 200 : 500,
    success,
    durationMs: duration * 1000,
    bytesOut: 0,
    bytesIn: 0,
    user: 'user01',
    clientId: '1234',
    clientType: 'test 0',
    at: Date.UTC(2026, 0, 5, 9),
    ...more,
  };
}

export function operation(phase: OperationEvent['phase'], label: string, more: Partial<OperationEvent> = {}): OperationEvent {
  return { type: 'operation', phase, label, user: 'user01', clientId: '1234', clientType: 'test 0', at: Date.UTC(2026, 0, 5, 9), ...more };
}

/** Collects lines. */
export function lines(): { out: (line: string) => void; lines: string[] } {
  const collected: string[] = [];
  return { out: (line) => void collected.push(line), lines: collected };
}

export function observerContext(out: (line: string) => void = () => {}): ObserverContext {
  return { clock: new VirtualClock(), out };
}

export const reportContext: ReportContext = {
  // Local time, so the printed start time does not depend on the machine's zone.
  startedAt: new Date(2026, 9, 22, 2, 21, 3).getTime(),
  runSeconds: 600,
  cpu: { user: 12.31, system: 3.2 },
  users: 3,
  clients: 3,
  seed: 'test',
};
