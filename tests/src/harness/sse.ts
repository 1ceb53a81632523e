/**
 * A plain Server-Sent Events client over fetch, as `curl -N` sees a stream:
 * the status and headers, then each field as it arrives (events, `retry:`
 * hints and comments such as heartbeats), and whether the server ended it.
 */
export type SseItem =
  | { kind: "event"; id: string | undefined; event: string | undefined; data: string }
  | { kind: "retry"; ms: number }
  | { kind: "comment"; text: string };

export interface SseStream {
  status: number;
  headers: Headers;
  /** The body as text when it is not an event stream (a problem, a 204). */
  body: string;
  /** The next item; `undefined` once the server has ended the stream. */
  next(): Promise<SseItem | undefined>;
  /** Items up to and including the first matching one (or to the end); throws if the stream ends first and `required`. */
  until(match: (item: SseItem) => boolean): Promise<SseItem[]>;
  /** Every item until the server ends the stream. */
  rest(): Promise<SseItem[]>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal });
  const isStream = response.status === 200 && (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
  const body = isStream ? "" : await response.text();
  const reader = isStream ? response.body?.getReader() : undefined;
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: SseItem[] = [];
  let fields: { id?: string; event?: string; data: string[] } = { data: [] };
  let ended = !reader;

  const parseLine = (line: string) => {
    if (line === "") {
      if (fields.data.length > 0) queue.push({ kind: "event", id: fields.id, event: fields.event, data: fields.data.join("\n") });
      fields = { data: [] };
      return;
    }
    if (line.startsWith(":")) return void queue.push({ kind: "comment", text: line.slice(1).trim() });
    const colon = line.indexOf(":");
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (name === "data") fields.data.push(value);
    else if (name === "id") fields.id = value;
    else if (name === "event") fields.event = value;
    else if (name === "retry") queue.push({ kind: "retry", ms: Number(value) });
  };

  const next = async (): Promise<SseItem | undefined> => {
    while (queue.length === 0) {
      if (ended || !reader) return undefined;
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) {
        ended = true;
        break;
      }
      buffer += decoder.decode(chunk.value, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        parseLine(buffer.slice(0, newline).replace(/\r$/, ""));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
    }
    return queue.shift();
  };

  return {
    status: response.status,
    headers: response.headers,
    body,
    next,
    async until(match) {
      const items: SseItem[] = [];
      for (let item = await next(); item; item = await next()) {
        items.push(item);
        if (match(item)) return items;
      }
      throw new Error(`the stream ended before the awaited item; got ${JSON.stringify(items)}`);
    },
    async rest() {
      const items: SseItem[] = [];
      for (let item = await next(); item; item = await next()) items.push(item);
      return items;
    },
    close: () => abort.abort(),
  };
}

/** The events among the items, with their data parsed as JSON. */
export function eventsOf(items: SseItem[]) {
  return items.flatMap((item) => (item.kind === "event" ? [{ id: item.id, event: item.event, data: JSON.parse(item.data) }] : []));
}
