import assert from 'node:assert/strict';
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { REPO } from '../helpers/reference.js';
import { serveTls, type Served } from '../caldav/support.js';
import { cliWithLines } from './support.js';

/**
 * Issue #11: TLS verification is on unless `--insecure` or the config's
 * `tlsVerify` says otherwise, and a run without it says so on one line of
 * standard error. The server is the testbed behind an HTTPS proxy with a
 * self-signed certificate (made by openssl in a temp folder, removed at once).
 */

let tb: Testbed;
let tls: Served;
let dir: string;
let agent: Agent;
before(async () => {
  tb = await startTestbed({ port: 0, users: 6 });
  agent = new Agent({ keepAlive: true });
  tls = await serveTls((req: IncomingMessage, res: ServerResponse) => {
    const up = request(tb.url + req.url, { method: req.method, headers: req.headers, agent }, (ur) => {
      res.writeHead(ur.statusCode!, ur.rawHeaders);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-tls-run-'));
});
after(async () => {
  await tls.close();
  agent.destroy();
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, extra: Record<string, unknown> = {}): string {
  const config = {
    servers: { PodA: { enabled: true, uri: tls.url } },
    accounts: { loader: 'generateRecords', params: { count: 6, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 1, groupSize: 3, interval: 1, clientsPerUser: 1 } },
    observers: [{ type: 'ReportStatistics', params: {} }],
    ...extra,
  };
  const p = path.join(dir, `${name}.plist`);
  writeFileSync(p, plist.build(config as unknown as plist.PlistValue));
  return p;
}

async function run(name: string, args: string[], extra: Record<string, unknown> = {}) {
  const json = path.join(dir, `${name}.json`);
  const r = await cliWithLines(['run', '--config', writeConfig(name, extra), '--clients', path.join(REPO, 'config/clients.plist'), '--runtime', '3', '--seed', 't', '--quiet', '--json', json, ...args], dir);
  const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
  const counts = Object.values(doc.requests).reduce((n, l) => ({ count: n.count + l.count, failed: n.failed + l.failed }), { count: 0, failed: 0 });
  return { ...r, counts };
}

const WARNING = /TLS certificate verification is OFF/;

describe('TLS verification', { timeout: 120_000 }, () => {
  it('is on by default: a self-signed server fails every request, counted, not a crash, and no warning', async () => {
    const r = await run('default', []);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.counts.count > 0 && r.counts.failed === r.counts.count, `every request failed: ${JSON.stringify(r.counts)}`);
    assert.match(r.stdout, /\*\*\* FAIL/);
    assert.doesNotMatch(r.stderr, WARNING);
  });

  it('--insecure accepts the certificate and warns once, naming the flag', async () => {
    const r = await run('insecure', ['--insecure']);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    assert.ok(r.counts.count > 0 && r.counts.failed === 0, JSON.stringify(r.counts));
    const lines = r.stderr.split('\n').filter((l) => WARNING.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /\(--insecure\)/);
  });

  it('tlsVerify false in the config accepts the certificate and warns once, naming the key', async () => {
    const r = await run('config', [], { tlsVerify: false });
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    assert.ok(r.counts.count > 0 && r.counts.failed === 0, JSON.stringify(r.counts));
    const lines = r.stderr.split('\n').filter((l) => WARNING.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /tlsVerify is false in the config/);
  });
});
