import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "@emporium/gen/google/rpc/error_details_pb";

/**
 * Unavailable with a google.rpc.RetryInfo: "this server is going away, call
 * again after this long" (another instance answers). What a long-lived
 * stream ends with when its server stops gracefully; any gRPC client can
 * read the delay, and the gateway turns it into an SSE `retry:`.
 */
export function unavailableRetryAfter(message: string, retryMs: number): ConnectError {
  const delay = Math.max(0, Math.round(retryMs));
  const info = create(RetryInfoSchema, {
    retryDelay: { seconds: BigInt(Math.floor(delay / 1000)), nanos: (delay % 1000) * 1_000_000 },
  });
  return new ConnectError(message, Code.Unavailable, undefined, [{ desc: RetryInfoSchema, value: info }]);
}

/** The RetryInfo delay a Connect error carries, in ms; undefined when it has none. */
export function retryDelayMsOf(error: ConnectError): number | undefined {
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (!delay) return undefined;
  return Number(delay.seconds) * 1000 + Math.round(delay.nanos / 1_000_000);
}
