import { defineConfig } from "vite";

// The gateway serves dist/ at / (gateway/src/storefront/static-files.ts):
// hashed files under assets/ are cached for a year, index.html is revalidated.
export default defineConfig({
  base: "/",
  // No public/ folder: every file the page needs goes through the bundle.
  publicDir: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // Never inline assets as data: URLs; the page's CSP allows files from 'self' only.
    assetsInlineLimit: 0,
    // Readable stack traces in the browser's devtools, without shipping the sources inline.
    sourcemap: true,
    // The browsers the page is tested in (Chromium) and that support the Connect transport's fetch streaming.
    target: "es2022",
  },
});
