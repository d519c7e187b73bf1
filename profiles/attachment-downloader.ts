import type { ProfileContext } from '../lib/registry/profile.js';
import { mayMention, parseCalendar } from './calendar-data.js';
import { ProfileBase } from './profile-base.js';

/**
 * The attachment URL as this client reaches it: the path of `url` on the
 * managed-attachments server the home advertises, else the bare path (the
 * client sends it to its own server). A server may write attachment URLs with
 * a host name its clients reach differently (profiles.py, test_profiles'
 * _normalizeHref).
 */
export function normalizeAttachmentHref(url: string, attachmentsServer: string): string {
  let path: string;
  try {
    const u = new URL(url, 'http://placeholder');
    path = u.pathname + u.search;
  } catch {
    return url;
  }
  return /^https?:\/\//i.test(attachmentsServer) ? new URL(attachmentsServer).origin + path : path;
}

/**
 * AttachmentDownloader (the original's profiles.py): for every event of a calendar the client
 * fetches, each managed attachment (ATTACH with MANAGED-ID) is downloaded
 * once per MANAGED-ID: `GET{attachment}` as the client operation `download`.
 */
export class AttachmentDownloader extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'AttachmentDownloader');
  }

  /** From before the client's startup, as the original: what the first poll fetches is answered too. */
  protected override subscribe(): void {
    this.listen((href) => this.eventChanged(href));
  }

  protected run(): void {}

  private eventChanged(href: string): void {
    const state = this.client.state;
    if (state.calendarOf(href)?.kind !== 'calendar') return;
    const data = state.events.get(href)?.data;
    // Most events have no managed attachment: those are not parsed (in the accelerated mix this
    // parse was as much of a client's iCalendar work as building its invitations).
    if (!mayMention(data, 'MANAGED-ID')) return;
    const vcal = parseCalendar(data);
    if (!vcal) return;
    for (const component of vcal.getAllSubcomponents()) {
      for (const attach of component.getAllProperties('attach')) {
        const managedId = attach.getParameter('managed-id') as unknown;
        if (typeof managedId !== 'string' || !managedId) continue;
        const url = normalizeAttachmentHref(String(attach.getFirstValue() ?? ''), state.attachmentsUrl);
        this.after(0, () => this.client.getAttachment(url, managedId));
      }
    }
  }
}
