import { connect, type Socket } from 'node:net';
import { AMP, AmpBoxDecoder, answerBox, commandBox, encodeBox, type AmpBox } from '../amp/amp-box.js';

/** How long a connection to the push host may take before the client polls instead. */
const CONNECT_TIMEOUT_MS = 10_000;

export type PushCallback = (pushKey: string) => void;

/**
 * CalendarServer's AMP push, client side (the original's amphub.py): one TCP connection
 * per push host shared by every simulated client of the process, as the
 * original's AMPHub. Each client subscribes its home's pushkey
 * (`SubscribeToID`); the server sends `NotificationForID` when the home
 * changes, and the hub calls that client back, which then polls.
 */
export class AmpPushHub {
  private socket: Socket | undefined;
  private connecting: Promise<boolean> | undefined;
  private readonly decoder = new AmpBoxDecoder();
  private readonly subscribers = new Map<string, Set<PushCallback>>();
  private nextTag = 1;
  /** Notifications received, for tests and reports. */
  notifications = 0;
  closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly makeToken: () => string,
  ) {}

  /** Open the connection (once); false when the push service cannot be reached, so clients poll instead. */
  connect(): Promise<boolean> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(true);
    this.connecting ??= new Promise<boolean>((resolve) => {
      const s = connect(this.port, this.host);
      s.setNoDelay(true);
      // Every client whose home has a pushkey tries the hub, whether or not the server runs AMP:
      // a push host that drops the SYNs must not hold them for the kernel's two minutes before
      // they fall back to polling.
      s.setTimeout(CONNECT_TIMEOUT_MS, () => s.destroy());
      s.once('connect', () => {
        s.setTimeout(0);
        this.socket = s;
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.on('close', () => {
        this.socket = undefined;
        this.connecting = undefined;
        resolve(false); // no-op once connected; a timed-out attempt closes without an error
      });
      s.on('data', (chunk: Buffer) => {
        let boxes: AmpBox[];
        try {
          boxes = this.decoder.push(chunk);
        } catch {
          s.destroy();
          return;
        }
        for (const box of boxes) this.onBox(box);
      });
    });
    return this.connecting;
  }

  private onBox(box: AmpBox): void {
    if (box[AMP.COMMAND] !== 'NotificationForID') return; // answers to our subscriptions need nothing
    this.notifications++;
    const id = box.id ?? '';
    if (box[AMP.ASK] !== undefined) this.socket?.write(encodeBox(answerBox(box[AMP.ASK]!, {})));
    for (const cb of this.subscribers.get(id) ?? []) cb(id);
  }

  /** Subscribe a pushkey; false when the hub is not connected (the client then polls). */
  async subscribe(pushKey: string, callback: PushCallback): Promise<boolean> {
    if (!(await this.connect()) || !this.socket) return false;
    let set = this.subscribers.get(pushKey);
    if (!set) {
      this.subscribers.set(pushKey, (set = new Set()));
      this.socket.write(encodeBox(commandBox('SubscribeToID', { token: this.makeToken(), id: pushKey }, String(this.nextTag++))));
    }
    set.add(callback);
    return true;
  }

  unsubscribe(pushKey: string, callback: PushCallback): void {
    this.subscribers.get(pushKey)?.delete(callback);
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
