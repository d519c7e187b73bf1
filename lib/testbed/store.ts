import { serverQuirksDefaults, type PrincipalsQuirk, type ServerQuirks } from './quirks.js';
import type { AccountRecord } from '../core/account-record.js';

/** What a collection holds. Calendars hold calendar object resources; the inbox holds scheduling messages. */
export type CollectionKind = 'calendar' | 'inbox' | 'outbox' | 'notification';

/** A component type a calendar collection may hold (CALDAV:supported-calendar-component-set). */
export type ComponentName = 'VEVENT' | 'VTODO' | 'VJOURNAL' | 'VFREEBUSY';

/** One stored resource: its bytes and the tags clients condition on. */
export interface StoredResource {
  name: string;
  text: string;
  contentType: string;
  /** Strong ETag, quoted. Changes on every write. */
  etag: string;
  /** RFC 6638 Schedule-Tag, quoted, for scheduling object resources. */
  scheduleTag?: string;
  /** The UID of the calendar data, for the no-uid-conflict precondition and scheduling. */
  uid?: string;
  component?: ComponentName;
  /** Parsed form, kept so REPORTs do not re-parse on every query. */
  parsed?: unknown;
  lastModified: number;
  /** For a resource of the notification collection: the inner XML of its CS:notificationtype. */
  notificationType?: string;
}

let nextTag = 1;
/** A fresh strong ETag or Schedule-Tag. A counter: unique for the life of the process, and free to compute. */
export function freshTag(): string {
  return `"${(nextTag++).toString(36)}"`;
}

let nextCollectionId = 1;

interface Change {
  rev: number;
  deleted: boolean;
}

/**
 * A change log keyed by member name: enough for RFC 6578 sync-collection
 * (every member changed after a token, removals reported as 404) without
 * keeping a history per revision.
 */
export class ChangeLog {
  revision = 1;
  private readonly changes = new Map<string, Change>();

  record(name: string, deleted: boolean): void {
    this.revision++;
    // Delete first so iteration order follows change order.
    this.changes.delete(name);
    this.changes.set(name, { rev: this.revision, deleted });
  }

  /** Members changed after `rev`; undefined when `rev` was never issued here. */
  since(rev: number): { changed: string[]; deleted: string[] } | undefined {
    if (!Number.isInteger(rev) || rev < 1 || rev > this.revision) return undefined;
    const changed: string[] = [];
    const deleted: string[] = [];
    for (const [name, c] of this.changes) {
      if (c.rev > rev) (c.deleted ? deleted : changed).push(name);
    }
    return { changed, deleted };
  }
}

/** A collection in a calendar home. */
export class Collection {
  readonly id = nextCollectionId++;
  readonly resources = new Map<string, StoredResource>();
  readonly log = new ChangeLog();
  /** Dead properties set by PROPPATCH (and MKCALENDAR): Clark name → serialized element. */
  readonly deadProps = new Map<string, string>();
  /** Bumped on any change of the collection's own properties, for home sync. */
  propsVersion = 1;
  /** Sharees' views of this calendar (sharing.ts): their homes' change logs hear of every member change here. */
  readonly views = new Set<Collection>();
  /** Called when the collection leaves its home (sharing.ts: unshare everyone, or decline for a sharee's view). */
  onRemove: (() => void) | undefined = undefined;

  constructor(
    readonly home: Home,
    readonly name: string,
    readonly kind: CollectionKind,
    public components: readonly ComponentName[],
    public displayName: string,
  ) {}

  get path(): string {
    return `${this.home.path}${this.name}/`;
  }
  get owner(): User {
    return this.home.owner;
  }
  /** The collection whose members these are: itself, or for a sharee's view the owner's calendar. */
  get source(): Collection {
    return this;
  }
  /** Whether the user whose home this is may change its members (false for a read-only share). */
  get writable(): boolean {
    return true;
  }
  /** CS:getctag: changes whenever a member changes. */
  get ctag(): string {
    return `"${this.log.revision}"`;
  }
  get syncToken(): string {
    return syncToken(this.id, this.log.revision);
  }

  /** Bytes of calendar data held: kept as a running sum, since every home PROPFIND asks quota-used-bytes of each calendar. */
  bytesUsed = 0;

  put(resource: StoredResource): void {
    this.bytesUsed += resource.text.length - (this.resources.get(resource.name)?.text.length ?? 0);
    this.resources.set(resource.name, resource);
    this.log.record(resource.name, false);
    this.membersChanged();
  }

  remove(name: string): StoredResource | undefined {
    const r = this.resources.get(name);
    if (!r) return undefined;
    this.bytesUsed -= r.text.length;
    this.resources.delete(name);
    this.log.record(name, true);
    this.membersChanged();
    return r;
  }

  /** The resource holding calendar data with this UID, if any. */
  findByUid(uid: string): StoredResource | undefined {
    for (const r of this.resources.values()) if (r.uid === uid) return r;
    return undefined;
  }

  propsChanged(): void {
    this.propsVersion++;
    this.home.memberChanged(this);
  }

  /**
   * A member changed: the home's log (home sync, push) and each sharee's home, whose
   * view shows the same members. Written straight into the sharee's log, not through
   * memberChanged, so it pushes nothing: sharees' clients subscribe to the shared
   * calendar's own pushkey, which the owner's home announces (as CalendarServer does).
   */
  private membersChanged(): void {
    this.home.memberChanged(this);
    for (const v of this.views) v.home.log.record(v.name, false);
  }
}

/** Who hears of every change in a home: the push service sets `listener`; one feed per Store, shared by its homes. */
export class ChangeFeed {
  listener: ((home: Home, member: string) => void) | undefined = undefined;
}

const TOKEN_PREFIX = 'data:,loadsim-sync/';

/** Sync tokens are URIs (RFC 6578 §3.2); a `data:` URI needs no host of ours. */
export function syncToken(collectionId: number, rev: number): string {
  return `${TOKEN_PREFIX}${collectionId}/${rev}`;
}

export function parseSyncToken(token: string): { collectionId: number; rev: number } | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const [id, rev] = token.slice(TOKEN_PREFIX.length).split('/');
  const collectionId = Number(id);
  const r = Number(rev);
  return Number.isInteger(collectionId) && Number.isInteger(r) ? { collectionId, rev: r } : undefined;
}

/** A user's calendar home: its collections, and a change log of them for home sync. */
export class Home {
  readonly id = nextCollectionId++;
  readonly collections = new Map<string, Collection>();
  readonly log = new ChangeLog();
  readonly deadProps = new Map<string, string>();
  /** Set by the Store: where changes in this home are announced (push). */
  feed: ChangeFeed | undefined = undefined;

  constructor(readonly owner: User) {}

  get path(): string {
    return `/calendars/users/${this.owner.uid}/`;
  }
  get syncToken(): string {
    return syncToken(this.id, this.log.revision);
  }
  get ctag(): string {
    return `"${this.log.revision}"`;
  }

  add(c: Collection): Collection {
    this.collections.set(c.name, c);
    this.log.record(c.name, false);
    this.feed?.listener?.(this, c.name);
    return c;
  }

  delete(name: string): void {
    const c = this.collections.get(name);
    if (!c) return;
    this.collections.delete(name);
    this.log.record(name, true);
    this.feed?.listener?.(this, name);
    c.onRemove?.();
  }

  memberChanged(c: Collection): void {
    this.log.record(c.name, false);
    this.feed?.listener?.(this, c.name);
  }

  /** The default calendar for new invitations: the first calendar that holds events. */
  get defaultCalendar(): Collection | undefined {
    for (const c of this.collections.values()) if (c.kind === 'calendar' && c.source === c && c.components.includes('VEVENT')) return c;
    return undefined;
  }
  get inbox(): Collection {
    return this.collections.get('inbox')!;
  }
}

/** A user, their principal and their home. */
export class User {
  readonly home: Home;
  /** The principal's URL: per uid, or only under the guid when principals are hidden (quirks.ts). */
  readonly principalPath: string;
  constructor(
    readonly record: AccountRecord,
    principals: PrincipalsQuirk = 'per-user',
  ) {
    this.principalPath = principals === 'hidden' ? `/principals/__uids__/${encodeURIComponent(record.guid)}/` : `/principals/users/${record.uid}/`;
    this.home = new Home(this);
    this.home.add(new Collection(this.home, 'calendar', 'calendar', ['VEVENT'], 'calendar'));
    this.home.add(new Collection(this.home, 'tasks', 'calendar', ['VTODO'], 'tasks'));
    this.home.add(new Collection(this.home, 'inbox', 'inbox', [], 'inbox'));
    this.home.add(new Collection(this.home, 'outbox', 'outbox', [], 'outbox'));
    this.home.add(new Collection(this.home, 'notification', 'notification', [], 'notification'));
  }
  get uid(): string {
    return this.record.uid;
  }
  get mailto(): string {
    return `mailto:${this.record.email.toLowerCase()}`;
  }
  /** Every calendar user address of this user (CALDAV:calendar-user-address-set). */
  get addresses(): string[] {
    return [this.mailto, `urn:x-uid:${this.record.guid}`, `urn:uuid:${this.record.guid}`, this.principalPath];
  }
}

export interface StoreLimits {
  /** Largest calendar object resource, bytes (CALDAV:max-resource-size). */
  maxResourceSize: number;
  /** Most resources in one collection. */
  maxResourcesPerCollection: number;
  /** Most instances a recurrence is expanded to in time-range queries. */
  maxInstances: number;
  /** Largest managed attachment, bytes (beyond: 403 CALDAV:max-attachment-size). Requests are also capped by the server's maxBodyBytes (413). */
  maxAttachmentSize: number;
  /** Most bytes of all managed attachments held in memory together (beyond: 507 DAV:quota-not-exceeded). */
  maxAttachmentBytes: number;
}

export const storeLimitsDefaults: StoreLimits = {
  maxResourceSize: 1_000_000,
  maxResourcesPerCollection: 10_000,
  maxInstances: 10_000,
  maxAttachmentSize: 4_000_000,
  maxAttachmentBytes: 256_000_000,
};

/** Everything the testbed knows, in memory. */
export class Store {
  readonly users = new Map<string, User>();
  private readonly byAddress = new Map<string, User>();
  readonly limits: StoreLimits;
  /** Every home announces its changes here (the push service listens). */
  readonly feed = new ChangeFeed();

  /** How this server differs from CalendarServer (quirks.ts); property answers depend on it. */
  readonly quirks: ServerQuirks;

  constructor(records: readonly AccountRecord[], limits: Partial<StoreLimits> = {}, quirks: Partial<ServerQuirks> = {}) {
    this.limits = { ...storeLimitsDefaults, ...limits };
    this.quirks = { ...serverQuirksDefaults, ...quirks };
    for (const r of records) this.addUser(r);
  }

  addUser(record: AccountRecord): User {
    const u = new User(record, this.quirks.principals);
    u.home.feed = this.feed;
    this.users.set(u.uid, u);
    for (const a of u.addresses) this.byAddress.set(a.toLowerCase(), u);
    return u;
  }

  /** The local user with this calendar user address (mailto:, urn:x-uid:, urn:uuid:, principal path). */
  userByAddress(address: string): User | undefined {
    return this.byAddress.get(address.trim().toLowerCase());
  }
}
