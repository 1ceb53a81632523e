/**
 * The API reference page at /docs: Scalar's standalone bundle, served by
 * the gateway itself, reading /openapi.json. Nothing is loaded from anywhere
 * else (its default web fonts and AI agent are switched off, and the CSP
 * below would refuse them), so the page works offline.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Emporium API reference</title>
  </head>
  <body>
    <div id="reference"></div>
    <script src="/docs/scalar.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

/** Kept out of the page so the CSP needs no inline script. */
export const DOCS_SCRIPT = `Scalar.createApiReference("#reference", {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
  persistAuth: false,
});
`;

/**
 * The page's own policy, in place of the API's `default-src 'none'`: scripts
 * from the gateway only, the inline styles the reference component injects,
 * and requests ("Test request") to the gateway only.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
