/**
 * The stock `npm start` seeds for the demo catalog (catalog ids p-000001 …,
 * services/catalog/src/seed), so that every listed product can be ordered
 * or visibly cannot:
 * - p-000001 … p-000020: 1,000 units each (what the tests and benchmarks order);
 * - p-000021: a single unit, to see a rejection once it is sold;
 * - every 50th product (p-000050, p-000100, …): none, deliberately out of stock;
 * - every 50th from 25 on (p-000025, p-000075, …): 3 units, low stock;
 * - every other product: 100 to 499 units, the same on every machine.
 * Products past `count` have no stock row: inventory treats them as out of
 * stock, and the catalog shows them so.
 */
export function demoStock(count: number): { productId: string; quantity: number }[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    return { productId: `p-${String(n).padStart(6, "0")}`, quantity: demoQuantity(n) };
  });
}

function demoQuantity(n: number): number {
  if (n <= 20) return 1_000;
  if (n === 21) return 1;
  if (n % 50 === 0) return 0;
  if (n % 50 === 25) return 3;
  return 100 + ((n * 37) % 400);
}
