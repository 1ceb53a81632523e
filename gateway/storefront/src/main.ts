import { createSignedInClient } from "@emporium/client";
import { mountAccount } from "./account.js";
import { byId } from "./dom.js";
import { type FollowOrder, mountOrderPanel } from "./order-panel.js";
import { mountCatalog } from "./products.js";

// The gateway that serves this page also serves the API, so calls are same-origin (no CORS).
const client = createSignedInClient({ baseUrl: location.origin });

// Until OrderService.WatchOrder is on main (issue 11, the watch part), no live updates.
const followNothing: FollowOrder = async () => {};

mountAccount(byId("account"), client.session);
const panel = mountOrderPanel(byId("order"), client.orders, followNothing);
const catalog = mountCatalog(byId("catalog"), client.catalog, (product) => panel.start(product));
client.session.onChange((user) => {
  catalog.setCanOrder(user !== undefined);
  if (!user) panel.clear();
});
