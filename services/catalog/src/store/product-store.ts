import type { Pool, PoolClient } from "@emporium/platform/db/pool";
import type { Cursor } from "@emporium/platform/paging/page-token";
import type { ListFilter, ProductOrder } from "../domain/list-query.js";
import type { Product, ProductField } from "../domain/product.js";
import { columnsFor, type ProductRow, rowToProduct } from "./product-columns.js";

type Queryable = Pool | PoolClient;
export type PartialProduct = Partial<Product> & { id: string };

interface KeysetOrder {
  /** The sort column; read back as text for the page token. */
  column: string;
  cast: string;
  descending: boolean;
}

const ORDERS: Record<ProductOrder, KeysetOrder> = {
  name: { column: "name", cast: "text", descending: false },
  price: { column: "price_amount", cast: "bigint", descending: false },
  "price desc": { column: "price_amount", cast: "bigint", descending: true },
  newest: { column: "created_at", cast: "timestamptz", descending: true },
};

/** Postgres access for products: reads only the columns of the fields asked for. */
export const productStore = {
  async getMany(db: Queryable, ids: readonly string[], fields: readonly ProductField[]): Promise<PartialProduct[]> {
    const { rows } = await db.query<ProductRow>(`SELECT ${columnsFor(fields).join(", ")} FROM products WHERE id = ANY($1::text[])`, [ids]);
    return rows.map(rowToProduct);
  },

  /**
   * One page in keyset order, after `cursor` when given. Fetches one row more
   * than asked to know whether another page follows.
   */
  async list(
    db: Queryable,
    filter: ListFilter,
    pageSize: number,
    fields: readonly ProductField[],
    cursor?: Cursor,
  ): Promise<{ products: PartialProduct[]; next?: Cursor }> {
    const order = ORDERS[filter.orderBy];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (filter.category) where.push(`category_id = ${param(filter.category)}`);
    if (filter.q) where.push(`search @@ websearch_to_tsquery('english', ${param(filter.q)})`);
    if (filter.minPrice !== undefined) where.push(`price_amount >= ${param(filter.minPrice.toString())}`);
    if (filter.maxPrice !== undefined) where.push(`price_amount <= ${param(filter.maxPrice.toString())}`);
    if (cursor) {
      const comparison = order.descending ? "<" : ">";
      where.push(`(${order.column}, id) ${comparison} (${param(cursor.key)}::${order.cast}, ${param(cursor.id)})`);
    }
    const direction = order.descending ? "DESC" : "ASC";
    const sql = `SELECT ${columnsFor(fields).join(", ")}, ${order.column}::text AS sort_key
                   FROM products ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
                  ORDER BY ${order.column} ${direction}, id ${direction}
                  LIMIT ${param(pageSize + 1)}`;
    const { rows } = await db.query<ProductRow>(sql, params);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      products: page.map(rowToProduct),
      next: rows.length > pageSize && last ? { key: last.sort_key ?? "", id: last.id } : undefined,
    };
  },

  /** Applies the change if the product is still at `expectedVersion`; undefined when it is not (or is gone). */
  async update(
    tx: PoolClient,
    id: string,
    expectedVersion: bigint,
    mask: readonly string[],
    changes: Partial<Product>,
  ): Promise<Product | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id, expectedVersion.toString()];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (mask.includes("name")) set("name", changes.name);
    if (mask.includes("description")) set("description", changes.description ?? "");
    if (mask.includes("category_id")) set("category_id", changes.categoryId);
    if (mask.includes("image_url")) set("image_url", changes.imageUrl ?? "");
    if (mask.includes("attributes")) set("attributes", changes.attributes ?? {});
    if (mask.includes("price")) {
      set("price_currency", changes.price?.currencyCode);
      set("price_amount", changes.price?.amountMinor.toString());
    }
    const { rows } = await tx.query<ProductRow>(
      `UPDATE products SET ${sets.join(", ")}, version = version + 1, updated_at = now()
        WHERE id = $1 AND version = $2 RETURNING ${columnsFor(["id", "sku", "name", "description", "category_id", "price", "image_url", "attributes", "version", "create_time", "update_time"]).join(", ")}`,
      params,
    );
    return rows[0] && (rowToProduct(rows[0]) as Product);
  },

  async exists(db: Queryable, id: string): Promise<boolean> {
    return ((await db.query("SELECT 1 FROM products WHERE id = $1", [id])).rowCount ?? 0) > 0;
  },

  async count(db: Queryable): Promise<number> {
    return Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM products")).rows[0]?.n ?? 0);
  },
};

export type ProductStore = typeof productStore;
