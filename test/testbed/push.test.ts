import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { apnsSubscriptionsOf } from '../../lib/testbed/apns.js';
import { AmpBoxDecoder, answerBox, commandBox, encodeBox, type AmpBox } from '../../lib/amp/amp-box.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { PROPFIND, event, http, invitation } from './support.js';

const ICS = { 'Content-Type': 'text/calendar; charset=utf-8' };
const HOME_KEY = (uid: string) => `/CalDAV/localhost/${uid}/`;

/** A raw AMP peer over TCP: what the original's AMPHub is, minus Twisted. */
class AmpPeer {
  readonly boxes: AmpBox[] = [];
  private readonly decoder = new AmpBoxDecoder();
  private waiters: (() => void)[] = [];
  private tag = 0;
  closed = false;
  readonly whenClosed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      for (const box of this.decoder.push(d)) {
        // Answer the server's asks as Twisted's client does.
        if (box._command === 'NotificationForID' && box._ask) socket.write(encodeBox(answerBox(box._ask, { status: 'OK' })));
        this.boxes.push(box);
      }
      this.wake();
    });
    this.whenClosed = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<AmpPeer> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new AmpPeer(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Wait for (and take) the first box matching `pred`; undefined after `ms`. */
  async take(pred: (b: AmpBox) => boolean, ms = 2000): Promise<AmpBox | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.boxes.findIndex(pred);
      if (i >= 0) return this.boxes.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async call(command: string, args: Record<string, string>): Promise<AmpBox | undefined> {
    const tag = String(++this.tag);
    this.socket.write(encodeBox(commandBox(command, args, tag)));
    return this.take((b) => b._answer === tag || b._error === tag);
  }

  async subscribe(id: string): Promise<void> {
    const a = await this.call('SubscribeToID', { token: 'tok-' + id, id });
    assert.equal(a?.status, 'OK', JSON.stringify(a));
  }

  notification(id: string, ms?: number): Promise<AmpBox | undefined> {
    return this.take((b) => b._command === 'NotificationForID' && b.id === id, ms);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The APSD transport CalendarServer advertises with APNS on (its defaults: PRODUCTION, re-subscribe every 2 days). */
function apsdTransport(tb: Testbed): string {
  return (
    `<CS:transport type="APSD"><CS:subscription-url><D:href>${tb.url}/apns</D:href></CS:subscription-url>` +
    '<CS:apsbundleid>com.apple.calendar.XServer.loadsim-testbed</CS:apsbundleid><CS:env>PRODUCTION</CS:env><CS:refresh-interval>172800</CS:refresh-interval></CS:transport>'
  );
}

describe('AMP push service', () => {
  let tb: Testbed;
  before(async () => {
    tb = await startTestbed({ port: 0, users: 4, ampPort: 0 });
  });
  after(() => tb.close());

  it('the home PROPFIND answers a stable pushkey and, as CalendarServer, only the APSD transport in push-transports', async () => {
    const pf = await http(tb.url, 'PROPFIND', '/calendars/users/user01/', { headers: { Depth: '1' }, body: PROPFIND('<CS:pushkey/><CS:push-transports/><C:managed-attachments-server-URL/>') });
    assert.equal(pf.status, 207);
    assert.match(pf.body, /<CS:pushkey>\/CalDAV\/localhost\/user01\/<\/CS:pushkey>/);
    // CalendarServer's shape (resource.py): one APSD transport naming the APNS resource; AMP is never listed, even with it on.
    assert.ok(pf.body.includes(`<CS:push-transports>${apsdTransport(tb)}</CS:push-transports>`), pf.body);
    assert.doesNotMatch(pf.body, /type="AMP"/);
    // As CalendarServer: an empty href, so clients use the server they already talk to.
    assert.match(pf.body, /<C:managed-attachments-server-URL><D:href><\/D:href><\/C:managed-attachments-server-URL>/);
    // An owned calendar's pushkey is its home's.
    assert.match(pf.body, /<D:href>\/calendars\/users\/user01\/calendar\/<\/D:href><D:propstat><D:prop><CS:pushkey>\/CalDAV\/localhost\/user01\/<\/CS:pushkey>/);
  });

  it('SubscribeToID is answered OK; a PUT in that home sends NotificationForID(id, dataChangedTimestamp, priority)', async () => {
    const peer = await AmpPeer.open(tb.ampPort!);
    try {
      await peer.subscribe(HOME_KEY('user01'));
      await peer.subscribe('/CalDAV/localhost/user01/calendar/');
      const before = Math.floor(Date.now() / 1000);
      assert.equal((await http(tb.url, 'PUT', '/calendars/users/user01/calendar/p1.ics', { headers: ICS, body: event('p1') })).status, 201);
      const n = await peer.notification(HOME_KEY('user01'));
      assert.ok(n, 'a notification for the home');
      assert.ok(n._ask, 'sent with an _ask, as callRemote does');
      assert.ok(Number(n.dataChangedTimestamp) >= before && Number(n.dataChangedTimestamp) <= before + 5);
      assert.equal(n.priority, '10');
      assert.ok(await peer.notification('/CalDAV/localhost/user01/calendar/'), 'and one for the calendar');
      // One PUT, one notification per key: the second arrives only with the next change.
      assert.equal(await peer.notification(HOME_KEY('user01'), 150), undefined);
      // Unsubscribed: nothing more for that key.
      assert.equal((await peer.call('UnsubscribeFromID', { id: HOME_KEY('user01') }))?.status, 'OK');
      await http(tb.url, 'DELETE', '/calendars/users/user01/calendar/p1.ics');
      assert.ok(await peer.notification('/CalDAV/localhost/user01/calendar/'));
      assert.equal(await peer.notification(HOME_KEY('user01'), 150), undefined);
    } finally {
      peer.close();
    }
  });

  it('a change in a home nobody subscribed to sends nothing', async () => {
    const peer = await AmpPeer.open(tb.ampPort!);
    try {
      await peer.subscribe(HOME_KEY('user02'));
      await http(tb.url, 'PUT', '/calendars/users/user01/calendar/quiet.ics', { headers: ICS, body: event('quiet') });
      await http(tb.url, 'PROPPATCH', '/calendars/users/user01/calendar/', { body: '<D:propertyupdate xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop><I:calendar-order>3</I:calendar-order></D:prop></D:set></D:propertyupdate>' });
      await http(tb.url, 'PUT', '/calendars/users/user02/calendar/loud.ics', { user: 'user02', headers: ICS, body: event('loud') });
      assert.ok(await peer.notification(HOME_KEY('user02')));
      assert.equal(peer.boxes.filter((b) => b._command === 'NotificationForID').length, 0, JSON.stringify(peer.boxes));
    } finally {
      peer.close();
    }
  });

  it('implicit scheduling notifies the attendee home too (their inbox and calendar changed)', async () => {
    const peer = await AmpPeer.open(tb.ampPort!);
    try {
      await peer.subscribe(HOME_KEY('user03'));
      await peer.subscribe('/CalDAV/localhost/user03/inbox/');
      const r = await http(tb.url, 'PUT', '/calendars/users/user01/calendar/inv.ics', { headers: ICS, body: invitation('inv-1', 'user01', ['user01', 'user03']) });
      assert.equal(r.status, 201);
      assert.ok(await peer.notification(HOME_KEY('user03')));
      assert.ok(await peer.notification('/CalDAV/localhost/user03/inbox/'));
    } finally {
      peer.close();
    }
  });

  it('many subscribers to one key each get the notification once; "any" gets everything', async () => {
    const peers = await Promise.all(Array.from({ length: 25 }, () => AmpPeer.open(tb.ampPort!)));
    const anyPeer = await AmpPeer.open(tb.ampPort!);
    try {
      await Promise.all(peers.map((p) => p.subscribe(HOME_KEY('user04'))));
      await anyPeer.subscribe('any');
      await http(tb.url, 'PUT', '/calendars/users/user04/calendar/many.ics', { user: 'user04', headers: ICS, body: event('many') });
      const got = await Promise.all(peers.map((p) => p.notification(HOME_KEY('user04'))));
      assert.ok(got.every(Boolean));
      assert.ok(await anyPeer.notification(HOME_KEY('user04')));
      assert.ok(await anyPeer.notification('/CalDAV/localhost/user04/calendar/'));
      await new Promise((r) => setTimeout(r, 100));
      for (const p of peers) assert.equal(p.boxes.filter((b) => b._command === 'NotificationForID').length, 0);
    } finally {
      for (const p of [...peers, anyPeer]) p.close();
    }
  });

  it('a malformed box closes only that connection; errors for bad commands keep it open', async () => {
    const good = await AmpPeer.open(tb.ampPort!);
    const bad = await AmpPeer.open(tb.ampPort!);
    const empty = await AmpPeer.open(tb.ampPort!);
    try {
      await good.subscribe(HOME_KEY('user02'));
      await bad.subscribe(HOME_KEY('user02'));
      // Unknown command: UNHANDLED; a missing argument: UNKNOWN. The connection stays.
      const unhandled = await good.call('Frobnicate', {});
      assert.equal(unhandled?._error_code, 'UNHANDLED');
      assert.match(unhandled?._error_description ?? '', /Frobnicate/);
      assert.equal((await good.call('SubscribeToID', { token: 'x' }))?._error_code, 'UNKNOWN');
      // A key length of 256: framing is broken, the server hangs up.
      bad.socket.write(Buffer.from([0x01, 0x00, 0x61, 0x62]));
      await bad.whenClosed;
      // A box with no _command/_answer/_error (here: empty) is not AMP either.
      empty.socket.write(Buffer.from([0, 0]));
      await empty.whenClosed;
      await http(tb.url, 'PUT', '/calendars/users/user02/calendar/after-bad.ics', { user: 'user02', headers: ICS, body: event('after-bad') });
      assert.ok(await good.notification(HOME_KEY('user02')));
      assert.equal(good.closed, false);
    } finally {
      good.close();
      bad.close();
      empty.close();
    }
  });
});

describe('push off (the default)', () => {
  it('no AMP port: the same pushkey and APSD transport (APNS is always on), and the advertised URL takes subscriptions', async () => {
    const tb = await startTestbed({ port: 0, users: 1 });
    try {
      assert.equal(tb.ampPort, null);
      const pf = await http(tb.url, 'PROPFIND', '/calendars/users/user01/', { headers: { Depth: '0' }, body: PROPFIND('<CS:pushkey/><CS:push-transports/>') });
      assert.match(pf.body, /<CS:pushkey>\/CalDAV\/localhost\/user01\/<\/CS:pushkey>/);
      assert.ok(pf.body.includes(`<CS:push-transports>${apsdTransport(tb)}</CS:push-transports>`), pf.body);
      const url = new URL(/<CS:subscription-url><D:href>([^<]+)</.exec(pf.body)![1]!);
      const r = await http(tb.url, 'POST', url.pathname, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'token=00ff&key=/CalDAV/localhost/user01/' });
      assert.equal(r.status, 200);
    } finally {
      await tb.close();
    }
  });
});

describe('APNS subscription (POST /apns/)', () => {
  let tb: Testbed;
  before(async () => {
    tb = await startTestbed({ port: 0, users: 2 });
  });
  after(() => tb.close());
  const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const token = 'a1'.repeat(32);

  it('records token and key for the authenticated user and answers 200', async () => {
    const r = await http(tb.url, 'POST', '/apns/', { headers: FORM, body: `token=${token}&key=/CalDAV/localhost/user01/` });
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    const sub = apnsSubscriptionsOf(tb.store).get(`${token} /CalDAV/localhost/user01/`);
    assert.equal(sub?.uid, 'user01');
    // Re-subscribing refreshes, it does not add.
    await http(tb.url, 'POST', '/apns/', { headers: FORM, body: `token=${token.toUpperCase()}&key=/CalDAV/localhost/user01/` });
    assert.equal(apnsSubscriptionsOf(tb.store).size, 1);
  });

  it('400 without token or key, or with a token that is not hex; 401 without credentials', async () => {
    for (const body of ['key=/CalDAV/x/', `token=${token}`, 'token=xyz&key=/CalDAV/x/', 'token=abc&key=/CalDAV/x/']) {
      assert.equal((await http(tb.url, 'POST', '/apns/', { headers: FORM, body })).status, 400, body);
    }
    assert.equal((await http(tb.url, 'POST', '/apns/', { user: null, headers: FORM, body: `token=${token}&key=k` })).status, 401);
  });
});
