import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus } from '../../lib/simulator/event-bus.js';

describe('EventBus', () => {
  it('delivers on a later turn, in order, so emitting never waits for an observer', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.events$.subscribe((e) => seen.push(e.at));
    for (let i = 0; i < 5; i++) bus.emit({ type: 'status', clientCount: i, at: i });
    assert.deepEqual(seen, []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  });

  it('past its bound it drops and counts, and flush delivers what was kept', () => {
    const bus = new EventBus({ maxQueued: 10 });
    let n = 0;
    bus.events$.subscribe(() => n++);
    for (let i = 0; i < 25; i++) bus.emit({ type: 'status', clientCount: i, at: i });
    assert.equal(bus.dropped, 15);
    bus.flush();
    assert.equal(n, 10);
  });
});
