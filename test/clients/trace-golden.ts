/**
 * Golden request traces of Apple's CalendarServer load simulator, written by
 * reading its contrib/performance/loadtest/ical.py at two revisions:
 * "2013" (8916047aa) and "master" (HEAD). Each step is one request as the
 * original sends it: [label, method, Depth header ('-' when none), target kind].
 *
 * The traces are for loadsim's testbed in the state trace.test.ts sets up:
 * - the user's home lists, in this order, calendar (VEVENT), tasks (VTODO),
 *   inbox, outbox, notification; the original iterates its parsed multistatus,
 *   a Python 2 dict whose order is not the server's; we take the server's order.
 * - every collection has a DAV:displayname equal to its name, so the inbox's
 *   is "inbox": the original's `cal.name == "inbox"` tests are true for it.
 * - the calendar holds one event (seed.ics) before startup; the "changed poll"
 *   follows a change of that event made directly on the server.
 * - /.well-known/caldav/ answers 301 to "/", whose PROPFIND names the
 *   current-user-principal; the home lists DAV:sync-collection in its
 *   supported-report-set and answers DAV:sync-token to a home PROPFIND that asks
 *   for it; the notification collection is empty.
 * - the testbed answers every PUT here (with or without attendees) with an
 *   ETag, so master never re-reads after a PUT (its updateEvent runs only
 *   when the answer has no ETag).
 *
 * Where the original raises a non-HTTP exception (TypeError) the trace stops
 * there: ical.py _newOperation re-raises such errors, so the operation has no
 * end and the client's run() (or its LoopingCall) ends. `crash` names the error.
 */

export type Generation = '2013' | 'master';
export type TraceModel = 'OS_X_10_6' | 'OS_X_10_7' | 'OS_X_10_11' | 'iOS_5';
/** [label, method, Depth header or '-', target kind] */
export type Step = readonly [label: string, method: string, depth: string, kind: string];
export type Phase = 'startup' | 'unchangedPoll' | 'changedPoll' | 'addEvent' | 'addEventAttendee' | 'changeEvent' | 'addInvite' | 'requestAvailability' | 'deleteEvent';

export interface PhaseTrace {
  steps: readonly Step[];
  /** The original stops here with this exception (see the file comment). */
  crash?: string;
}

export interface GoldenCase {
  model: TraceModel;
  generation: Generation;
  /** The client's instanceNumber (master's PROPFIND{inbox} is sent by instance 0 only). */
  instanceNumber: number;
  phases: Partial<Record<Phase, PhaseTrace>>;
}

/** Which models each revision's ical.py defines. */
export const MODELS_BY_GENERATION: Record<Generation, readonly TraceModel[]> = {
  // ical.py (8916047aa): classes OS_X_10_6, OS_X_10_7, iOS_5.
  '2013': ['OS_X_10_6', 'OS_X_10_7', 'iOS_5'],
  // ical.py (master): classes OS_X_10_6, OS_X_10_7, OS_X_10_11, iOS_5.
  master: ['OS_X_10_6', 'OS_X_10_7', 'OS_X_10_11', 'iOS_5'],
};

const s = (label: string, method: string, depth: string, kind: string): Step => [label, method, depth, kind];
const ok = (...steps: Step[]): PhaseTrace => ({ steps });

// ---- discovery (both revisions) ------------------------------------------------------------

/** ical.py OS_X_10_6.startup: _principalPropfindInitial (PROPFIND, Depth 0 by _propfind's default). */
const FIND_PRINCIPAL = [s('PROPFIND{find-principal}', 'PROPFIND', '0', 'principal')];
/** ical.py OS_X_10_7/OS_X_10_11/iOS_5.startup: _startupPropfindWellKnown, then the same PROPFIND at the 301's Location ("/"). */
const WELL_KNOWN = [s('PROPFIND{well-known}', 'PROPFIND', '0', 'well-known'), s('PROPFIND{well-known}', 'PROPFIND', '0', 'root')];
/** ical.py BaseAppleClient._extractPrincipalDetails: _principalPropfind, then _principalSearchPropertySetReport (_report's default Depth 0). */
const PRINCIPAL_DETAILS = [s('PROPFIND{principal}', 'PROPFIND', '0', 'principal'), s('REPORT{pset}', 'REPORT', '0', 'principals-collection')];

// ---- polling pieces ------------------------------------------------------------------------

/** ical.py BaseAppleClient._calendarHomePropfind. */
const HOME = s('PROPFIND{home}', 'PROPFIND', '1', 'home');
/** ical.py BaseAppleClient._calendarHomeSync (master). */
const HOME_SYNC = s('REPORT{sync-home}', 'REPORT', '1', 'home');
/** ical.py BaseAppleClient._pollFirstTime1: color, order, timezone PROPPATCH of each calendar not named "inbox" (no Depth). */
const PROPPATCH3 = [s('PROPPATCH{calendar}', 'PROPPATCH', '-', 'calendar'), s('PROPPATCH{calendar}', 'PROPPATCH', '-', 'calendar'), s('PROPPATCH{calendar}', 'PROPPATCH', '-', 'calendar')];
/** ical.py iOS_5._pollFirstTime1: color and order only. */
const PROPPATCH2 = [s('PROPPATCH{calendar}', 'PROPPATCH', '-', 'calendar'), s('PROPPATCH{calendar}', 'PROPPATCH', '-', 'calendar')];
/** ical.py BaseAppleClient._updateCalendar_PROPFIND. */
const CAL_PROPFIND = (kind: string) => s('PROPFIND{calendar}', 'PROPFIND', '1', kind);
/** ical.py BaseAppleClient._updateCalendar_SYNC; labels REPORT{sync}/{sync-init} at 8916047aa, REPORT{sync-coll}/{sync-coll-init} at master. */
const SYNC = (g: Generation, initial: boolean, kind: string) =>
  s(g === '2013' ? (initial ? 'REPORT{sync-init}' : 'REPORT{sync}') : initial ? 'REPORT{sync-coll-init}' : 'REPORT{sync-coll}', 'REPORT', '1', kind);
/** ical.py BaseAppleClient._eventReport (depth=None: no Depth header), one batch of one href. */
const MULTIGET = s('REPORT{multiget-small}', 'REPORT', '-', 'calendar');
/** ical.py iOS_5._updateCalendar_VEVENT / _updateCalendar_VTODO. */
const VEVENT = s('REPORT{vevent}', 'REPORT', '1', 'calendar');
const VTODO = s('REPORT{vtodo}', 'REPORT', '1', 'calendar');
/** ical.py BaseAppleClient._notificationPropfind and _notificationChangesPropfind (master: every poll when not notification-syncing). */
const NOTIF_PROPFINDS = [s('PROPFIND{notification}', 'PROPFIND', '0', 'notification'), s('PROPFIND{notification-items}', 'PROPFIND', '1', 'notification')];
/** ical.py BaseAppleClient._updateNotifications (master), first time; the collection is empty so no GET/DELETE follow. */
const NOTIF_SYNC_INIT = s('REPORT{sync-notif-init}', 'REPORT', '1', 'notification');
/** ical.py BaseAppleClient._inboxPropfind (master). */
const INBOX_PROPFIND = s('PROPFIND{inbox}', 'PROPFIND', '1', 'inbox');
/** ical.py BaseAppleClient._pollFirstTime2 → _principalExpand (depth=None). */
const EXPAND = s('REPORT{expand}', 'REPORT', '-', 'principal');

// ---- writes --------------------------------------------------------------------------------

const PUT_EVENT = s('PUT{event}', 'PUT', '-', 'event');
const PUT_ORGANIZER = s('PUT{organizer-small}', 'PUT', '-', 'event');
const GET_EVENT = s('GET{event}', 'GET', '-', 'event');
const FB = s('POST{fb-small}', 'POST', '-', 'outbox');
/** ical.py BaseAppleClient._attendeeAutoComplete: REPORT{psearch} (master: REPORT{cpsearch} when the model has a CalendarServer principal-search body, i.e. OS_X_10_11), depth=None, then requestAvailability. None when _ATTENDEE_LOOKUPS is False (iOS_5). */
function lookup(model: TraceModel, g: Generation): Step[] {
  if (model === 'iOS_5') return [];
  const search = g === 'master' && model === 'OS_X_10_11' ? 'REPORT{cpsearch}' : 'REPORT{psearch}';
  return [s(search, 'REPORT', '-', 'principals-collection'), FB];
}

function writes(model: TraceModel, g: Generation): Partial<Record<Phase, PhaseTrace>> {
  const w: Partial<Record<Phase, PhaseTrace>> = {
    // ical.py BaseAppleClient.addEvent (no attendees): PUT{event}; master reads it back (updateEvent) only when the answer has no ETag, and it has one here.
    addEvent: ok(PUT_EVENT),
    // ical.py BaseAppleClient.addEventAttendee: _attendeeAutoComplete, the PUT; 8916047aa always re-reads (_updateEvent → GET{event}),
    // master only without an ETag, and the testbed sends one.
    addEventAttendee: ok(...lookup(model, g), PUT_ORGANIZER, ...(g === '2013' ? [GET_EVENT] : [])),
    // ical.py BaseAppleClient.addInvite: _attendeeAutoComplete for each attendee that is not the user (one here; master with
    // lookupPercentage 100), then addEvent(invite=True): PUT{organizer-small}; no re-read (8916047aa never, master not with an ETag).
    addInvite: ok(...lookup(model, g), PUT_ORGANIZER),
    // ical.py BaseAppleClient.requestAvailability: POST to the outbox, labelled by the number of users (2).
    requestAvailability: ok(FB),
    // ical.py BaseAppleClient.deleteEvent.
    deleteEvent: ok(s('DELETE{event}', 'DELETE', '-', 'event')),
  };
  // ical.py BaseAppleClient.changeEvent exists at master only: PUT{update} with If-Match; the plain event's answer carries an ETag.
  if (g === 'master') w.changeEvent = ok(s('PUT{update}', 'PUT', '-', 'event'));
  return w;
}

// ---- the cases -----------------------------------------------------------------------------

export const GOLDEN: readonly GoldenCase[] = [
  // ======== 8916047aa ========
  // ical.py _poll (8916047aa): PROPFIND{home} every poll; first time _pollFirstTime1, then every calendar new to the client is
  // updated in full (its existing events multigot); notifications never (notificationURL is set to None in _extractPrincipalDetails
  // and nothing sets it again); first time _pollFirstTime2.
  {
    model: 'OS_X_10_6',
    generation: '2013',
    instanceNumber: 0,
    phases: {
      // OS_X_10_6.startup, then run() → _checkCalendarsForEvents(firstTime=True) → _poll.
      startup: ok(...FIND_PRINCIPAL, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH3, ...PROPPATCH3, CAL_PROPFIND('calendar'), MULTIGET, CAL_PROPFIND('calendar'), CAL_PROPFIND('inbox'), EXPAND),
      unchangedPoll: ok(HOME),
      changedPoll: ok(HOME, CAL_PROPFIND('calendar'), MULTIGET),
      ...writes('OS_X_10_6', '2013'),
    },
  },
  {
    model: 'OS_X_10_7',
    generation: '2013',
    instanceNumber: 0,
    phases: {
      // OS_X_10_7.startup; _poll with supportSync (the home lists sync-collection): _updateCalendar_SYNC.
      startup: ok(...WELL_KNOWN, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH3, ...PROPPATCH3, SYNC('2013', true, 'calendar'), MULTIGET, SYNC('2013', true, 'calendar'), SYNC('2013', true, 'inbox'), EXPAND),
      unchangedPoll: ok(HOME),
      changedPoll: ok(HOME, SYNC('2013', false, 'calendar'), MULTIGET),
      ...writes('OS_X_10_7', '2013'),
    },
  },
  {
    model: 'iOS_5',
    generation: '2013',
    instanceNumber: 0,
    phases: {
      // iOS_5.startup; iOS_5._pollFirstTime1 (2 PROPPATCHes); iOS_5._updateCalendar: VEVENT query, VTODO query, inbox by PROPFIND;
      // iOS_5._pollFirstTime2 sends nothing.
      startup: ok(...WELL_KNOWN, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH2, ...PROPPATCH2, VEVENT, MULTIGET, VTODO, CAL_PROPFIND('inbox')),
      unchangedPoll: ok(HOME),
      changedPoll: ok(HOME, VEVENT, MULTIGET),
      ...writes('iOS_5', '2013'),
    },
  },

  // ======== master ========
  // ical.py _poll (master): PROPFIND{home} the first time or while there is no home sync token, else _calendarHomeSync;
  // a calendar new to the client is updated with fetchEvents=False the first time (sync: no multiget; PROPFIND: the
  // argument is ignored, existing events are multigot); after each calendar, instance 0 sends _inboxPropfind for the one
  // named "inbox"; then notifications (_notificationPropfind + _notificationChangesPropfind every poll, or 10.11's
  // _updateNotifications when the collection's token moved); first time _pollFirstTime2.
  {
    model: 'OS_X_10_6',
    generation: 'master',
    instanceNumber: 0,
    phases: {
      // _inboxPropfind with _POLL_INBOX_PROPFIND None (only OS_X_10_11 defines it): StringProducer(None) raises TypeError before
      // any request, so the first poll, and with it run(), ends after the inbox's PROPFIND{calendar}.
      startup: { ...ok(...FIND_PRINCIPAL, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH3, ...PROPPATCH3, CAL_PROPFIND('calendar'), MULTIGET, CAL_PROPFIND('calendar'), CAL_PROPFIND('inbox')), crash: 'TypeError: StringProducer body must be str (_inboxPropfind, _POLL_INBOX_PROPFIND is None)' },
      // run() ended at startup: the client never polls again.
      unchangedPoll: { steps: [], crash: 'client ended at startup' },
      changedPoll: { steps: [], crash: 'client ended at startup' },
      ...writes('OS_X_10_6', 'master'),
    },
  },
  {
    // The same model as a later instance of its arrival: no _inboxPropfind, so the master poll runs through.
    model: 'OS_X_10_6',
    generation: 'master',
    instanceNumber: 1,
    phases: {
      startup: ok(...FIND_PRINCIPAL, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH3, ...PROPPATCH3, CAL_PROPFIND('calendar'), MULTIGET, CAL_PROPFIND('calendar'), CAL_PROPFIND('inbox'), ...NOTIF_PROPFINDS, EXPAND),
      // 10.6's home PROPFIND does not ask for DAV:sync-token, so there is never a home token: PROPFIND{home} every poll.
      unchangedPoll: ok(HOME, ...NOTIF_PROPFINDS),
      changedPoll: ok(HOME, CAL_PROPFIND('calendar'), MULTIGET, ...NOTIF_PROPFINDS),
    },
  },
  {
    model: 'OS_X_10_7',
    generation: 'master',
    instanceNumber: 0,
    phases: {
      startup: { ...ok(...WELL_KNOWN, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH3, ...PROPPATCH3, SYNC('master', true, 'calendar'), SYNC('master', true, 'calendar'), SYNC('master', true, 'inbox')), crash: 'TypeError: StringProducer body must be str (_inboxPropfind, _POLL_INBOX_PROPFIND is None)' },
      unchangedPoll: { steps: [], crash: 'client ended at startup' },
      changedPoll: { steps: [], crash: 'client ended at startup' },
      ...writes('OS_X_10_7', 'master'),
    },
  },
  {
    model: 'OS_X_10_7',
    generation: 'master',
    instanceNumber: 1,
    phases: {
      startup: ok(...WELL_KNOWN, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH3, ...PROPPATCH3, SYNC('master', true, 'calendar'), SYNC('master', true, 'calendar'), SYNC('master', true, 'inbox'), ...NOTIF_PROPFINDS, EXPAND),
      // 10.7's home PROPFIND asks for DAV:sync-token, so the next poll calls _calendarHomeSync, whose body
      // _CALENDARHOME_SYNC_REPORT is None for 10.7: `None % {...}` raises TypeError before any request, ending the poll loop.
      unchangedPoll: { steps: [], crash: 'TypeError: None % dict (_calendarHomeSync, _CALENDARHOME_SYNC_REPORT is None)' },
      changedPoll: { steps: [], crash: 'poll loop ended at the previous poll' },
    },
  },
  {
    model: 'OS_X_10_11',
    generation: 'master',
    instanceNumber: 0,
    phases: {
      // OS_X_10_11.startup; base _pollFirstTime1 (3 PROPPATCHes); initial syncs without multiget (fetchEvents=False);
      // PROPFIND{inbox} right after the inbox's sync; notification sync from no token.
      startup: ok(...WELL_KNOWN, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH3, ...PROPPATCH3, SYNC('master', true, 'calendar'), SYNC('master', true, 'calendar'), SYNC('master', true, 'inbox'), INBOX_PROPFIND, NOTIF_SYNC_INIT, EXPAND),
      // _calendarHomeSync keeps every known calendar, so the loop still reaches the inbox: PROPFIND{inbox} every poll.
      unchangedPoll: ok(HOME_SYNC, INBOX_PROPFIND),
      changedPoll: ok(HOME_SYNC, SYNC('master', false, 'calendar'), MULTIGET, INBOX_PROPFIND),
      ...writes('OS_X_10_11', 'master'),
    },
  },
  {
    model: 'iOS_5',
    generation: 'master',
    instanceNumber: 0,
    phases: {
      // _poll calls _updateCalendar(..., fetchEvents=...) but iOS_5._updateCalendar(calendar, newToken) takes no such argument:
      // TypeError at the first calendar, after iOS_5._pollFirstTime1, and run() ends.
      startup: { ...ok(...WELL_KNOWN, ...PRINCIPAL_DETAILS, HOME, ...PROPPATCH2, ...PROPPATCH2), crash: "TypeError: _updateCalendar() got an unexpected keyword argument 'fetchEvents'" },
      unchangedPoll: { steps: [], crash: 'client ended at startup' },
      changedPoll: { steps: [], crash: 'client ended at startup' },
      ...writes('iOS_5', 'master'),
    },
  },
];
