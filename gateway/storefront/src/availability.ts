import { type Product, StockStatus } from "@emporium/gen/emporium/catalog/v1/catalog_pb";

export interface Shown {
  /** For styles and tests: IN_STOCK, OUT_OF_STOCK or UNKNOWN. */
  stock: string;
  text: string;
  /** Out of stock cannot be ordered (the order would be REJECTED); unknown can, inventory decides. */
  orderable: boolean;
}

/**
 * What the shopper is told about a product's stock (docs/availability.md):
 * a hint from inventory, a few seconds old at most, not a hold.
 */
export function availabilityOf(product: Product): Shown {
  const availability = product.availability;
  switch (availability?.status) {
    case StockStatus.IN_STOCK: {
      const units = availability.availableUnits;
      return { stock: "IN_STOCK", text: units === undefined ? "In stock" : `In stock: ${units}`, orderable: true };
    }
    case StockStatus.OUT_OF_STOCK:
      return { stock: "OUT_OF_STOCK", text: "Out of stock", orderable: false };
    default:
      return { stock: "UNKNOWN", text: "Availability unknown", orderable: true };
  }
}
