import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { Home, Store } from '../store.js';
import { AMP, AmpBoxDecoder, answerBox, commandBox, encodeBox, errorBox, type AmpBox } from '../../amp/amp-box.js';
import { homePushKey } from './push-keys.js';

/**
 * CalendarServer's AMP push service (calendarserver/push/amppush.py), the one the
 * load simulator's AMPHub connects to: clients send `SubscribeToID(token, id)` (id
 * "any" subscribes to everything) and `UnsubscribeFromID(id)`, both answered
 * `status: OK`; the server sends `NotificationForID(id, dataChangedTimestamp,
 * priority)` (with an `_ask`; clients answer `status: OK`, and the answers are
 * ignored) to every connection subscribed to a key whenever something in that home
 * changes.
 *
 * Cheap by construction: the store's change feed costs one call per change; keys
 * nobody subscribed to are dropped at once; the keys changed during one turn of the
 * event loop (one request, with everything its implicit scheduling touched) are sent
 * once, on the next turn. CalendarServer coalesces too, over seconds.
 */
export interface AmpPushOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  store: Store;
  clock: Clock;
  /** CalendarServer's PushPriority: low 1, medium 5, high 10 (the default for data changes). */
  priority?: number;
  /** A connection whose unsent output passes this is a consumer that stopped reading: it is closed. */
  maxQueuedBytes?: number;
  /** Most ids one connection may subscribe to (the original's hub shares one connection among all its clients). */
  maxSubscriptions?: number;
}

interface Connection {
  socket: Socket;
  decoder: AmpBoxDecoder;
  /** id → token, as CalendarServer keeps them. */
  subscriptions: Map<string, string>;
  any: boolean;
  nextTag: number;
}

export class AmpPushService {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  /** id → connections subscribed to it. */
  private readonly byId = new Map<string, Set<Connection>>();
  private readonly anySubscribers = new Set<Connection>();
  private readonly pending = new Set<string>();
  private flushScheduled = false;
  private readonly priority: number;
  private readonly maxQueuedBytes: number;
  private readonly maxSubscriptions: number;
  /** Notifications written so far (tests, diagnostics). */
  sent = 0;

  private constructor(
    private readonly options: AmpPushOptions,
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
    this.priority = options.priority ?? 10;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 4_000_000;
    this.maxSubscriptions = options.maxSubscriptions ?? 1_000_000;
  }

  static async start(options: AmpPushOptions): Promise<AmpPushService> {
    let service: AmpPushService | undefined;
    const server = createServer((socket) => service!.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    service = new AmpPushService(options, (server.address() as AddressInfo).port, server);
    options.store.feed.listener = (home, member) => service!.changed(home, member);
    return service;
  }

  /** Subscriptions across all connections (tests, diagnostics). */
  get subscriptionCount(): number {
    let n = this.anySubscribers.size;
    for (const s of this.byId.values()) n += s.size;
    return n;
  }

  private accept(socket: Socket): void {
    const c: Connection = { socket, decoder: new AmpBoxDecoder({ maxBoxBytes: 256 * 1024 }), subscriptions: new Map(), any: false, nextTag: 1 };
    this.connections.add(c);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      let boxes: AmpBox[];
      try {
        boxes = c.decoder.push(chunk);
      } catch {
        // Twisted drops a connection whose framing is broken; nothing else is affected.
        socket.destroy();
        return;
      }
      for (const box of boxes) {
        if (!this.received(c, box)) {
          socket.destroy();
          return;
        }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.drop(c));
  }

  /** Handle one box; false when it is not AMP at all (the connection is then closed, as Twisted does for an empty box). */
  private received(c: Connection, box: AmpBox): boolean {
    // Answers to our NotificationForID asks: nothing to do.
    if (AMP.ANSWER in box || AMP.ERROR in box) return true;
    const command = box[AMP.COMMAND];
    if (command === undefined) return false;
    const tag = box[AMP.ASK];
    const reply = (b: AmpBox) => {
      if (tag !== undefined) this.write(c, b);
    };
    switch (command) {
      case 'SubscribeToID': {
        const { token, id } = box;
        if (token === undefined || id === undefined) {
          reply(errorBox(tag ?? '', AMP.UNKNOWN, `SubscribeToID needs token and id; got ${Object.keys(box).join(', ')}`));
          return true;
        }
        if (!c.subscriptions.has(id) && c.subscriptions.size >= this.maxSubscriptions) {
          reply(errorBox(tag ?? '', AMP.UNKNOWN, `at most ${this.maxSubscriptions} subscriptions per connection`));
          return true;
        }
        this.subscribe(c, id, token);
        reply(answerBox(tag ?? '', { status: 'OK' }));
        return true;
      }
      case 'UnsubscribeFromID': {
        const { id } = box;
        if (id === undefined) {
          reply(errorBox(tag ?? '', AMP.UNKNOWN, 'UnsubscribeFromID needs id'));
          return true;
        }
        this.unsubscribe(c, id);
        reply(answerBox(tag ?? '', { status: 'OK' }));
        return true;
      }
      default:
        reply(errorBox(tag ?? '', AMP.UNHANDLED, `Unhandled Command: '${command}'`));
        return true;
    }
  }

  private subscribe(c: Connection, id: string, token: string): void {
    if (id === 'any') {
      c.any = true;
      this.anySubscribers.add(c);
      return;
    }
    c.subscriptions.set(id, token);
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add(c);
  }

  private unsubscribe(c: Connection, id: string): void {
    // As CalendarServer: "any" is not undone by UnsubscribeFromID.
    if (!c.subscriptions.delete(id)) return;
    const set = this.byId.get(id);
    set?.delete(c);
    if (set?.size === 0) this.byId.delete(id);
  }

  private drop(c: Connection): void {
    if (!this.connections.delete(c)) return;
    this.anySubscribers.delete(c);
    for (const id of c.subscriptions.keys()) {
      const set = this.byId.get(id);
      set?.delete(c);
      if (set?.size === 0) this.byId.delete(id);
    }
    c.subscriptions.clear();
  }

  private write(c: Connection, box: AmpBox): void {
    if (c.socket.destroyed) return;
    if (c.socket.writableLength > this.maxQueuedBytes) {
      c.socket.destroy();
      return;
    }
    c.socket.write(encodeBox(box));
  }

  /** The store's change feed: something in `home` changed (member `member`). */
  private changed(home: Home, member: string): void {
    if (this.byId.size === 0 && this.anySubscribers.size === 0) return;
    const homeKey = homePushKey(home);
    const memberKey = `${homeKey}${member}/`;
    const any = this.anySubscribers.size > 0;
    if (any || this.byId.has(homeKey)) this.pending.add(homeKey);
    if (any || this.byId.has(memberKey)) this.pending.add(memberKey);
    if (this.pending.size && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const timestamp = Math.floor(this.options.clock.now() / 1000);
    for (const id of this.pending) {
      const targets = new Set(this.byId.get(id));
      for (const c of this.anySubscribers) targets.add(c);
      for (const c of targets) {
        this.write(c, commandBox('NotificationForID', { id, dataChangedTimestamp: timestamp, priority: this.priority }, (c.nextTag++).toString(16)));
        this.sent++;
      }
    }
    this.pending.clear();
  }

  async close(): Promise<void> {
    if (this.options.store.feed.listener) this.options.store.feed.listener = undefined;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.socket.destroy();
    await closed;
  }
}
