import { randomUUID } from 'node:crypto';
import type { CalendarObject } from '../ical/calendar-object.js';
import { freshTag, type Collection, type Store } from './store.js';

/**
 * Where a testbed keeps its managed attachments (attachments.ts serves them): the
 * bytes in memory, by managed id and by URL, with each event's dropbox id.
 */

export interface Attachment {
  readonly managedId: string;
  /** The URL path, percent-encoded. */
  readonly path: string;
  /** The owner's calendar (a sharee's upload goes there too) and the event's name in it. */
  readonly collection: Collection;
  readonly resourceName: string;
  /** `<owner uid>/<dropbox id>/<name>`, decoded: how a GET finds it. */
  readonly key: string;
  fileName: string;
  contentType: string;
  bytes: Buffer;
  etag: string;
}

export class AttachmentStore {
  private readonly byId = new Map<string, Attachment>();
  /** `<owner uid>/<dropbox id>/<name>`, decoded → attachment. */
  private readonly byKey = new Map<string, Attachment>();
  /** `<collection id>/<resource name>` → the event's dropbox id (CalendarServer's per-object DROPBOX_ID). */
  private readonly dropboxes = new Map<string, string>();
  totalBytes = 0;

  get count(): number {
    return this.byId.size;
  }

  get(managedId: string): Attachment | undefined {
    return this.byId.get(managedId);
  }

  find(ownerUid: string, dropboxId: string, name: string): Attachment | undefined {
    return this.byKey.get(`${ownerUid}/${dropboxId}/${name}`);
  }

  dropboxOf(c: Collection, name: string): string {
    const k = `${c.id}/${name}`;
    let d = this.dropboxes.get(k);
    if (!d) this.dropboxes.set(k, (d = randomUUID()));
    return d;
  }

  add(a: Attachment): void {
    this.byId.set(a.managedId, a);
    this.byKey.set(a.key, a);
    this.totalBytes += a.bytes.length;
  }

  replaceBytes(a: Attachment, bytes: Buffer): void {
    this.totalBytes += bytes.length - a.bytes.length;
    a.bytes = bytes;
    a.etag = freshTag();
  }

  free(a: Attachment): void {
    if (this.byId.get(a.managedId) !== a) return;
    this.byId.delete(a.managedId);
    this.byKey.delete(a.key);
    this.totalBytes -= a.bytes.length;
  }

  /** Is the event it belongs to still there, in its home, with its ATTACH? */
  live(a: Attachment): boolean {
    const c = a.collection;
    if (c.home.collections.get(c.name) !== c) return false;
    const parsed = c.resources.get(a.resourceName)?.parsed as CalendarObject | undefined;
    return !!parsed && parsed.components.some((comp) => comp.getAllProperties('attach').some((p) => String(p.getParameter('managed-id') ?? '') === a.managedId));
  }

  /**
   * Free every attachment no event carries any more, and forget the dropbox ids of
   * events left with none (a later upload to such an event just gets a new one).
   */
  sweep(): void {
    const kept = new Set<string>();
    for (const a of [...this.byId.values()]) {
      if (this.live(a)) kept.add(`${a.collection.id}/${a.resourceName}`);
      else this.free(a);
    }
    for (const k of [...this.dropboxes.keys()]) if (!kept.has(k)) this.dropboxes.delete(k);
  }
}

const stores = new WeakMap<Store, AttachmentStore>();

/** The managed attachments of a testbed's store. */
export function attachmentsOf(store: Store): AttachmentStore {
  let a = stores.get(store);
  if (!a) stores.set(store, (a = new AttachmentStore()));
  return a;
}

/** For targets.ts: the attachment a decoded `/calendars/__uids__/<uid>/dropbox/<id>/<name>` path names. */
export function findAttachment(store: Store, ownerUid: string, dropboxId: string, name: string): Attachment | undefined {
  return stores.get(store)?.find(ownerUid, dropboxId, name);
}
