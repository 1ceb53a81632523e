import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  CancelOrderRequestSchema,
  CancelOrderResponseSchema,
  CreateOrderRequestSchema,
  CreateOrderResponseSchema,
  type OrderService,
} from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { type Pool, withTransaction } from "@emporium/platform/db/pool";
import { runTogether } from "@emporium/platform/db/statement";
import { InvalidStateError, NotFoundError, ValidationError } from "@emporium/platform/errors/domain-errors";
import type { PageTokens } from "@emporium/platform/paging/page-token";
import { requireCaller } from "@emporium/platform/rpc/caller";
import { trace } from "@opentelemetry/api";
import { isOrderId, newOrder, type Price, priceLines, validateLines } from "./domain/order.js";
import { nextStatus } from "./domain/order-status.js";
import { advanceOrder } from "./events/advance.js";
import { orderPlacedEvent } from "./events/publish.js";
import type { OrderTopics } from "./events/topics.js";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, type Idempotency } from "./idempotency.js";
import { namesFor, type ProductNameLoader } from "./product-names.js";
import { fromProtoStatus, toProtoOrder } from "./proto-mapping.js";
import type { SagaMetrics } from "./saga-metrics.js";
import type { OrderStore } from "./store/order-store.js";
import type { OrderWatches } from "./watch/order-watches.js";

/** Current catalog prices of the given products; unknown ids are absent from the map. */
/** A product's price and its name as the catalog gives them (the name goes into the order's answer). */
export interface PricedProduct extends Price {
  name: string;
}

export interface ProductPrices {
  pricesOf(productIds: string[]): Promise<Map<string, PricedProduct>>;
}

/** The payments service's say on cancelling: throws InvalidStateError when a charge is under way or done. */
export interface PaymentGate {
  cancel(orderId: string, reason: string): Promise<void>;
}

interface Deps {
  pool: Pool;
  idempotency: Idempotency;
  store: OrderStore;
  products: ProductPrices;
  payments: PaymentGate;
  topics: OrderTopics;
  /** A fresh product-name batcher per request. */
  productNames: () => ProductNameLoader;
  pageTokens: PageTokens;
  /** The saga's metrics (a cancel is a saga step). */
  saga?: SagaMetrics | undefined;
  /** WatchOrder's streams (watch/order-watches.ts); without them it is Unimplemented. */
  watches?: OrderWatches | undefined;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const CANCELLED_BY_CUSTOMER = "cancelled by the customer";

/** RPC handlers: proto in, domain call, proto out. */
export function createOrderHandlers({
  pool,
  idempotency,
  store,
  products,
  payments,
  topics,
  productNames,
  pageTokens,
  saga,
  watches,
}: Deps): ServiceImpl<typeof OrderService> {
  return {
    async createOrder(request, ctx) {
      const lines = request.items.map((item) => ({ productId: item.productId, quantity: item.quantity }));
      validateLines(lines);
      const customerId = requireCaller(ctx.requestHeader).userId;
      const key = ctx.requestHeader.get(IDEMPOTENCY_KEY_HEADER);
      const once = key
        ? { callerId: customerId, key, operation: "CreateOrder", request: toBinary(CreateOrderRequestSchema, request) }
        : undefined;
      const replayed = (replay: Uint8Array) => {
        ctx.responseHeader.set(IDEMPOTENT_REPLAYED_HEADER, "true");
        return fromBinary(CreateOrderResponseSchema, replay);
      };
      // Priced first (from memory, as a rule): then the order is known
      // before it touches the database, and it is written in one statement.
      let found: Map<string, PricedProduct>;
      try {
        found = await products.pricesOf(lines.map((line) => line.productId));
      } catch (error) {
        // A replay needs no prices.
        const replay = once && (await idempotency.replayOf(pool, once));
        if (replay) return replayed(replay);
        throw error;
      }
      const order = newOrder(randomUUID(), customerId, priceLines(lines, found), new Date());
      trace.getActiveSpan()?.setAttribute("emporium.orders.order_id", order.id);
      const names = new Map([...found].map(([id, product]) => [id, product.name]));
      const response = create(CreateOrderResponseSchema, { order: toProtoOrder(order, names) });
      // The order, its lines, its OrderPlaced event and the key's record:
      // one statement, all or nothing, without BEGIN and COMMIT.
      const writes = [...store.insertStatements(order), orderPlacedEvent(topics.orders, order)];
      if (!once) {
        await runTogether(pool, writes);
        return response;
      }
      const { replay } = await idempotency.inOneStatement(pool, once, toBinary(CreateOrderResponseSchema, response), writes);
      return replay ? replayed(replay) : response;
    },

    async cancelOrder(request, ctx) {
      const caller = requireCaller(ctx.requestHeader);
      const { orderId } = request;
      const key = ctx.requestHeader.get(IDEMPOTENCY_KEY_HEADER);
      return withTransaction(pool, async (tx) => {
        const once = key
          ? await idempotency.begin(tx, caller.userId, key, "CancelOrder", toBinary(CancelOrderRequestSchema, request))
          : undefined;
        if (once?.replay) {
          ctx.responseHeader.set(IDEMPOTENT_REPLAYED_HEADER, "true");
          return fromBinary(CancelOrderResponseSchema, once.replay);
        }
        const status = await store.lockStatus(tx, orderId);
        const order = status && (await store.get(tx, orderId));
        if (!order || (caller.role !== "admin" && order.customerId !== caller.userId))
          throw new NotFoundError(`order ${orderId} not found`);
        if (!nextStatus(order.status, "CANCEL_REQUESTED")) {
          throw new InvalidStateError(`an order in status ${order.status} can no longer be cancelled`);
        }
        if (order.status === "AWAITING_PAYMENT") await payments.cancel(orderId, CANCELLED_BY_CUSTOMER);
        const outcome = await advanceOrder(tx, { store, topic: topics.orders, saga }, orderId, "CANCEL_REQUESTED", CANCELLED_BY_CUSTOMER);
        const cancelled = outcome.applied ? outcome.order : order;
        const response = create(CancelOrderResponseSchema, { order: toProtoOrder(cancelled) });
        await once?.complete(toBinary(CancelOrderResponseSchema, response));
        return response;
      });
    },

    async getOrder({ orderId }, ctx) {
      const caller = requireCaller(ctx.requestHeader);
      if (!isOrderId(orderId)) throw new ValidationError([{ field: "order_id", description: "must be a UUID" }]);
      const order = await store.get(pool, orderId);
      // Someone else's order is as absent as a missing one (no existence oracle).
      if (!order || (caller.role !== "admin" && order.customerId !== caller.userId)) throw new NotFoundError(`order ${orderId} not found`);
      return { order: toProtoOrder(order, await namesFor([order], productNames())) };
    },

    async *watchOrder({ orderId, afterSequence }, ctx) {
      const caller = requireCaller(ctx.requestHeader);
      if (!isOrderId(orderId)) throw new ValidationError([{ field: "order_id", description: "must be a UUID" }]);
      if (!watches) throw new ConnectError("WatchOrder is not served here", Code.Unimplemented);
      yield* watches.watch(orderId, afterSequence, caller, ctx.signal);
    },

    async listOrders({ status, pageSize, pageToken }, ctx) {
      if (pageSize !== undefined && (pageSize < 1 || pageSize > MAX_PAGE_SIZE)) {
        throw new ValidationError([{ field: "page_size", description: `must be between 1 and ${MAX_PAGE_SIZE}` }]);
      }
      const customerId = requireCaller(ctx.requestHeader).userId;
      const wanted = fromProtoStatus(status);
      const shape = [customerId, wanted];
      const cursor = pageToken ? pageTokens.decode(shape, pageToken) : undefined;
      const page = await store.listForCustomer(pool, customerId, wanted, pageSize ?? DEFAULT_PAGE_SIZE, cursor);
      const names = await namesFor(page.orders, productNames());
      return {
        orders: page.orders.map((order) => toProtoOrder(order, names)),
        nextPageToken: page.next ? pageTokens.encode(shape, page.next) : "",
      };
    },
  };
}
