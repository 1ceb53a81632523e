import { type FieldViolation, ValidationError } from "@emporium/platform/errors/domain-errors";

export interface Money {
  currencyCode: string;
  amountMinor: bigint;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  categoryId: string;
  price: Money;
  imageUrl: string;
  attributes: Record<string, string>;
  version: bigint;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields a client may ask for (proto field names), in response order. */
export const PRODUCT_FIELDS = [
  "id",
  "sku",
  "name",
  "description",
  "category_id",
  "price",
  "image_url",
  "attributes",
  "version",
  "create_time",
  "update_time",
] as const;

export type ProductField = (typeof PRODUCT_FIELDS)[number];

/** The fields an administrator may change. */
export const UPDATABLE_FIELDS: ReadonlySet<string> = new Set(["name", "description", "category_id", "price", "image_url", "attributes"]);

export const MAX_BATCH = 100;

/**
 * Fields a client may ask for that are not stored with the product: the
 * catalog fills them in per response from another service (availability
 * from inventory), so they are never cached with the product.
 */
export const DERIVED_FIELDS = ["availability"] as const;

/** A validated sparse fieldset: the stored fields to read, and whether to look up availability. */
export interface Fieldset {
  stored: ProductField[];
  availability: boolean;
}

/**
 * The sparse fieldset asked for, validated: an unknown name is a 400 naming
 * it. Empty means every field, availability included.
 */
export function selectFieldset(paths: readonly string[], parameter = "fields"): Fieldset {
  if (paths.length === 0) return { stored: [...PRODUCT_FIELDS], availability: true };
  const known: readonly string[] = [...PRODUCT_FIELDS, ...DERIVED_FIELDS];
  const unknown = paths.filter((path) => !known.includes(path));
  if (unknown.length > 0) {
    throw new ValidationError(unknown.map((path) => ({ field: parameter, description: `unknown field "${path}"` })));
  }
  return { stored: PRODUCT_FIELDS.filter((field) => paths.includes(field)), availability: paths.includes("availability") };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Product ids are short slugs; anything else is rejected before it reaches SQL. */
export function validateIds(ids: readonly string[], parameter: string): void {
  const violations: FieldViolation[] = [];
  if (ids.length > MAX_BATCH) violations.push({ field: parameter, description: `must name at most ${MAX_BATCH} ids` });
  for (const id of ids)
    if (!ID.test(id)) violations.push({ field: parameter, description: `"${id.slice(0, 80)}" is not a valid product id` });
  if (violations.length > 0) throw new ValidationError(violations);
}

/** Validates an administrator's change to the fields named in the mask. */
export function validateUpdate(mask: readonly string[], changes: Partial<Product>): void {
  const violations: FieldViolation[] = [];
  if (mask.length === 0) violations.push({ field: "update_mask", description: "must name at least one field" });
  for (const path of mask)
    if (!UPDATABLE_FIELDS.has(path)) violations.push({ field: "update_mask", description: `"${path}" cannot be changed` });
  if (mask.includes("name") && !changes.name?.trim()) violations.push({ field: "product.name", description: "is required" });
  if (mask.includes("price")) {
    if (!changes.price || changes.price.amountMinor < 0n)
      violations.push({ field: "product.price.amount_minor", description: "must be zero or more" });
    if (!/^[A-Z]{3}$/.test(changes.price?.currencyCode ?? ""))
      violations.push({ field: "product.price.currency_code", description: "must be an ISO 4217 code" });
  }
  if (violations.length > 0) throw new ValidationError(violations);
}
