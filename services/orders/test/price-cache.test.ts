import assert from "node:assert/strict";
import { test } from "node:test";
import type { PricedProduct } from "../src/handlers.js";
import { cachedPrices } from "../src/price-cache.js";

/** A catalog stand-in that counts the ids it is asked for. */
function fakeCatalog(prices: Record<string, bigint>) {
  const asked: string[][] = [];
  return {
    asked,
    async pricesOf(ids: string[]) {
      asked.push(ids);
      return new Map(
        ids.flatMap((id) =>
          id in prices ? [[id, { currency: "EUR", amountMinor: prices[id] as bigint, name: id } as PricedProduct]] : [],
        ),
      );
    },
  };
}

test("prices priced a moment ago cost no catalog call; only the missing ones are asked for", async () => {
  const catalog = fakeCatalog({ a: 100n, b: 200n });
  const prices = cachedPrices(catalog, { ttlMs: 60_000 });
  await prices.pricesOf(["a"]);
  const both = await prices.pricesOf(["a", "b"]);
  assert.deepEqual(catalog.asked, [["a"], ["b"]]);
  assert.equal(both.get("a")?.amountMinor, 100n);
  assert.equal(both.get("b")?.amountMinor, 200n);
});

test("a ProductChanged (forget) makes the next order ask the catalog again", async () => {
  const catalog = fakeCatalog({ a: 100n });
  const prices = cachedPrices(catalog, { ttlMs: 60_000 });
  await prices.pricesOf(["a"]);
  prices.forget("a");
  await prices.pricesOf(["a"]);
  assert.deepEqual(catalog.asked, [["a"], ["a"]]);
});

test("unknown products are not remembered, and a TTL of 0 keeps nothing", async () => {
  const catalog = fakeCatalog({ a: 100n });
  const prices = cachedPrices(catalog, { ttlMs: 0 });
  assert.equal((await prices.pricesOf(["nope"])).size, 0);
  await prices.pricesOf(["nope", "a"]);
  await prices.pricesOf(["a"]);
  assert.deepEqual(catalog.asked, [["nope"], ["nope", "a"], ["a"]]);
});
