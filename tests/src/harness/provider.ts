/** The payment-provider simulator of a test stack: its knobs and what it recorded. */
export function providerControl(providerUrl: string) {
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${providerUrl}${path}`, { ...init, headers: { "content-type": "application/json", ...init.headers } });
    if (!response.ok) throw new Error(`provider ${path} answered ${response.status}: ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  return {
    /** Changes the named knobs (latency_ms, error_rate, timeout_rate, decline_rate, seed…). */
    set: (knobs: Record<string, number | boolean>) => call("/control", { method: "PUT", body: JSON.stringify(knobs) }),
    /** Knobs back to a healthy provider, keeping the charges (reset would forget them). */
    heal: () =>
      call("/control", { method: "PUT", body: JSON.stringify({ latency_ms: 0, error_rate: 0, timeout_rate: 0, decline_rate: 0 }) }),
    /** Charges, all or one order's. */
    charges: async (orderId?: string) =>
      ((await call(`/v1/charges${orderId ? `?order_id=${encodeURIComponent(orderId)}` : ""}`)).charges as {
        order_id: string;
        status: string;
      }[]) ?? [],
    /** Requests received per route, e.g. "POST /v1/charges". */
    requests: async (route: string) => Number(((await call("/control/stats")).requests as Record<string, number>)[route] ?? 0),
  };
}
