/**
 * The products `npm start` stocks so that the system can be tried at once:
 * twenty well-stocked products and one with a single unit, to see a rejection.
 */
export const DEMO_STOCK = [
  ...Array.from({ length: 20 }, (_, i) => ({ productId: `demo-${String(i + 1).padStart(3, "0")}`, quantity: 1_000 })),
  { productId: "demo-scarce", quantity: 1 },
];
