import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { request } from 'undici';
import { loadConfig } from '../../lib/config/load-config.js';
import { LoadSimulator } from '../../lib/simulator/simulator.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { sameToken, startWebAdmin, webAdminDefaults, type WebAdmin } from '../../lib/webadmin/webadmin.js';

/**
 * Issue #11: the web admin listens on 127.0.0.1 unless told otherwise, and
 * Stop needs the per-run token: a missing, wrong, or differently long token
 * changes nothing, and the token is compared in constant time (sameToken).
 * test/simulator/simulator.test.ts covers the page and a right Stop; this
 * covers the refusals.
 */

const form = (body: string) => ({ method: 'POST' as const, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('the web admin alone', () => {
  let admin: WebAdmin;
  let stops = 0;
  let reports = 0;
  before(async () => {
    admin = await startWebAdmin({ port: 0, report: () => `live report ${++reports}`, stop: () => void stops++, finalReport: () => undefined });
  });
  after(() => admin.close());

  it('binds 127.0.0.1 by default', () => {
    assert.equal(webAdminDefaults.host, '127.0.0.1');
    assert.match(admin.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('refuses Stop with no token, a wrong token, a longer or shorter one, or one that differs in its last character', async () => {
    const t = admin.token;
    const last = t.at(-1) === '0' ? '1' : '0';
    const bodies = ['stop=1', 'token=&stop=1', 'token=nope&stop=1', `token=${t}0&stop=1`, `token=${t.slice(0, -1)}&stop=1`, `token=${t.slice(0, -1)}${last}&stop=1`, `token=${t.toUpperCase()}&stop=1`, `token[]=${t}&stop=1`];
    for (const body of bodies) {
      const r = await request(admin.url, form(body));
      const page = await r.body.text();
      assert.equal(r.statusCode, 403, body);
      assert.match(page, /wrong token/);
    }
    assert.equal(stops, 0, 'nothing stopped');
  });

  it('answers only to loopback host names (no DNS rebinding of the page and its token)', async () => {
    const r = await request(admin.url, { headers: { host: 'attacker.example:80' } });
    const page = await r.body.text();
    assert.equal(r.statusCode, 421);
    assert.doesNotMatch(page, new RegExp(admin.token));
    const stop = await request(admin.url, { ...form(`token=${admin.token}&stop=1`), headers: { ...form('').headers, host: 'attacker.example' } });
    await stop.body.text();
    assert.equal(stop.statusCode, 421);
    assert.equal(stops, 0);
    for (const host of ['localhost', `127.0.0.1:${new URL(admin.url).port}`]) {
      const ok = await request(admin.url, { headers: { host } });
      await ok.body.text();
      assert.equal(ok.statusCode, 200, host);
    }
  });

  it('the right token stops the run', async () => {
    const r = await request(admin.url, form(`token=${admin.token}&stop=1`));
    await r.body.text();
    assert.equal(r.statusCode, 200);
    assert.equal(stops, 1);
  });

  it('sameToken: only the same string matches, whatever the lengths', () => {
    const t = 'a'.repeat(32);
    assert.equal(sameToken(t, t), true);
    for (const given of [null, undefined, '', 'a', 'a'.repeat(31), 'a'.repeat(33), `${'a'.repeat(31)}b`, 'é'.repeat(32)]) assert.equal(sameToken(given, t), false, String(given));
    assert.equal(sameToken('', ''), false, 'an empty token never matches');
  });
});

describe('the web admin of a real run', { timeout: 60_000 }, () => {
  let tb: Testbed;
  let dir: string;
  before(async () => {
    tb = await startTestbed({ port: 0, users: 4 });
    dir = mkdtempSync(path.join(tmpdir(), 'loadsim-webadmin-'));
  });
  after(async () => {
    await tb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on 127.0.0.1; forged Stops leave the run going to its runtime', async () => {
    const c = path.join(dir, 'config.plist');
    const k = path.join(dir, 'clients.plist');
    writeFileSync(
      c,
      plist.build({
        servers: { PodA: { enabled: true, uri: tb.url } },
        accounts: { loader: 'generateRecords', params: { count: 4, uidPattern: 'user%02d', passwordPattern: 'user%02d' } },
        arrival: { factory: 'SmoothRampUp', params: { groups: 1, groupSize: 2, interval: 1, clientsPerUser: 1 } },
        webadmin: { enabled: true, HTTPPort: 0 },
        observers: [],
      } as unknown as plist.PlistValue),
    );
    writeFileSync(k, plist.build({ clients: [{ software: 'OS_X_10_7', params: { calendarHomePollInterval: 1, unauthenticatedPercentage: 0, supportAmpPush: false }, profiles: [], weight: 1 }] } as unknown as plist.PlistValue));
    const config = (await loadConfig({ configPath: c, clientsPath: k })).config;
    let url = '';
    let seen = () => {};
    const ready = new Promise<void>((r) => (seen = r));
    const sim = new LoadSimulator({
      config,
      seed: 'w',
      live: 'off',
      out: (l) => {
        const m = /web admin on (http:\/\/\S+)/.exec(l);
        if (m) (url = m[1]!), seen();
      },
    });
    const running = sim.run({ runtimeSeconds: 3 });
    await ready;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await (await request(url)).body.text();
    const token = /name="token" value="([0-9a-f]+)"/.exec(page)![1]!;
    for (const body of ['stop=1', 'token=x&stop=1', `token=${token}x&stop=1`, `token=${token.slice(1)}&stop=1`]) {
      const r = await request(url, form(body));
      await r.body.text();
      assert.equal(r.statusCode, 403, body);
    }
    const result = await running;
    assert.equal(result.endedBy, 'runtime', 'the run went on to its runtime');
  });
});
