/** XML namespaces of WebDAV, CalDAV and their Apple/CalendarServer extensions. */
export const NS = {
  DAV: 'DAV:',
  CALDAV: 'urn:ietf:params:xml:ns:caldav',
  CS: 'http://calendarserver.org/ns/',
  ICAL: 'http://apple.com/ns/ical/',
} as const;

/** The prefixes loadsim writes; declared once on each document's root element. */
export const PREFIX: Readonly<Record<string, string>> = {
  [NS.DAV]: 'D',
  [NS.CALDAV]: 'C',
  [NS.CS]: 'CS',
  [NS.ICAL]: 'I',
};

export const ROOT_XMLNS = Object.entries(PREFIX)
  .map(([uri, p]) => ` xmlns:${p}="${uri}"`)
  .join('');

/** `{namespace}local`, the usual way to name an XML element in one string. */
export function clark(ns: string, name: string): string {
  return `{${ns}}${name}`;
}

export function splitClark(c: string): { ns: string; name: string } {
  const close = c.indexOf('}');
  return close > 0 && c.startsWith('{') ? { ns: c.slice(1, close), name: c.slice(close + 1) } : { ns: '', name: c };
}
