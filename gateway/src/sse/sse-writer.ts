import type { ServerResponse } from "node:http";

/**
 * The Server-Sent Events wire format (WHATWG HTML, "Server-sent events"):
 * `id:`, `event:`, `data:` and `retry:` fields, `:` comments, a blank line
 * ending each event. Each call is one `write`, which Node sends at once
 * (no Nagle: node:http sets TCP_NODELAY; no compression: `no-transform`).
 *
 * Our own few lines rather than better-sse: the route has to decide the
 * status (200, 204, or a problem+json) only after the first upstream
 * message, and end streams with a retry hint on shutdown; both are simpler
 * with the response in hand than around a session object.
 */

/** Headers of an event stream: never stored (it is private and live), never transformed or buffered by a proxy. */
export const EVENT_STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-store, no-transform",
  // nginx and similar proxies buffer responses unless told not to.
  "X-Accel-Buffering": "no",
};

/** Data may not hold a line break inside one `data:` line; each line becomes its own. */
const dataLines = (data: string) => `data: ${data.replace(/\r\n|\r|\n/g, "\ndata: ")}\n`;

/** Ids must not hold line breaks or NUL (a client would ignore the id). */
const safeId = (id: string) => id.replace(/[\r\n\0]/g, "");

export function openEventStream(res: ServerResponse, retryMs: number): void {
  res.writeHead(200, EVENT_STREAM_HEADERS);
  // How long a client waits before reconnecting when the stream drops.
  res.write(`retry: ${retryMs}\n\n`);
}

export function writeEvent(res: ServerResponse, event: { id?: string; event?: string; data: string }): void {
  let text = "";
  if (event.event !== undefined) text += `event: ${event.event}\n`;
  text += dataLines(event.data);
  if (event.id !== undefined) text += `id: ${safeId(event.id)}\n`;
  res.write(`${text}\n`);
}

/** A comment: clients ignore it; it keeps idle connections (and proxies in between) from timing out. */
export function writeComment(res: ServerResponse, comment: string): void {
  res.write(`: ${comment.replace(/[\r\n]/g, " ")}\n\n`);
}

/** Ends the stream telling the client when to reconnect (it resumes with Last-Event-ID). */
export function endWithRetry(res: ServerResponse, retryMs: number, why: string): void {
  res.end(`retry: ${retryMs}\n: ${why.replace(/[\r\n]/g, " ")}\n\n`);
}
