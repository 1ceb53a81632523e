import type { FieldViolation } from "@emporium/platform/errors/domain-errors";
import { ValidationError } from "@emporium/platform/errors/domain-errors";

export type OrderStatus = "PENDING" | "AWAITING_PAYMENT" | "CONFIRMED" | "REJECTED" | "CANCELLED";

export interface OrderLine {
  productId: string;
  quantity: number;
}

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  statusReason: string;
  lines: OrderLine[];
  createdAt: Date;
  updatedAt: Date;
}

export const MAX_LINES = 100;
export const MAX_QUANTITY = 1_000;

/** Checks the shape of an order's lines; throws with every violation at once. */
export function validateLines(lines: OrderLine[]): void {
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
export function rejectUnknownProducts(lines: OrderLine[], missing: ReadonlySet<string>): void {
  const violations = lines.flatMap((line, index) =>
    missing.has(line.productId) ? [{ field: `items[${index}].product_id`, description: `unknown product "${line.productId}"` }] : [],
  );
  if (violations.length > 0) throw new ValidationError(violations);
}

export function newOrder(id: string, customerId: string, lines: OrderLine[], now: Date): Order {
  return { id, customerId, status: "PENDING", statusReason: "", lines, createdAt: now, updatedAt: now };
}
