import { createSignedInClient } from "@emporium/client";
import { mountAccount } from "./account.js";
import { byId } from "./dom.js";
import { mountOrderPanel } from "./order-panel.js";
import { mountCatalog } from "./products.js";

// The gateway that serves this page also serves the API, so calls are same-origin (no CORS).
const client = createSignedInClient({ baseUrl: location.origin });

mountAccount(byId("account"), client.session);
const panel = mountOrderPanel(byId("order"), client.orders, () => catalog.reload());
const catalog = mountCatalog(byId("catalog"), client.catalog, (product) => panel.start(product));
client.session.onChange((user) => {
  catalog.setCanOrder(user !== undefined);
  if (!user) panel.clear();
});
