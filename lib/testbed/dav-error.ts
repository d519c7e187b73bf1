import { NS } from '../xml/namespaces.js';
import { element } from '../xml/write.js';

/**
 * A request the testbed refuses: an HTTP status, and for WebDAV/CalDAV
 * preconditions (RFC 4918 §16) the condition element that goes in DAV:error.
 */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The precondition violated, e.g. {ns: NS.CALDAV, name: 'valid-calendar-data'}. */
    readonly condition?: { ns: string; name: string; inner?: string },
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The body: a DAV:error naming the condition, or nothing. */
  body(): string {
    if (!this.condition) return '';
    const { ns, name, inner } = this.condition;
    return `<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="${NS.CALDAV}" xmlns:CS="${NS.CS}">${element(ns, name, inner ?? '')}<D:responsedescription>${escapeText(this.message)}</D:responsedescription></D:error>`;
  }
}

function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export const caldavCondition = (name: string, inner?: string) => ({ ns: NS.CALDAV, name, ...(inner ? { inner } : {}) });
export const davCondition = (name: string, inner?: string) => ({ ns: NS.DAV, name, ...(inner ? { inner } : {}) });
