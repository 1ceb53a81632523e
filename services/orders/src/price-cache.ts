import { type CacheLayerCounts, NOT_COUNTED } from "@emporium/platform/cache/cache-metrics";
import type { PricedProduct, ProductPrices } from "./handlers.js";

export interface CachedPrices extends ProductPrices {
  /** Drops a product's price (its ProductChanged was heard). */
  forget(productId: string): void;
}

/**
 * Prices (and names) kept in this process for `ttlMs`, dropped sooner when the catalog
 * announces a change (ProductChanged, heard by every orders instance), so
 * an order costs no catalog call for products priced a moment ago. The
 * catalog's own caches work the same way and are as fresh. Unknown products
 * are not remembered: a product added later is priced at once.
 */
export function cachedPrices(
  catalog: ProductPrices,
  options: { ttlMs: number; maxEntries?: number; counts?: CacheLayerCounts | undefined },
): CachedPrices {
  const maxEntries = options.maxEntries ?? 50_000;
  const counts = options.counts ?? NOT_COUNTED;
  const prices = new Map<string, { price: PricedProduct; until: number }>();
  return {
    async pricesOf(productIds) {
      const now = Date.now();
      const found = new Map<string, PricedProduct>();
      const missing: string[] = [];
      for (const id of productIds) {
        const entry = prices.get(id);
        if (entry && entry.until > now) found.set(id, entry.price);
        else missing.push(id);
      }
      counts.hit(found.size);
      counts.miss(missing.length);
      if (missing.length === 0) return found;
      const fetched = await catalog.pricesOf(missing);
      if (prices.size + fetched.size > maxEntries) prices.clear();
      const until = Date.now() + options.ttlMs;
      for (const [id, price] of fetched) {
        prices.set(id, { price, until });
        found.set(id, price);
      }
      return found;
    },
    forget(productId) {
      prices.delete(productId);
    },
  };
}
