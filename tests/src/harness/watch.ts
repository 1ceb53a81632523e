import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { OrderStatus } from "@emporium/gen/emporium/orders/v1/orders_pb";
import { OrderService, type WatchOrderResponse } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { callerHeaders } from "@emporium/platform/rpc/caller";
import type { SignedIn } from "./auth.js";

/** An orders instance's own OrderService over gRPC, as the gateway calls it. */
export const ordersAt = (url: string): Client<typeof OrderService> => createClient(OrderService, createGrpcTransport({ baseUrl: url }));

/** The trusted caller headers the gateway would send for this customer. */
export const asCustomer = (who: SignedIn) => callerHeaders({ userId: who.userId, role: "customer" });

/** One WatchOrder stream, read a message at a time. */
export function watch(orders: Client<typeof OrderService>, who: SignedIn, orderId: string, afterSequence = 0) {
  const abort = new AbortController();
  const messages = orders
    .watchOrder({ orderId, afterSequence }, { headers: asCustomer(who), signal: abort.signal })
    [Symbol.asyncIterator]();
  return {
    /** The next message, or undefined when the server ended the stream. */
    next: async () => {
      const next = await messages.next();
      return next.done ? undefined : next.value;
    },
    /** Every message until the server ends the stream. */
    async rest(): Promise<WatchOrderResponse[]> {
      const all: WatchOrderResponse[] = [];
      for (let next = await messages.next(); !next.done; next = await messages.next()) all.push(next.value);
      return all;
    },
    close: () => abort.abort(),
  };
}

/** [sequence, status name] of each message, to compare in one assertion. */
export const steps = (messages: WatchOrderResponse[]) =>
  messages.map((message) => [message.sequence, OrderStatus[message.order?.status ?? OrderStatus.UNSPECIFIED]] as const);
