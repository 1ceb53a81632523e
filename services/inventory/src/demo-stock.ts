/**
 * The stock `npm start` seeds so the system can be tried at once: the first
 * twenty products of the demo catalog (catalog ids p-000001 …) with plenty of
 * units, and p-000021 with a single unit, to see a rejection.
 */
export const DEMO_STOCK = [
  ...Array.from({ length: 20 }, (_, i) => ({ productId: `p-${String(i + 1).padStart(6, "0")}`, quantity: 1_000 })),
  { productId: "p-000021", quantity: 1 },
];
