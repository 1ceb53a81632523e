import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's chromium (deploy/local/chromium.sh installs it); Playwright never downloads a browser here. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Flags for a quiet, reproducible headless run: no sandbox (tests run as
 * root in containers), no GPU, no QUIC, and none of the background traffic
 * (updates, sync, first-run pages) that a test machine without internet
 * would only wait on.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Headless Chromium with an empty profile of its own (Playwright takes the
 * profile folder as launchPersistentContext's argument and passes it as
 * --user-data-dir; it refuses the flag in `args`). `close` ends the browser
 * and deletes the profile.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), "emporium-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * What went wrong in a page that a user would not see but a test must:
 * uncaught errors, console errors (a CSP refusal is one), refused requests,
 * and answers of 400 or more.
 */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("requestfailed", (request) => {
    // A stream the page aborts itself (a new order, a sign-out) is not a failure.
    if (request.failure()?.errorText !== "net::ERR_ABORTED")
      problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return problems;
}
