import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

// Node error codes of a connection or stream that broke under the call.
const BROKEN_CONNECTION = new Set([
  "ECONNRESET",
  "EPIPE",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
]);

/** Whether the error was made on this side because the connection failed, not sent by the service. */
export function isBrokenConnection(error: ConnectError): boolean {
  if (/http\/2 stream closed with error code|GOAWAY/i.test(error.rawMessage)) return true;
  for (let cause: unknown = error.cause, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && BROKEN_CONNECTION.has(code)) return true;
  }
  return false;
}

/**
 * A call whose connection broke (the service died or shut down mid-call)
 * fails as Unavailable, which callers retry and the edge answers 503 with
 * Retry-After. connect-node reports some of these as Aborted (our 409
 * "conflict"), Internal (500) or Canceled (499, an RST_STREAM CANCEL from a
 * dying server), which would tell a client its request was wrong, the server
 * broken, or that it hung up itself. A cancel by our own caller stays one. Errors the service itself sent pass unchanged.
 */
export function transportErrorInterceptor(): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      const broken =
        error instanceof ConnectError &&
        (error.code === Code.Aborted || error.code === Code.Internal || error.code === Code.Canceled) &&
        !req.signal.aborted &&
        isBrokenConnection(error);
      if (!broken) throw error;
      throw new ConnectError(`the connection to the service broke: ${error.rawMessage}`, Code.Unavailable, undefined, undefined, error);
    }
  };
}
