import { STATUS_CODES } from 'node:http';

/**
 * What kind of failure a failed request or operation was, as one stable,
 * human string: the key of the error table (failure-table.ts). Stable means
 * that two failures for the same cause get the same string (no URL, no
 * parser line number), so they are counted together; human means that it
 * reads as a person would say it: `HTTP 404 Not Found`, `timeout`,
 * `connection reset`, `malformed multistatus (xml)`.
 */

/** `HTTP 404 Not Found`; `HTTP 599` for a status node has no reason phrase for. */
export function httpStatusKind(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase ? `HTTP ${status} ${phrase}` : `HTTP ${status}`;
}

/** A parse failure of a 207 body: the reason already says it was a multistatus, so the status would only repeat it. */
const MALFORMED_MULTISTATUS = /^malformed multistatus\b/;

/**
 * The kind of a failed response (`ResponseEvent` with `success` false):
 * - an unexpected status: `HTTP <status> <reason phrase>` (the HTTP layer's
 *   `unexpected status 500` says less, and the phrase is what people search for);
 * - no response (status 0): the reason, `timeout`, `connection reset`,
 *   `connection refused`, `interrupted`, …;
 * - a 207 whose body could not be parsed: the reason, `malformed multistatus (xml)`;
 * - a status and a reason that is not about it (the connection dropped after
 *   the head, a body too large): `HTTP 200: body too large`, so the status is
 *   not lost;
 * - a failure without a reason: by its status, or `no response`.
 */
export function responseFailureKind(e: { status: number; error?: string | undefined }): string {
  const { status, error } = e;
  if (status > 0 && (error === undefined || error === `unexpected status ${status}`)) return httpStatusKind(status);
  if (error === undefined) return 'no response';
  if (status <= 0 || MALFORMED_MULTISTATUS.test(error)) return error;
  return `HTTP ${status}: ${error}`;
}

/**
 * The kind of a failed operation (`OperationEvent` end with `success` false):
 * its reason, e.g. `PROPFIND{home}: unexpected status 500 (expected 207)`.
 * Reasons name the request that broke the operation, which is what a reader
 * of the operations table wants to know.
 */
export function operationFailureKind(reason: string | undefined): string {
  return reason === undefined || reason.trim() === '' ? 'no reason given' : reason;
}
