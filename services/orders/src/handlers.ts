import { randomUUID } from "node:crypto";
import type { ServiceImpl } from "@connectrpc/connect";
import type { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { type Pool, withTransaction } from "@emporium/platform/db/pool";
import { NotFoundError, ValidationError } from "@emporium/platform/errors/domain-errors";
import { trace } from "@opentelemetry/api";
import { newOrder, rejectUnknownProducts, validateLines } from "./domain/order.js";
import { publishOrderPlaced } from "./events/publish.js";
import type { OrderTopics } from "./events/topics.js";
import { toProtoOrder } from "./proto-mapping.js";
import type { OrderStore } from "./store/order-store.js";

/** Finds which of the given product ids do not exist. */
export interface ProductDirectory {
  findMissing(productIds: string[]): Promise<Set<string>>;
}

interface Deps {
  pool: Pool;
  store: OrderStore;
  products: ProductDirectory;
  topics: OrderTopics;
}

const CUSTOMER_HEADER = "x-emporium-customer-id";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RPC handlers: proto in, domain call, proto out. */
export function createOrderHandlers({ pool, store, products, topics }: Deps): ServiceImpl<typeof OrderService> {
  return {
    async createOrder(request, ctx) {
      const lines = request.items.map((item) => ({ productId: item.productId, quantity: item.quantity }));
      validateLines(lines);
      rejectUnknownProducts(lines, await products.findMissing(lines.map((line) => line.productId)));
      const customerId = ctx.requestHeader.get(CUSTOMER_HEADER) ?? "anonymous";
      const order = newOrder(randomUUID(), customerId, lines, new Date());
      trace.getActiveSpan()?.setAttribute("emporium.orders.order_id", order.id);
      await withTransaction(pool, async (tx) => {
        await store.insert(tx, order);
        await publishOrderPlaced(tx, topics.orders, order);
      });
      return { order: toProtoOrder(order) };
    },

    async getOrder({ orderId }) {
      if (!UUID.test(orderId)) throw new ValidationError([{ field: "order_id", description: "must be a UUID" }]);
      const order = await store.get(pool, orderId);
      if (!order) throw new NotFoundError(`order ${orderId} not found`);
      return { order: toProtoOrder(order) };
    },
  };
}
