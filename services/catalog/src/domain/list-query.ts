import { type FieldViolation, ValidationError } from "@emporium/platform/errors/domain-errors";

export type ProductOrder = "name" | "price" | "price desc" | "newest";
export const PRODUCT_ORDERS: readonly ProductOrder[] = ["name", "price", "price desc", "newest"];

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ListFilter {
  category: string;
  q: string;
  minPrice?: bigint | undefined;
  maxPrice?: bigint | undefined;
  orderBy: ProductOrder;
}

export interface ListRequest extends Omit<ListFilter, "orderBy"> {
  orderBy: string;
  /** Unset means the default. */
  pageSize?: number | undefined;
}

/**
 * Validates list parameters; a missing page size means the default, and a
 * page size of 0, below 0 or over the cap is an error rather than a silent
 * clamp, so clients learn the limit.
 */
export function validateListRequest(request: ListRequest): { filter: ListFilter; pageSize: number } {
  const violations: FieldViolation[] = [];
  const orderBy = (request.orderBy.trim() || "name") as ProductOrder;
  if (!PRODUCT_ORDERS.includes(orderBy)) {
    violations.push({ field: "order_by", description: `must be one of: ${PRODUCT_ORDERS.join(", ")}` });
  }
  if (request.pageSize !== undefined && (request.pageSize < 1 || request.pageSize > MAX_PAGE_SIZE)) {
    violations.push({ field: "page_size", description: `must be between 1 and ${MAX_PAGE_SIZE}` });
  }
  if (request.minPrice !== undefined && request.minPrice < 0n) violations.push({ field: "min_price", description: "must be zero or more" });
  if (request.maxPrice !== undefined && request.maxPrice < 0n) violations.push({ field: "max_price", description: "must be zero or more" });
  if (request.minPrice !== undefined && request.maxPrice !== undefined && request.minPrice > request.maxPrice) {
    violations.push({ field: "min_price", description: "must not be greater than max_price" });
  }
  if (request.q.length > 200) violations.push({ field: "q", description: "must be at most 200 characters" });
  if (violations.length > 0) throw new ValidationError(violations);
  return {
    filter: { category: request.category, q: request.q.trim(), minPrice: request.minPrice, maxPrice: request.maxPrice, orderBy },
    pageSize: request.pageSize ?? DEFAULT_PAGE_SIZE,
  };
}
