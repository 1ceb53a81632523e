/**
 * Headers every gateway response carries (OWASP REST Security / Secure
 * Headers advice for JSON APIs): no MIME sniffing, no framing, no referrer,
 * no content loading if a response is ever rendered, HTTPS only once a TLS
 * front has been seen. Express's X-Powered-By banner is disabled (app.ts).
 */
export const SECURITY_HEADERS: readonly string[] = [
  "X-Content-Type-Options",
  "nosniff",
  "X-Frame-Options",
  "DENY",
  "Content-Security-Policy",
  "default-src 'none'; frame-ancestors 'none'",
  "Referrer-Policy",
  "no-referrer",
  "Strict-Transport-Security",
  "max-age=31536000; includeSubDomains",
];
