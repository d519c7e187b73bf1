import type { DavResult } from '../caldav/http.js';
import type { AccountRecord } from '../core/account-record.js';
import type { ClientIdentity } from '../core/events.js';
import type { ModelBehaviour } from './models.js';
import type { ClientState } from './state.js';

/** One labelled request of a profile's own (`client.request`). */
export interface RequestSpec {
  /** Parse a 207 body in the HTTP layer, so a malformed one is a failed response. */
  multistatus?: boolean;
  body?: string;
  headers?: Record<string, string>;
  depth?: '0' | '1';
  /** The statuses that are answers; any other fails the request (IncorrectResponseCode). */
  expect: readonly number[];
  /** Default `text/xml; charset=utf-8` when there is a body. */
  contentType?: string;
}

/**
 * The simulated Apple client as a profile sees it (`this.client` in
 * ProfileBase): what it knows of its server, and the write API, each method
 * sending the requests Apple's client sends for it, under the original's
 * labels (the report's rows). Every method counts its requests; one answered
 * with a status the client does not expect throws IncorrectResponseCode, which
 * ProfileBase.operation turns into an unsuccessful operation.
 */
export interface CalendarClient {
  readonly identity: ClientIdentity;
  readonly record: AccountRecord;
  readonly model: ModelBehaviour;
  /** Calendars (href → state), cached events (href → etag, data), the principal's URLs. */
  readonly state: ClientState;
  /** True once startup finished; ProfileBase waits for it. */
  readonly started: boolean;
  readonly stopped: boolean;

  /** Called with the href of every resource whose data was (re)fetched; returns the unsubscribe. */
  onEventChanged(listener: (href: string) => void): () => void;
  /** One request of your own, labelled as it should appear in the report. */
  request(label: string, method: string, hrefOrPath: string, spec: RequestSpec): Promise<DavResult>;
  /** Poll the calendar home now, as operation `poll` (never two at once). */
  poll(): Promise<boolean>;

  /** `PUT{event}` (or `PUT{organizer-<size>}` with `invite`), then the attachment if asked. */
  addEvent(href: string, data: string, opts?: { invite?: boolean; attachmentSize?: number }): Promise<void>;
  /** An invitation: attendee lookups and free-busy for some attendees, then `PUT{organizer-<size>}`. */
  addInvite(href: string, data: string, opts?: { attachmentSize?: number; lookupPercentage?: number }): Promise<void>;
  /** `PUT{update}` with If-Match; returns the status (412: re-fetch and retry). */
  changeEvent(href: string, data?: string): Promise<number>;
  /** An attendee's reply: `PUT{attendee-<size>}` with If-Schedule-Tag-Match; returns the status. */
  changeEventAttendee(href: string, data: string): Promise<number>;
  /** Add an attendee to an existing event (lookups, then the PUT); returns the status. */
  addEventAttendee(href: string, attendee: { address: string; cn?: string }): Promise<number>;
  /** `DELETE{event}`. */
  deleteEvent(href: string): Promise<void>;
  /** Re-read one resource: `GET{event}`. */
  updateEvent(href: string): Promise<void>;
  /** `POST{fb-<size>}` to the outbox: the attendees' busy time. */
  requestAvailability(start: Date, end: Date, users: string[], maskUids?: string[]): Promise<DavResult>;
  /** A managed attachment: `POST{attachment}`, then the event is re-read. */
  postAttachment(href: string, content: string): Promise<void>;
  /** Download a managed attachment once per MANAGED-ID, as operation `download`. */
  getAttachment(url: string, managedId: string): Promise<void>;
  /** `REPORT{calendar-query}` of a time range, expanded. */
  timeRangeQuery(calendarHref: string, start: Date, end: Date): Promise<void>;
  /** PROPFIND of the home and every calendar (DeepRefresher). */
  deepRefresh(): Promise<void>;
  /** `POST{apns}`: subscribe a device token for Apple push. */
  apnsSubscribe(token: string): Promise<void>;
  /** `POST{share-calendar}`: share a calendar read-write with someone. */
  shareCalendar(calendarHref: string, mailto: string): Promise<void>;
  /** Forget events and sync state, ask the principal's details again, then poll (Resetter). */
  reset(): Promise<void>;
}
