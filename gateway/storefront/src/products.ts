import type { EmporiumClient } from "@emporium/client";
import type { Product } from "@emporium/gen/emporium/catalog/v1/catalog_pb";
import { availabilityOf } from "./availability.js";
import { h, show } from "./dom.js";
import { describeError, formatMoney } from "./format.js";

const PAGE_SIZE = 12;

export interface CatalogView {
  /** Whether ordering is possible now (signed in); the Order buttons follow it. */
  setCanOrder(canOrder: boolean): void;
  /** Loads the current page again (after an order, its availability has changed). */
  reload(): void;
}

/**
 * The product list: a search box, one page of products at a time, and
 * Previous/Next over ListProducts' cursor (the tokens of the pages seen so
 * far are kept, since a cursor only points forward).
 */
export function mountCatalog(root: HTMLElement, catalog: EmporiumClient["catalog"], onOrder: (product: Product) => void): CatalogView {
  let query = "";
  /** page_token of each page shown so far; the last one is the current page's. */
  const tokens: string[] = [""];
  let canOrder = false;

  const search = h("input", { type: "search", name: "q", id: "search", placeholder: "Search products", maxlength: "200" });
  const searchForm = h("form", { role: "search" }, h("label", { for: "search", class: "hidden-label" }, "Search"), search);
  const list = h("ul", { class: "products", "aria-live": "polite" });
  const previous = h("button", { type: "button" }, "Previous");
  const next = h("button", { type: "button" }, "Next");
  const status = h("p", { class: "page-status" });
  show(root, searchForm, list, h("nav", { class: "pager", "aria-label": "Pages" }, previous, status, next));

  let nextToken = "";
  let loads = 0;
  const load = async () => {
    const mine = ++loads; // a slower earlier answer must not overwrite a newer one
    previous.disabled = next.disabled = true;
    try {
      const page = await catalog.listProducts({ q: query, pageSize: PAGE_SIZE, pageToken: tokens.at(-1) ?? "" });
      if (mine !== loads) return;
      nextToken = page.nextPageToken;
      show(list, ...(page.products.length ? page.products.map(productItem) : [h("li", { class: "empty" }, "No products match.")]));
      status.textContent = `Page ${tokens.length}`;
      previous.disabled = tokens.length === 1;
      next.disabled = nextToken === "";
    } catch (error) {
      if (mine !== loads) return;
      show(list, h("li", { class: "error", role: "alert" }, describeError(error)));
      previous.disabled = tokens.length === 1;
    }
  };

  const productItem = (product: Product) => {
    const availability = availabilityOf(product);
    const order = h("button", { type: "button", class: "order-button" }, "Order");
    order.disabled = !canOrder || !availability.orderable;
    if (!availability.orderable) order.dataset.unorderable = "";
    order.addEventListener("click", () => onOrder(product));
    return h(
      "li",
      { class: "product", "data-product-id": product.id },
      h("h2", {}, product.name),
      h("p", { class: "price" }, formatMoney(product.price)),
      h("p", { class: "availability", "data-stock": availability.stock }, availability.text),
      h("p", { class: "description" }, product.description),
      order,
    );
  };

  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    query = search.value.trim();
    tokens.splice(0, tokens.length, "");
    void load();
  });
  next.addEventListener("click", () => {
    tokens.push(nextToken);
    void load();
  });
  previous.addEventListener("click", () => {
    tokens.pop();
    void load();
  });
  void load();

  return {
    reload: () => void load(),
    setCanOrder(value: boolean) {
      canOrder = value;
      for (const button of list.querySelectorAll<HTMLButtonElement>(".order-button")) {
        button.disabled = !value || button.dataset.unorderable !== undefined;
      }
    },
  };
}
