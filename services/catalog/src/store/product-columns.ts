import type { Product, ProductField } from "../domain/product.js";

/** The columns each public field is read from. */
export const COLUMNS: Record<ProductField, string[]> = {
  id: ["id"],
  sku: ["sku"],
  name: ["name"],
  description: ["description"],
  category_id: ["category_id"],
  price: ["price_currency", "price_amount"],
  image_url: ["image_url"],
  attributes: ["attributes"],
  version: ["version"],
  create_time: ["created_at"],
  update_time: ["updated_at"],
};

export interface ProductRow {
  id: string;
  sku?: string;
  name?: string;
  description?: string;
  category_id?: string;
  price_currency?: string;
  price_amount?: string;
  image_url?: string;
  attributes?: Record<string, string>;
  version?: string;
  created_at?: Date;
  updated_at?: Date;
  sort_key?: string;
}

/** The columns a fieldset needs (id always: it orders pages and names rows). */
export function columnsFor(fields: readonly ProductField[]): string[] {
  return [...new Set(["id", ...fields.flatMap((field) => COLUMNS[field])])];
}

/** A row as a partial product: only the fields that were read are set. */
export function rowToProduct(row: ProductRow): Partial<Product> & { id: string } {
  const product: Partial<Product> & { id: string } = { id: row.id };
  if (row.sku !== undefined) product.sku = row.sku;
  if (row.name !== undefined) product.name = row.name;
  if (row.description !== undefined) product.description = row.description;
  if (row.category_id !== undefined) product.categoryId = row.category_id;
  if (row.price_amount !== undefined) product.price = { currencyCode: row.price_currency ?? "", amountMinor: BigInt(row.price_amount) };
  if (row.image_url !== undefined) product.imageUrl = row.image_url;
  if (row.attributes !== undefined) product.attributes = row.attributes;
  if (row.version !== undefined) product.version = BigInt(row.version);
  if (row.created_at !== undefined) product.createdAt = row.created_at;
  if (row.updated_at !== undefined) product.updatedAt = row.updated_at;
  return product;
}
