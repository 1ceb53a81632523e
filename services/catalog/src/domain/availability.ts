/**
 * What a shopper is told about one product's stock. Inventory owns the
 * numbers; this is only how they read to a shopper.
 */
export type ProductAvailability =
  | { status: "in-stock"; availableUnits: bigint }
  | { status: "out-of-stock"; availableUnits: 0n }
  | { status: "unknown" };

export const UNKNOWN_AVAILABILITY: ProductAvailability = { status: "unknown" };

/**
 * From inventory's units that can still be reserved; `undefined` when
 * inventory has no stock row for the product, which is nothing to sell (an
 * order for it is rejected), so out of stock rather than unknown.
 */
export function availabilityFromStock(available: bigint | undefined): ProductAvailability {
  if (available === undefined || available <= 0n) return { status: "out-of-stock", availableUnits: 0n };
  return { status: "in-stock", availableUnits: available };
}
