import { randomBytes } from "node:crypto";
import type { Page, Request } from "playwright-core";
import { TEST_PASSWORD } from "./auth.js";

/** Generous: the saga runs through Kafka and three services on a loaded 2-core machine. */
export const SAGA_TIMEOUT_MS = 90_000;

/**
 * The storefront as a shopper uses it, by the labels and roles it shows,
 * plus the Connect calls the page made (method name and request headers),
 * so a test can tell a live stream from polling.
 */
export async function openStorefront(page: Page, gatewayUrl: string) {
  const calls: { rpc: string; headers: Record<string, string> }[] = [];
  page.on("request", (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/emporium.")) calls.push({ rpc: path.slice(1), headers: request.headers() });
  });
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });
  await page.goto(gatewayUrl);
  await page.locator(".product").first().waitFor();
  return {
    calls,
    /** Main-frame navigations since the page was opened (1: the first load; more would be a reload). */
    navigations: () => navigations,
    async signUp(email = `shopper-${randomBytes(5).toString("hex")}@example.com`) {
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(TEST_PASSWORD);
      await page.getByRole("button", { name: "Sign up" }).click();
      await page.locator('[data-test="user-email"]', { hasText: email }).waitFor();
      return email;
    },
    async search(text: string) {
      await page.getByRole("searchbox").fill(text);
      await page.getByRole("searchbox").press("Enter");
    },
    /** Searches for a product by its name (read over REST) until the page lists it. */
    async find(productId: string) {
      const response = await fetch(`${gatewayUrl}/v1/products/${productId}`);
      const { name } = (await response.json()) as { name: string };
      await this.search(name);
      await page.locator(`.product[data-product-id="${productId}"]`).waitFor();
    },
    product: (productId: string) => page.locator(`.product[data-product-id="${productId}"]`),
    /** Orders a listed product (quantity 1 unless given) and answers the order id the page shows. */
    async order(productId: string, quantity = 1) {
      await page.locator(`.product[data-product-id="${productId}"]`).getByRole("button", { name: "Order" }).click();
      await page.getByLabel("Quantity").fill(String(quantity));
      await page.getByRole("button", { name: "Place order" }).click();
      return (await page.locator(".order-id code").textContent()) ?? "";
    },
    /** Waits until the order panel shows this status (the enum name, e.g. CONFIRMED). */
    statusShown: (status: string) => page.locator(`#order-status[data-status="${status}"]`).waitFor({ timeout: SAGA_TIMEOUT_MS }),
    /** The changes the stream delivered, as the page lists them: [status, sequence]. */
    history: () =>
      page
        .locator(".history li")
        .evaluateAll((items) => items.map((item) => [item.getAttribute("data-status"), Number(item.getAttribute("data-sequence"))])),
  };
}
