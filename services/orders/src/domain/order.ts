import type { FieldViolation } from "@emporium/platform/errors/domain-errors";
import { ValidationError } from "@emporium/platform/errors/domain-errors";

export type OrderStatus = "PENDING" | "AWAITING_PAYMENT" | "CONFIRMED" | "REJECTED" | "CANCELLED";

export interface OrderLine {
  productId: string;
  quantity: number;
  /** The unit price when the order was placed, in the order's currency's minor units. */
  unitPriceMinor: bigint;
}

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  statusReason: string;
  lines: OrderLine[];
  currency: string;
  totalMinor: bigint;
  createdAt: Date;
  updatedAt: Date;
}

/** A line as the customer asks for it, before pricing. */
export type RequestedLine = Pick<OrderLine, "productId" | "quantity">;

export interface Price {
  currency: string;
  amountMinor: bigint;
}

export const MAX_LINES = 100;
export const MAX_QUANTITY = 1_000;

/** Checks the shape of an order's lines; throws with every violation at once. */
export function validateLines(lines: RequestedLine[]): void {
  const violations: FieldViolation[] = [];
  if (lines.length === 0) violations.push({ field: "items", description: "must contain at least one item" });
  if (lines.length > MAX_LINES) violations.push({ field: "items", description: `must contain at most ${MAX_LINES} items` });
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const at = `items[${index}]`;
    if (line.productId.trim() === "") violations.push({ field: `${at}.product_id`, description: "is required" });
    else if (seen.has(line.productId)) violations.push({ field: `${at}.product_id`, description: "is listed more than once" });
    seen.add(line.productId);
    if (line.quantity < 1) violations.push({ field: `${at}.quantity`, description: "must be at least 1" });
    if (line.quantity > MAX_QUANTITY) violations.push({ field: `${at}.quantity`, description: `must be at most ${MAX_QUANTITY}` });
  });
  if (violations.length > 0) throw new ValidationError(violations);
}

/** Rejects lines whose product is unknown, naming each offending line. */
export function rejectUnknownProducts(lines: RequestedLine[], missing: ReadonlySet<string>): void {
  const violations = lines.flatMap((line, index) =>
    missing.has(line.productId) ? [{ field: `items[${index}].product_id`, description: `unknown product "${line.productId}"` }] : [],
  );
  if (violations.length > 0) throw new ValidationError(violations);
}

/**
 * Prices the lines at the catalog's current prices: unknown products are
 * named, and one order has one currency.
 */
export function priceLines(
  lines: RequestedLine[],
  prices: ReadonlyMap<string, Price>,
): { lines: OrderLine[]; currency: string; totalMinor: bigint } {
  rejectUnknownProducts(lines, new Set(lines.filter((line) => !prices.has(line.productId)).map((line) => line.productId)));
  const priced = lines.map((line) => ({ ...line, price: prices.get(line.productId) as Price }));
  const currency = priced[0]?.price.currency ?? "EUR";
  const foreign = priced.findIndex((line) => line.price.currency !== currency);
  if (foreign !== -1) {
    throw new ValidationError([{ field: `items[${foreign}].product_id`, description: `is priced in another currency than ${currency}` }]);
  }
  return {
    lines: priced.map(({ price, ...line }) => ({ ...line, unitPriceMinor: price.amountMinor })),
    currency,
    totalMinor: priced.reduce((sum, line) => sum + line.price.amountMinor * BigInt(line.quantity), 0n),
  };
}

export function newOrder(
  id: string,
  customerId: string,
  priced: { lines: OrderLine[]; currency: string; totalMinor: bigint },
  now: Date,
): Order {
  return { id, customerId, status: "PENDING", statusReason: "", ...priced, createdAt: now, updatedAt: now };
}

/** Order ids are UUIDs (made by CreateOrder); anything else names no order. */
export const isOrderId = (id: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
