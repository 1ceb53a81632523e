import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { clientAddressOf } from "../src/client-address.js";
import { gatewayConfig } from "../src/config.js";

/** A request as the gateway's listener sees it: its connection's peer and its headers. */
const request = (peer: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
  }) as unknown as IncomingMessage;

test("trusting no proxy (the default), the address is the connection's peer and X-Forwarded-For is ignored", () => {
  const address = clientAddressOf([]);
  assert.equal(address(request("203.0.113.7")), "203.0.113.7");
  assert.equal(address(request("203.0.113.7", "198.51.100.1")), "203.0.113.7");
});

test("behind a trusted balancer, the address is the one the balancer appended", () => {
  const address = clientAddressOf(["loopback"]);
  assert.equal(address(request("127.0.0.1", "203.0.113.7")), "203.0.113.7");
  assert.equal(address(request("::ffff:127.0.0.1", "203.0.113.8")), "203.0.113.8");
});

test("an address a client wrote into X-Forwarded-For itself is not believed", () => {
  const address = clientAddressOf(["loopback"]);
  // The client sent "X-Forwarded-For: 198.51.100.1"; the balancer appended the peer it saw.
  assert.equal(address(request("127.0.0.1", "198.51.100.1, 203.0.113.7")), "203.0.113.7");
  // A client that reaches the gateway directly, past the balancer, is its own peer whatever it claims.
  assert.equal(address(request("203.0.113.9", "127.0.0.1")), "203.0.113.9");
});

test("GATEWAY_TRUSTED_PROXIES takes addresses, ranges and names; anything else is a configuration error naming it", () => {
  assert.deepEqual(gatewayConfig({ GATEWAY_TRUSTED_PROXIES: "loopback, 10.0.0.0/8" }).GATEWAY_TRUSTED_PROXIES, ["loopback", "10.0.0.0/8"]);
  assert.deepEqual(gatewayConfig({}).GATEWAY_TRUSTED_PROXIES, []);
  assert.throws(() => gatewayConfig({ GATEWAY_TRUSTED_PROXIES: "not-an-address" }), /GATEWAY_TRUSTED_PROXIES/);
});
