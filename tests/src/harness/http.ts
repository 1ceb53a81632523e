import { request as httpRequest, type IncomingHttpHeaders } from "node:http";

/** A JSON request to the gateway, answering status, headers and parsed body. */
export async function request(url: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    headers: { ...(json !== undefined ? { "content-type": "application/json" } : {}), ...rest.headers },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return {
    status: response.status,
    headers: response.headers,
    body: body as Record<string, unknown> & { errors?: { field: string; description: string }[] },
  };
}

/**
 * A JSON request sent from a chosen loopback address (127.0.0.2, …), so a test
 * can be several clients with different IPs on one machine.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
) {
  const body = init.json === undefined ? undefined : Buffer.from(JSON.stringify(init.json));
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: init.method ?? "GET",
        localAddress,
        headers: { ...(body ? { "content-type": "application/json", "content-length": String(body.length) } : {}), ...init.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : {} });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
