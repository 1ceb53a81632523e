import { defineConfig } from "vite";

// The gateway serves dist/ at / (gateway/src/storefront/static-files.ts):
// hashed files under assets/ are cached for a year, index.html is revalidated.
export default defineConfig({
  base: "/",
  // No public/ folder: every file the page needs goes through the bundle.
  publicDir: false,
  // `npm run dev -w @emporium/storefront`: the page with hot reload, its API calls passed to the gateway of `npm start`.
  server: { proxy: { "^/emporium\\.": "http://localhost:8080" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // Never inline assets as data: URLs; the page's CSP allows files from 'self' only.
    assetsInlineLimit: 0,
    // Readable stack traces in the browser's devtools, without shipping the sources inline.
    sourcemap: true,
    // Browsers with BigInt and async iteration, which protobuf-es and the Connect transport need.
    target: "es2022",
  },
});
