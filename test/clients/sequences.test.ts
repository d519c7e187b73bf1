import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as bodies from '../../lib/caldav/bodies.js';
import type { DavHttp, DavRequestSpec } from '../../lib/caldav/http.js';
import { CalDAVClient, type ClientParams } from '../../lib/clients/client.js';
import { MODELS, type ModelName } from '../../lib/clients/models.js';
import { RealClock } from '../../lib/core/clock.js';
import type { ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { NS, clark } from '../../lib/xml/namespaces.js';
import { childrenNamed, parseXml, textOf, type XmlElement } from '../../lib/xml/parse.js';
import { closeHttp, generationOf, httpFor } from './support.js';
import type { Generation } from '../../lib/params/generation.js';

/** What the client sent, request by request: method, Depth, body, label. */
interface Sent {
  label: string;
  method: string;
  depth: string | undefined;
  body: string | undefined;
  path: string;
}

export interface Recorded {
  client: CalDAVClient;
  sent: Sent[];
  events: SimEvent[];
  labels(): string[];
  failed(): ResponseEvent[];
  mark(): void;
}

/** A client whose every request is recorded before the testbed's DavHttp sends it. */
export function recordedClient(tb: Testbed, model: ModelName, uid: string, params: Partial<ClientParams> = {}, extra: { dataFolder?: string; instanceNumber?: number; generation?: Generation } = {}): Recorded {
  const sent: Sent[] = [];
  const events: SimEvent[] = [];
  const http = httpFor(tb);
  const recording = {
    request: (spec: DavRequestSpec, c: Parameters<DavHttp['request']>[1]) => {
      sent.push({ label: spec.label, method: spec.method, depth: spec.headers?.Depth, body: spec.body === undefined ? undefined : String(spec.body), path: spec.path });
      return http.request(spec, c);
    },
    channel: () => http.channel(),
  } as unknown as DavHttp;
  const client = new CalDAVClient({
    model: MODELS[model],
    params: { unauthenticatedPercentage: 0, calendarHomePollInterval: 3600, ...params },
    record: tb.store.users.get(uid)!.record,
    serverUri: tb.url,
    principalPathTemplate: '/principals/users/%s/',
    http: recording,
    clock: new RealClock(),
    random: new Random('seq').derive(`${uid}/${model}`),
    emit: (e) => events.push(e),
    instanceNumber: extra.instanceNumber ?? 0,
    generation: extra.generation ?? generationOf(model),
    ...(extra.dataFolder ? { dataFolder: extra.dataFolder } : {}),
  });
  return {
    client,
    sent,
    events,
    labels: () => sent.map((s) => s.label),
    failed: () => events.filter((e): e is ResponseEvent => e.type === 'response' && !e.success),
    mark: () => {
      sent.splice(0);
      events.splice(0);
    },
  };
}

/** The {ns}name of every element under the body's first DAV:prop. */
function propNames(body: string): string[] {
  const find = (el: XmlElement): XmlElement | undefined => (el.ns === NS.DAV && el.name === 'prop' ? el : el.children.map(find).find(Boolean));
  const prop = find(parseXml(body));
  return (prop?.children ?? []).map((c) => clark(c.ns, c.name));
}

export function eventText(uid: string, start = '20300101T100000Z', end = '20300101T110000Z'): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `DTSTART:${start}`, `DTEND:${end}`, `SUMMARY:${uid}`, 'LOCATION:Here', 'DESCRIPTION:long text', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

const CARDDAV = 'urn:ietf:params:xml:ns:carddav';

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 12 });
});
after(async () => {
  await closeHttp();
  await tb.close();
});

describe('request bodies as the original models send them', () => {
  it('property namespaces: allowed-calendar-component-set (CS), max-image/resource-size (CardDAV), autoprovisioned (Apple iCal)', () => {
    for (const body of [bodies.PRINCIPAL_PROPFIND.OS_X_10_7]) {
      const names = propNames(body);
      assert.ok(names.includes(clark(NS.CS, 'allowed-calendar-component-set')), names.join());
      assert.ok(!names.includes(clark(NS.CALDAV, 'allowed-calendar-component-set')));
    }
    const home7 = propNames(bodies.homePropfind(bodies.HOME_PROPS.OS_X_10_7));
    for (const p of ['max-image-size', 'max-resource-size']) {
      assert.ok(home7.includes(clark(CARDDAV, p)), p);
      assert.ok(!home7.includes(clark(NS.CALDAV, p)), p);
    }
    for (const body of [bodies.homePropfind(bodies.HOME_PROPS.OS_X_10_11), bodies.syncCollection('t', bodies.HOME_SYNC_PROPS_10_11, '1')]) {
      const names = propNames(body);
      assert.ok(names.includes(clark(NS.ICAL, 'autoprovisioned')));
      assert.ok(!names.some((n) => n.endsWith('}autoprovisioned') && !n.startsWith(`{${NS.ICAL}}`)));
    }
    // The home sync asks the listing's props but for managed-attachments-server-URL.
    const sync = propNames(bodies.syncCollection('t', bodies.HOME_SYNC_PROPS_10_11, '1'));
    assert.ok(!sync.includes(clark(NS.CALDAV, 'managed-attachments-server-URL')));
    assert.ok(propNames(bodies.homePropfind(bodies.HOME_PROPS.OS_X_10_11)).includes(clark(NS.CALDAV, 'managed-attachments-server-URL')));
  });

  it('REPORT{cpsearch} carries one search token and no limit', () => {
    const root = parseXml(bodies.calendarserverPrincipalSearch('wilfr'));
    assert.deepEqual(childrenNamed(root, NS.CS, 'limit'), []);
    assert.equal(childrenNamed(root, NS.CS, 'search-token').length, 1);
    assert.equal(root.attrs.context, 'attendee');
  });

  it('10.11 syncs calendars without sync-level; its home and notification syncs send level 1', async () => {
    const r = recordedClient(tb, 'OS_X_10_11', 'user01');
    assert.equal(await r.client.startup(), true);
    // Something in the notification collection and in the home, so the next poll syncs both.
    await r.client.addEvent('/calendars/users/user01/calendar/seq-1.ics', eventText('seq-1'));
    const other = recordedClient(tb, 'OS_X_10_11', 'user02');
    await other.client.startup();
    await other.client.shareCalendar('/calendars/users/user02/calendar/', 'mailto:user01@example.com');
    r.mark();
    await r.client.poll();
    const level = (s: Sent) => (/<(\w+:)?sync-level>1</.test(s.body ?? '') ? '1' : undefined);
    const calSyncs = [...r.sent].filter((s) => /^REPORT\{sync-coll/.test(s.label));
    assert.ok(calSyncs.length > 0, r.labels().join());
    for (const s of calSyncs) assert.equal(level(s), undefined, s.label);
    const homeSync = r.sent.find((s) => s.label === 'REPORT{sync-home}');
    assert.ok(homeSync && level(homeSync) === '1');
    const notif = r.sent.find((s) => s.label.startsWith('REPORT{sync-notif'));
    assert.ok(notif && level(notif) === '1', r.labels().join());
    assert.deepEqual(r.failed(), []);
  });
});

describe('TimeRanger', () => {
  it('REPORT{calendar-query} asks an expanded comp/prop subset, and the testbed answers it', async () => {
    const r = recordedClient(tb, 'OS_X_10_11', 'user03');
    await r.client.startup();
    await r.client.addEvent('/calendars/users/user03/calendar/tr-1.ics', eventText('tr-1', '20300105T100000Z', '20300105T110000Z'));
    r.mark();
    await r.client.timeRangeQuery('/calendars/users/user03/calendar/', new Date(Date.UTC(2030, 0, 5)), new Date(Date.UTC(2030, 0, 6)));
    assert.deepEqual(r.labels(), ['REPORT{calendar-query}']);
    const sent = r.sent[0]!;
    assert.equal(sent.depth, '0');
    const cd = parseXml(sent.body!).children[0]!.children.find((c) => c.name === 'calendar-data')!;
    assert.deepEqual(cd.children.map((c) => c.name), ['expand', 'comp']);
    const vevent = cd.children[1]!.children.find((c) => c.name === 'comp')!;
    assert.deepEqual(vevent.children.map((c) => c.attrs.name), ['SUMMARY', 'DTSTART', 'DTEND', 'LOCATION', 'UID', 'RECURRENCE-ID']);
    assert.deepEqual(r.failed(), []);
  });
});

describe('reset', () => {
  it('10.11: principal details and search property set, then an incremental home sync (no discovery, no first-start requests)', async () => {
    const r = recordedClient(tb, 'OS_X_10_11', 'user04');
    await r.client.startup();
    r.mark();
    await r.client.reset();
    assert.deepEqual(r.labels().slice(0, 3), ['PROPFIND{principal}', 'REPORT{pset}', 'REPORT{sync-home}']);
    // Calendars the home sync reports changed (here: by the first-start PROPPATCHes) are synced in full.
    assert.ok(r.labels().slice(3).every((l) => /^REPORT\{sync-coll-init\}$|^PROPFIND\{inbox\}$/.test(l)), r.labels().join());
    assert.deepEqual(r.failed(), []);
    assert.ok(r.client.state.calendars.size > 0, 'the calendar list is kept');
  });
});

describe('10.11 notifications', () => {
  it('the reply names the invitee as the notification does; every reported notification is deleted, those reported gone too', async () => {
    const sharee = recordedClient(tb, 'OS_X_10_11', 'user05');
    await sharee.client.startup();
    const a = recordedClient(tb, 'OS_X_10_11', 'user06');
    await a.client.startup();
    await a.client.shareCalendar('/calendars/users/user06/calendar/', 'mailto:user05@example.com');
    sharee.mark();
    await sharee.client.poll();
    const seq = sharee.labels().filter((l) => /notif|invite/.test(l));
    assert.deepEqual(seq, ['REPORT{sync-notif}', 'GET{notification}', 'POST{invite-accept}', 'DELETE{invite}']);
    const post = sharee.sent.find((s) => s.label === 'POST{invite-accept}')!;
    const reply = parseXml(post.body!);
    const invitee = childrenNamed(reply, NS.DAV, 'href')[0]!;
    // The testbed's invitation names the sharee by urn:x-uid (as CalendarServer does); the client's own address is its mailto:.
    assert.equal(textOf(invitee), `urn:x-uid:${tb.store.users.get('user05')!.record.guid}`);
    assert.deepEqual(sharee.failed(), []);

    // A second share: the next sync reports the first notification gone (404) and the new one.
    const b = recordedClient(tb, 'OS_X_10_11', 'user07');
    await b.client.startup();
    await b.client.shareCalendar('/calendars/users/user07/calendar/', 'mailto:user05@example.com');
    sharee.mark();
    await sharee.client.poll();
    const deletes = sharee.sent.filter((s) => s.label === 'DELETE{invite}').map((s) => s.path);
    assert.equal(deletes.length, 2, sharee.labels().join());
    assert.equal(sharee.labels().filter((l) => l === 'GET{notification}').length, 1, 'only the present one is read');
    const statuses = sharee.events.filter((e): e is ResponseEvent => e.type === 'response' && e.label === 'DELETE{invite}').map((e) => e.status).sort();
    assert.deepEqual(statuses, [204, 404]);
    assert.deepEqual(sharee.failed(), []);
  });
});

describe('a sync token the server refuses', () => {
  it('is an expected answer (403 DAV:valid-sync-token), not a failed request: the client lists or syncs again in full', async () => {
    const r = recordedClient(tb, 'OS_X_10_11', 'user08');
    await r.client.startup();
    await r.client.poll();
    // As a client restored from saved data against a server that no longer knows its tokens.
    const s = r.client.state;
    s.homeToken = 'data:,unknown-home-token';
    const cal = s.calendars.get('/calendars/users/user08/calendar/')!;
    cal.token = 'data:,unknown-calendar-token';
    r.mark();
    assert.equal(await r.client.poll(), true);
    const statuses = r.events.filter((e): e is ResponseEvent => e.type === 'response').map((e) => `${e.label} ${e.status}`);
    assert.deepEqual(statuses.slice(0, 2), ['REPORT{sync-home} 403', 'PROPFIND{home} 207']);
    assert.ok(statuses.includes('REPORT{sync-coll} 403') && statuses.includes('REPORT{sync-coll-init} 207'), statuses.join());
    assert.deepEqual(r.failed(), []);
    assert.ok(r.events.every((e) => e.type !== 'operation' || e.phase !== 'end' || e.success));
    assert.notEqual(s.homeToken, 'data:,unknown-home-token');
  });
});

describe('10.11 first poll', () => {
  it('syncs each calendar for its token only: no multiget of existing events; later polls fetch what changed', async () => {
    const CAL = '/calendars/users/user09/calendar/';
    const other = recordedClient(tb, 'OS_X_10_7', 'user09');
    await other.client.startup();
    await other.client.addEvent(`${CAL}old-1.ics`, eventText('old-1'));
    await other.client.addEvent(`${CAL}old-2.ics`, eventText('old-2'));
    const r = recordedClient(tb, 'OS_X_10_11', 'user09');
    assert.equal(await r.client.startup(), true);
    assert.ok(r.labels().includes('REPORT{sync-coll-init}'));
    assert.ok(!r.labels().some((l) => l.startsWith('REPORT{multiget')), r.labels().join());
    assert.deepEqual(r.client.state.eventsIn(CAL), []);
    // The token was kept: a change since is fetched by an incremental sync, alone.
    await other.client.addEvent(`${CAL}new-1.ics`, eventText('new-1'));
    r.mark();
    await r.client.poll();
    assert.deepEqual(r.labels().filter((l) => l.startsWith('REPORT{')), ['REPORT{sync-home}', 'REPORT{sync-coll}', 'REPORT{multiget-small}']);
    assert.deepEqual(r.client.state.eventsIn(CAL), [`${CAL}new-1.ics`]);
    assert.deepEqual(r.failed(), []);
    // The 2013 models fetch every event at their first poll; master's 10.7 does not.
    const fresh = recordedClient(tb, 'OS_X_10_7', 'user09', {}, { instanceNumber: 1, generation: '2013' });
    await fresh.client.startup();
    assert.ok(fresh.labels().includes('REPORT{multiget-small}'));
    assert.equal(fresh.client.state.eventsIn(CAL).length, 3);
    const master = recordedClient(tb, 'OS_X_10_7', 'user09', {}, { instanceNumber: 1, generation: 'master' });
    await master.client.startup();
    assert.ok(master.labels().includes('REPORT{sync-coll-init}'));
    assert.ok(!master.labels().some((l) => l.startsWith('REPORT{multiget')), master.labels().join());
  });
});
