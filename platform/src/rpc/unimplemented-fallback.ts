import type { connectNodeAdapter } from "@connectrpc/connect-node";

type NodeHandlerFn = NonNullable<Parameters<typeof connectNodeAdapter>[0]["fallback"]>;

/**
 * Answers a call to a service or method this server does not have with
 * UNIMPLEMENTED, in the caller's protocol. connect-node's default is a bare
 * HTTP 404: gRPC clients then see a transport failure (grpc-go: "server
 * closed the stream without sending trailers") instead of a status. gRPC
 * and gRPC-Web get a trailers-only response (HTTP 200, grpc-status 12, on
 * the one HEADERS frame that ends the stream); Connect gets 404 with its
 * JSON error body, which Connect clients read as unimplemented.
 */
export function unimplementedFallback(knownServices: () => ReadonlySet<string>): NodeHandlerFn {
  return (req, res) => {
    const message = describeMissing(req.url ?? "", knownServices());
    const contentType = req.headers["content-type"] ?? "";
    if (/^application\/grpc/.test(contentType) && "stream" in res) {
      const headers = {
        ":status": 200,
        "content-type": contentType.split(";")[0] ?? "application/grpc",
        "grpc-status": "12",
        "grpc-message": percentEncoded(message),
      };
      if (!res.stream.headersSent && !res.stream.destroyed) res.stream.respond(headers, { endStream: true });
      return;
    }
    const body = JSON.stringify({ code: "unimplemented", message });
    res.writeHead(404, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
}

/** "unknown service x.Y" or "unknown method Z for service x.Y", as grpc-go words it. */
function describeMissing(url: string, known: ReadonlySet<string>): string {
  const [service, method] = (url.split("?", 1)[0] ?? "").replace(/^\//, "").split("/", 2);
  if (!service || !method) return `malformed method name: ${JSON.stringify(url)}`;
  return known.has(service) ? `unknown method ${method} for service ${service}` : `unknown service ${service}`;
}

/** grpc-message as the gRPC spec encodes it: printable ASCII as is, except `%`; the rest as %XX of its UTF-8. */
const percentEncoded = (message: string) =>
  message.replace(/[^\x20-\x24\x26-\x7e]+/g, (run) =>
    [...Buffer.from(run, "utf8")].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
  );
