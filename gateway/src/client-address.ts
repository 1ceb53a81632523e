import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";

/**
 * The address a request comes from, for limits per address: the
 * connection's peer, unless that peer is a trusted proxy (the balancer in
 * front of several gateways), in which case the nearest address in
 * X-Forwarded-For that is not one of them. An address a client wrote into
 * the header itself is never believed: the balancer appends the peer it
 * saw, and only addresses after the last untrusted one are skipped.
 * proxy-addr does the parsing, as express's `trust proxy` does;
 * `trusted` takes its forms: addresses, CIDR ranges, and names such as
 * `loopback`. None trusted (the default): the peer, header ignored.
 */
export function clientAddressOf(trusted: string[]): (req: IncomingMessage) => string {
  if (trusted.length === 0) return (req) => req.socket.remoteAddress ?? "unknown";
  const trust = proxyaddr.compile(trusted);
  return (req) => proxyaddr(req, trust) || "unknown";
}
