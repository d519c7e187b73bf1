import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventCache } from '../../lib/clients/event-cache.js';
import type { EventState } from '../../lib/clients/state.js';

describe('EventCache', () => {
  it('keeps the characters of calendar data held as events are set, replaced, removed and cleared', () => {
    const c = new EventCache<EventState>();
    const sum = () => [...c.values()].reduce((n, e) => n + (e.data?.length ?? 0), 0);
    c.set('/a.ics', { etag: '1', data: 'BEGIN:VCALENDAR' });
    c.set('/b.ics', { etag: '1' });
    assert.equal(c.dataChars, sum());
    c.set('/b.ics', { etag: '2', data: 'x'.repeat(40) });
    c.set('/a.ics', { etag: '2', data: 'short' });
    assert.equal(c.dataChars, 45);
    assert.equal(c.dataChars, sum());
    c.delete('/a.ics');
    c.delete('/missing.ics');
    assert.equal(c.dataChars, 40);
    c.clear();
    assert.equal(c.dataChars, 0);
    assert.equal(new EventCache<EventState>([['/x.ics', { etag: '', data: 'abc' }]]).dataChars, 3);
  });
});
