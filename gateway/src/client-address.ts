import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";

/**
 * The address a request comes from, for limits per address: the
 * connection's peer, unless that peer is a trusted proxy (the balancer in
 * front of several gateways). Then, walking back from the peer through
 * X-Forwarded-For (right to left), trusted proxies are skipped and the
 * first address that is not one is the caller. The balancer appends the
 * peer it saw, so an address a client wrote into the header itself lies
 * beyond that one and is never reached.
 * proxy-addr does the parsing, as express's `trust proxy` does;
 * `trusted` takes its forms: addresses, CIDR ranges, and names such as
 * `loopback`. None trusted (the default): the peer, header ignored.
 */
export function clientAddressOf(trusted: string[]): (req: IncomingMessage) => string {
  if (trusted.length === 0) return (req) => req.socket.remoteAddress ?? "unknown";
  const trust = proxyaddr.compile(trusted);
  return (req) => proxyaddr(req, trust) || "unknown";
}
