CREATE TABLE categories (
  id    text PRIMARY KEY,
  name  text NOT NULL
);

CREATE TABLE products (
  id              text PRIMARY KEY,
  sku             text NOT NULL UNIQUE,
  name            text NOT NULL,
  description     text NOT NULL DEFAULT '',
  category_id     text NOT NULL REFERENCES categories (id),
  price_currency  char(3) NOT NULL,
  price_amount    bigint NOT NULL CHECK (price_amount >= 0),
  image_url       text NOT NULL DEFAULT '',
  attributes      jsonb NOT NULL DEFAULT '{}',
  version         bigint NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  search          tsvector GENERATED ALWAYS AS (to_tsvector('english', name || ' ' || description)) STORED
);

-- One index per keyset order, with and without the category filter; the
-- trailing id makes every order total, which keyset pagination needs.
CREATE INDEX products_by_name ON products (name, id);
CREATE INDEX products_by_price ON products (price_amount, id);
CREATE INDEX products_by_newest ON products (created_at, id);
CREATE INDEX products_category_by_name ON products (category_id, name, id);
CREATE INDEX products_category_by_price ON products (category_id, price_amount, id);
CREATE INDEX products_category_by_newest ON products (category_id, created_at, id);
CREATE INDEX products_search ON products USING gin (search);
