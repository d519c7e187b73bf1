import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { main } from '../../lib/cli/main.js';
import { AmpBoxDecoder, commandBox, encodeBox, type AmpBox } from '../../lib/amp/amp-box.js';
import { REPO } from '../helpers/reference.js';
import { runCli } from '../helpers/cli.js';

describe('loadsim serve --amp-port', () => {
  it('starts the AMP push service, says so in the ready banner, and answers SubscribeToID', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const done = main(['serve', '--port', '0', '--users', '2', '--amp-port', '0'], {
      cwd: REPO,
      out: (s) => {
        lines.push(s);
        if (s === 'ready') ready();
      },
      err: (s) => lines.push(s),
      signal: stop.signal,
    });
    await isReady;
    try {
      const banner = lines.join('\n');
      const port = Number(/AMP push: port (\d+)/.exec(banner)?.[1]);
      assert.ok(port > 0, banner);
      const box = await new Promise<AmpBox>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => s.write(encodeBox(commandBox('SubscribeToID', { token: 't', id: '/CalDAV/localhost/user01/' }, '1'))));
        const d = new AmpBoxDecoder();
        s.on('data', (chunk: Buffer) => {
          const [b] = d.push(chunk);
          if (b) {
            s.destroy();
            resolve(b);
          }
        });
        s.on('error', reject);
      });
      assert.equal(box._answer, '1');
      assert.equal(box.status, 'OK');
    } finally {
      stop.abort();
    }
    assert.equal(await done, 0);
  });

  it('is off by default (the banner says clients poll), and a bad port is exit 2', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    const done = main(['serve', '--port', '0', '--users', '1'], {
      cwd: REPO,
      out: (s) => {
        lines.push(s);
        if (s === 'ready') stop.abort();
      },
      err: (s) => lines.push(s),
      signal: stop.signal,
    });
    assert.equal(await done, 0);
    assert.match(lines.join('\n'), /AMP push: off \(--amp-port to enable; clients poll\)/);
    assert.equal((await runCli(['serve', '--amp-port', 'x'], REPO)).code, 2);
    assert.equal((await runCli(['serve', '--amp-port', '70000'], REPO)).code, 2);
  });
});
