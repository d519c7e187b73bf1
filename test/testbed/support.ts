import { request } from 'undici';

/** Raw HTTP against the testbed (undici, not loadsim's client): what the RFCs say on the wire. */
export interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function basic(user: string, password = user): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export async function http(base: string, method: string, path: string, opts: { user?: string | null; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.user !== null) headers.authorization ??= basic(opts.user ?? 'user01');
  const r = await request(base + path, { method: method as 'GET', headers, body: opts.body, reset: false });
  return { status: r.statusCode, headers: r.headers as Raw['headers'], body: await r.body.text() };
}

export const PROPFIND = (props: string) => `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:I="http://apple.com/ns/ical/"><D:prop>${props}</D:prop></D:propfind>`;

/** A minimal event; `extra` lines go inside the VEVENT. */
export function event(uid: string, opts: { start?: string; end?: string; extra?: string[]; summary?: string } = {}): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//loadsim//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART:${opts.start ?? '20260310T100000Z'}`,
    `DTEND:${opts.end ?? '20260310T110000Z'}`,
    `SUMMARY:${opts.summary ?? 'Test event'}`,
    ...(opts.extra ?? []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

export function invitation(uid: string, organizer: string, attendees: string[], opts: { start?: string; end?: string; partstat?: Record<string, string>; sequence?: number } = {}): string {
  return event(uid, {
    start: opts.start,
    end: opts.end,
    extra: [
      `SEQUENCE:${opts.sequence ?? 0}`,
      `ORGANIZER;CN=${organizer}:mailto:${organizer}@example.com`,
      ...attendees.map((a) => `ATTENDEE;CN=${a};CUTYPE=INDIVIDUAL;PARTSTAT=${opts.partstat?.[a] ?? (a === organizer ? 'ACCEPTED' : 'NEEDS-ACTION')};ROLE=REQ-PARTICIPANT${a === organizer ? '' : ';RSVP=TRUE'}:mailto:${a}@example.com`),
    ],
  });
}

/** The hrefs of a multistatus, with the status of each (its first propstat or its own status). */
export function responses(xml: string): { href: string; status: number; body: string }[] {
  const out: { href: string; status: number; body: string }[] = [];
  for (const m of xml.matchAll(/<D:response>([\s\S]*?)<\/D:response>/g)) {
    const body = m[1]!;
    const href = /<D:href>([^<]*)<\/D:href>/.exec(body)?.[1] ?? '';
    const status = Number(/HTTP\/1\.1 (\d{3})/.exec(body)?.[1] ?? 0);
    out.push({ href, status, body });
  }
  return out;
}

export function syncTokenOf(xml: string): string {
  return /<D:sync-token>([^<]*)<\/D:sync-token>\s*<\/D:multistatus>/.exec(xml)?.[1] ?? '';
}

/** iCalendar content lines folded at 75 octets (RFC 5545 §3.1), unfolded for matching. */
export function unfold(text: string): string {
  return text.replace(/\r\n[ \t]/g, '');
}
