import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CalendarState, ClientState, EventState } from './state.js';

/** The scalar fields of a client's state that are saved as they are. */
const SCALARS = [
  'principalURL', 'homeHref', 'outboxHref', 'inboxHref', 'notificationHref', 'notificationToken',
  'email', 'uuid', 'principalCollection', 'homeToken', 'attachmentsUrl',
] as const;
type Scalar = (typeof SCALARS)[number];

/** What is saved per client: enough to skip discovery and full syncs on the next run (the original's ical.py, client serialization). */
type SavedState = { version: 1; calendars: CalendarState[]; events: Record<string, EventState> } & Record<Scalar, string>;

/** The folder of one client: `<Path>/<uid>-<title with spaces as _>`, as the original names it. */
export function clientFolder(root: string, uid: string, title: string): string {
  return path.join(root, `${uid}-${title.replace(/ /g, '_').replace(/[/\\]/g, '_')}`);
}

/** Write the state (calendar data included, which the profiles need) atomically. */
export function saveClientState(folder: string, s: ClientState): void {
  const saved = {
    version: 1,
    ...Object.fromEntries(SCALARS.map((k) => [k, s[k]])),
    calendars: [...s.calendars.values()].sort((a, b) => a.href.localeCompare(b.href)),
    events: Object.fromEntries([...s.events.entries()].sort(([a], [b]) => a.localeCompare(b))),
  } as SavedState;
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, 'index.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(saved, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** Restore a saved state; false when there is none or it cannot be read (the client then starts afresh). */
export function loadClientState(folder: string, s: ClientState): boolean {
  let saved: SavedState;
  try {
    saved = JSON.parse(readFileSync(path.join(folder, 'index.json'), 'utf8')) as SavedState;
  } catch {
    return false;
  }
  if (saved.version !== 1 || !saved.principalURL) return false;
  s.clear();
  for (const k of SCALARS) if (typeof saved[k] === 'string') s[k] = saved[k];
  for (const c of saved.calendars ?? []) s.calendars.set(c.href, c);
  for (const [href, e] of Object.entries(saved.events ?? {})) s.events.set(href, e);
  // A calendar listing an event the file lost is resynced in full (the original's rule).
  for (const c of s.calendars.values()) if (s.eventsIn(c.href).some((h) => !s.events.get(h)?.etag)) c.token = '';
  return true;
}
