// The baseline of the lists benchmark, in its own process:
//   node express-pg-list.js <port> <database-url>
// GET /v1/products?page_size=&max_price= : one page of products in name
// order from the catalog's own table, with the catalog's SQL, as the JSON
// the gateway returns (snake_case, every field) and an HMAC-signed next page
// token. What a plain express + pg endpoint costs for the same page.
import { createHmac } from "node:crypto";
import express from "express";
import pg from "pg";

const [port, databaseUrl] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const SECRET = "express-pg-baseline-secret";

interface Row {
  id: string;
  sku: string;
  name: string;
  description: string;
  category_id: string;
  price_currency: string;
  price_amount: string;
  image_url: string;
  attributes: Record<string, string>;
  version: string;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT id, sku, name, description, category_id, price_currency, price_amount, image_url, attributes, version, created_at, updated_at
                  FROM products`;

const app = express();
app.disable("x-powered-by");
app.disable("etag");
app.get("/v1/products", async (req, res) => {
  const pageSize = Number(req.query.page_size ?? 20);
  const maxPrice = typeof req.query.max_price === "string" ? req.query.max_price : undefined;
  const params: unknown[] = maxPrice === undefined ? [pageSize + 1] : [maxPrice, pageSize + 1];
  const where = maxPrice === undefined ? "" : "WHERE price_amount <= $1";
  try {
    const { rows } = await pool.query<Row>(`${SELECT} ${where} ORDER BY name ASC, id ASC LIMIT $${params.length}`, params);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    let nextPageToken = "";
    if (rows.length > pageSize && last) {
      const payload = Buffer.from(JSON.stringify({ k: last.name, i: last.id })).toString("base64url");
      nextPageToken = `${payload}.${createHmac("sha256", SECRET).update(payload).digest("base64url").slice(0, 22)}`;
    }
    res.json({
      products: page.map((row) => ({
        id: row.id,
        sku: row.sku,
        name: row.name,
        description: row.description,
        category_id: row.category_id,
        price: { currency_code: row.price_currency, amount_minor: row.price_amount },
        image_url: row.image_url,
        attributes: row.attributes,
        version: row.version,
        create_time: row.created_at.toISOString(),
        update_time: row.updated_at.toISOString(),
      })),
      next_page_token: nextPageToken,
    });
  } catch {
    res.status(500).json({ error: "query failed" });
  }
});
app.listen(Number(port), "127.0.0.1");
