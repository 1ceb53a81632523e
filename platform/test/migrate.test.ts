import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { migrate } from "../src/db/migrate.js";
import { scratchDatabase } from "./test-infra.js";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let dir: string;
before(async () => {
  db = await scratchDatabase("migrate");
  dir = await mkdtemp(join(tmpdir(), "migrations-"));
  await writeFile(join(dir, "0001_widgets.sql"), "CREATE TABLE widgets (id int PRIMARY KEY);");
  await writeFile(join(dir, "0002_widget_names.sql"), "ALTER TABLE widgets ADD COLUMN name text;");
  await writeFile(join(dir, "README.md"), "not a migration");
});
after(() => db.drop());

test("two instances migrating at once apply each file exactly once, in order", async () => {
  const source = { name: "widgets", dir };
  const [first, second] = await Promise.all([migrate(db.pool, [source]), migrate(db.pool, [source])]);

  assert.deepEqual([...first, ...second], ["widgets/0001_widgets", "widgets/0002_widget_names"]);
  const { rows } = await db.pool.query(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'widgets' ORDER BY ordinal_position",
  );
  assert.deepEqual(
    rows.map((r) => r.column_name),
    ["id", "name"],
  );
});

test("a later run applies only new files", async () => {
  await writeFile(join(dir, "0003_widget_index.sql"), "CREATE INDEX widgets_name ON widgets (name);");

  assert.deepEqual(await migrate(db.pool, [{ name: "widgets", dir }]), ["widgets/0003_widget_index"]);
  assert.deepEqual(await migrate(db.pool, [{ name: "widgets", dir }]), []);
});
