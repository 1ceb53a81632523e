import { Code, ConnectError } from "@connectrpc/connect";
import { type EmporiumClient, followOrder, newIdempotencyKey, withIdempotencyKey } from "@emporium/client";
import type { Product } from "@emporium/gen/emporium/catalog/v1/catalog_pb";
import type { Order } from "@emporium/gen/emporium/orders/v1/orders_pb";
import { h, show } from "./dom.js";
import { describeError, formatMoney } from "./format.js";
import { CANCELLABLE, STATUS_LABELS, STATUS_NAMES, TERMINAL } from "./order-status.js";

/**
 * The order panel: the chosen product with a quantity and a Place order
 * button, then the placed order with its status live from the stream, the
 * history of its changes, and a Cancel button while a cancel can succeed.
 */
export function mountOrderPanel(root: HTMLElement, orders: EmporiumClient["orders"], onSettled: () => void) {
  /** Stops following the order shown, when another replaces it or the shopper signs out. */
  let stopFollowing = new AbortController();
  const clear = () => {
    stopFollowing.abort();
    show(root, h("p", { class: "hint" }, "Sign in and pick a product to order it."));
  };

  const start = (product: Product) => {
    stopFollowing.abort();
    const quantity = h("input", { type: "number", id: "order-quantity", min: "1", max: "1000", value: "1", required: true });
    const place = h("button", { type: "submit" }, "Place order");
    const message = h("p", { class: "error", role: "alert" });
    // One key per intent: "Try again" after a lost answer resends the same key, so
    // the gateway replays the first order instead of placing a second. Another
    // quantity is another intent (the same key with another body is a 422).
    let key = newIdempotencyKey();
    let keyUsedFor: number | undefined;
    const form = h("form", { class: "order-form" }, h("label", { for: "order-quantity" }, "Quantity"), quantity, place, message);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const units = quantity.valueAsNumber;
      if (keyUsedFor !== undefined && keyUsedFor !== units) key = newIdempotencyKey();
      keyUsedFor = units;
      place.disabled = true;
      message.textContent = "";
      orders.createOrder({ items: [{ productId: product.id, quantity: units }] }, withIdempotencyKey(key)).then(
        ({ order }) => order && track(order),
        (error: unknown) => {
          message.textContent = describeError(error);
          place.textContent = "Try again";
          place.disabled = false;
        },
      );
    });
    show(root, h("h2", {}, "Order"), h("p", { class: "chosen" }, product.name, " · ", formatMoney(product.price)), form);
  };

  const track = (placed: Order) => {
    stopFollowing = new AbortController();
    const { signal } = stopFollowing;
    const status = h("output", { id: "order-status", "aria-live": "polite" });
    const reason = h("p", { class: "reason" });
    const lines = h("ul", { class: "lines" });
    const total = h("p", { class: "total" });
    const history = h("ol", { class: "history", "aria-label": "Status history" });
    const cancel = h("button", { type: "button", class: "cancel" }, "Cancel order");
    const message = h("p", { class: "error", role: "alert" });
    const cancelKey = newIdempotencyKey();

    const render = (order: Order) => {
      status.textContent = STATUS_LABELS[order.status];
      status.dataset.status = STATUS_NAMES[order.status];
      reason.textContent = order.statusReason;
      show(lines, ...order.lines.map((line) => h("li", {}, `${line.quantity} × ${line.productName || line.productId}`)));
      total.textContent = `Total ${formatMoney(order.total)}`;
      cancel.hidden = !CANCELLABLE.has(order.status);
      if (TERMINAL.has(order.status)) message.textContent = "";
    };
    cancel.addEventListener("click", () => {
      cancel.disabled = true;
      orders.cancelOrder({ orderId: placed.id }, withIdempotencyKey(cancelKey)).then(
        ({ order }) => order && render(order),
        (error: unknown) => {
          const refused = ConnectError.from(error).code === Code.FailedPrecondition;
          message.textContent = refused ? "This order can no longer be cancelled." : describeError(error);
          cancel.hidden = refused;
          cancel.disabled = false;
        },
      );
    });
    render(placed);
    show(
      root,
      h("h2", {}, "Your order"),
      h("p", { class: "order-id" }, "Order ", h("code", {}, placed.id)),
      h("p", { class: "status-line" }, "Status: ", status),
      reason,
      lines,
      total,
      cancel,
      message,
      h("h3", {}, "Updates"),
      history,
    );
    void (async () => {
      // WatchOrder from the first change on; followOrder resumes a broken stream after the last sequence shown.
      try {
        for await (const change of followOrder(orders, placed.id, { signal })) {
          if (!change.order) continue;
          render(change.order);
          const name = STATUS_NAMES[change.order.status];
          history.append(h("li", { "data-status": name, "data-sequence": String(change.sequence) }, STATUS_LABELS[change.order.status]));
          if (TERMINAL.has(change.order.status)) onSettled();
        }
      } catch (error) {
        if (!signal.aborted) message.textContent = `Live updates stopped: ${describeError(error)}`;
      }
    })();
  };

  clear();
  return { start, clear };
}
