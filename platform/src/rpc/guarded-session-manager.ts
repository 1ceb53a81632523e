import type * as http2 from "node:http2";
import { Http2SessionManager } from "@connectrpc/connect-node";

/**
 * connect-node's HTTP/2 session manager, with one listener more on each
 * session it opens: a no-op for 'error'. A GOAWAY on a session without open
 * streams (a service shutting down gracefully) makes the manager destroy the
 * session with an error that Node raises later, when the socket has closed;
 * if the manager has left that session meanwhile (a new request reconnects),
 * its own listener is gone and the error is uncaught: the gateway crashed
 * during an orders SIGTERM (connectrpc/connect-es#1768, not fixed in 2.3.0;
 * the proposed fix, #1769, adds the same kind of listener). Errors of live
 * sessions still reach the manager's own listener and the streams on them.
 */
export function guardedSessionManager(baseUrl: string) {
  const manager = new Http2SessionManager(baseUrl);
  const guarded = new WeakSet<http2.Http2Session>();
  return {
    authority: manager.authority,
    async request(...args: Parameters<Http2SessionManager["request"]>): Promise<http2.ClientHttp2Stream> {
      const [method, path, headers, options] = args;
      const stream = await manager.request(method, path, headers, options);
      const session = stream.session;
      if (session && !guarded.has(session)) {
        guarded.add(session);
        session.on("error", () => undefined);
      }
      return stream;
    },
    notifyResponseByteRead: (stream: http2.ClientHttp2Stream) => manager.notifyResponseByteRead(stream),
  };
}
