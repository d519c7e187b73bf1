/**
 * Everything that happens in a simulation, as plain data: what observers read,
 * what workers ship, what logs record and what tests assert on. One
 * discriminated union; nothing here holds a reference to a live object.
 */

/** Who a request or operation belongs to. */
export interface ClientIdentity {
  /** The user's uid. */
  user: string;
  /** Unique per simulated client. */
  clientId: string;
  /** `<title> <instance>`, e.g. `main 0`. */
  clientType: string;
}

/** Before a request is sent. */
export interface RequestEvent extends ClientIdentity {
  type: 'request';
  /** Report label, e.g. `PROPFIND{home}`. */
  label: string;
  method: string;
  url: string;
  /** Clock time (epoch ms) the request was meant to be sent. */
  at: number;
}

/** After a response was read in full, or the request failed. */
export interface ResponseEvent extends ClientIdentity {
  type: 'response';
  label: string;
  method: string;
  url: string;
  /** HTTP status; 0 when no response arrived (reset, timeout, refused). */
  status: number;
  /** The status was one the client expects for this request. */
  success: boolean;
  /** From the intended send time to the last byte of the body, ms. */
  durationMs: number;
  /** From the intended send time to the response head (time to first byte), ms; absent when no response arrived. */
  firstByteMs?: number;
  /** Time to open the connection (TCP + TLS) when this request opened one, ms. */
  connectMs?: number;
  bytesOut: number;
  bytesIn: number;
  /**
   * HTTP exchanges it took: more than 1 when a 401 challenge was answered, a
   * stale nonce renewed, or a dead keep-alive connection retried (the
   * original, too, timed those as part of the one request). What the server
   * counts is the sum of these. Absent means 1.
   */
  exchanges?: number;
  /** Why it failed, when it did: `timeout`, `reset`, `body too large`, `unexpected status 500`, … */
  error?: string;
  /** Finished at, clock epoch ms. */
  at: number;
}

export type OperationPhase = 'start' | 'end' | 'failed';

/** A logical operation: a client's `startup`/`poll`/`push`, a profile's `create`, `invite`, … */
export interface OperationEvent extends ClientIdentity {
  type: 'operation';
  phase: OperationPhase;
  label: string;
  /** start: how late the timer that began it ran, ms (profile operations). */
  lagMs?: number;
  /** end: duration, ms. */
  durationMs?: number;
  /** end: whether it succeeded. */
  success?: boolean;
  /** failed (or an unsuccessful end): why. */
  reason?: string;
  at: number;
}

/**
 * Something a client learnt about its server and acts on from now on: a discovery step that
 * fell back, a feature the server refused and the client stopped using. The text is the same
 * for every client that learns the same thing, so the report lists it once with a count.
 */
export interface NoticeEvent extends ClientIdentity {
  type: 'notice';
  text: string;
  at: number;
}

export interface ClientFailureEvent extends ClientIdentity {
  type: 'client-failure';
  reason: string;
  at: number;
}

export interface SimFailureEvent {
  type: 'sim-failure';
  reason: string;
  at: number;
}

export interface StatusEvent {
  type: 'status';
  clientCount: number;
  at: number;
}

/** The server's own statistics, read at the end of the run. */
export interface SimExpiredEvent {
  type: 'sim-expired';
  podID: string;
  requestsPerSecond: number;
  responseMs: number;
  slots: number;
  cpuPercent: number;
  /** Why the figures are missing (NaN), when the stats socket could not be read. */
  note?: string;
  at: number;
}

export type SimEvent = RequestEvent | ResponseEvent | OperationEvent | NoticeEvent | ClientFailureEvent | SimFailureEvent | StatusEvent | SimExpiredEvent;

/** Where events go. The simulator passes an rxjs Subject's `next`; tests pass an array push. */
export type EmitEvent = (event: SimEvent) => void;
