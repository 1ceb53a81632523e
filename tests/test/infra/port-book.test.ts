import assert from "node:assert/strict";
import { test } from "node:test";
import { canBind, PortBook } from "../../src/harness/free-port.js";

test("a port book never hands out a port twice, nor one that is another's admin port", async () => {
  const book = new PortBook();
  const handedOut = new Set<number>();
  // Enough picks that, drawn independently from 12,000 ports, some port would
  // very likely land on another's port + 1000.
  for (let i = 0; i < 300; i++) {
    const withAdmin = i % 2 === 0;
    const port = await book.take({ admin: withAdmin });
    for (const p of withAdmin ? [port, port + 1000] : [port]) {
      assert.ok(!handedOut.has(p), `port ${p} handed out twice (pick ${i})`);
      assert.ok(p < 32_768, `port ${p} is in the ephemeral range`);
      handedOut.add(p);
    }
    if (withAdmin) assert.ok(await canBind(port + 1000), `admin port ${port + 1000} not free`);
  }
});

test("a port book keeps the copies' ports and their admin ports of one pick apart from every other pick", async () => {
  const book = new PortBook();
  const handedOut = new Set<number>();
  for (let i = 0; i < 120; i++) {
    const needs = { copies: i % 3, admin: i % 2 === 0 };
    const port = await book.take(needs);
    for (let k = 0; k <= needs.copies; k++)
      for (const p of needs.admin ? [port + 100 * k, port + 100 * k + 1000] : [port + 100 * k]) {
        assert.ok(!handedOut.has(p), `port ${p} handed out twice (pick ${i})`);
        assert.ok(p < 32_768, `port ${p} is in the ephemeral range`);
        handedOut.add(p);
      }
  }
});
