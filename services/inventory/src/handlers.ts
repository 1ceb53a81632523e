import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { type InventoryService, type Stock, StockSchema } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import type { Pool } from "@emporium/platform/db/pool";
import { NotFoundError, ValidationError } from "@emporium/platform/errors/domain-errors";
import type { StockRow, StockStore } from "./store/stock-store.js";

const MAX_BATCH = 100;

const toProto = (row: StockRow): Stock =>
  create(StockSchema, {
    productId: row.product_id,
    available: BigInt(row.available),
    reserved: BigInt(row.reserved),
    sold: BigInt(row.sold),
    onHand: BigInt(row.on_hand),
  });

/** RPC handlers: proto in, store call, proto out. */
export function createInventoryHandlers({ pool, store }: { pool: Pool; store: StockStore }): ServiceImpl<typeof InventoryService> {
  return {
    async getStock({ productId }) {
      if (productId === "") throw new ValidationError([{ field: "product_id", description: "is required" }]);
      const [row] = await store.getMany(pool, [productId]);
      if (!row) throw new NotFoundError(`product ${productId} not found`);
      return { stock: toProto(row) };
    },

    async batchGetStock({ productIds }) {
      if (productIds.length > MAX_BATCH) {
        throw new ValidationError([{ field: "product_ids", description: `must contain at most ${MAX_BATCH} ids` }]);
      }
      const rows = new Map((await store.getMany(pool, productIds)).map((row) => [row.product_id, row]));
      return {
        stocks: productIds.flatMap((id) => {
          const row = rows.get(id);
          return row ? [toProto(row)] : [];
        }),
        missingProductIds: productIds.filter((id) => !rows.has(id)),
      };
    },
  };
}
