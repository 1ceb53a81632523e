import { createServer } from "node:net";

// Below Linux's ephemeral range (32768-60999): a port the OS hands out to
// outgoing connections (Kafka, Postgres clients) could be taken between our
// check and the service's bind, and the service would fail to start.
const LOW = 20_000;
const HIGH = 32_000;

/** Whether nothing listens on the loopback port right now. */
export const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

/** A port outside the ephemeral range that nothing listens on right now. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await canBind(port)) return port;
  }
}

/**
 * A free port whose copies' ports (port + 100·k, as npm start with replicas
 * uses them) are free too, and so are those `offsets` above each (a
 * service's /metrics at its port + 1000).
 */
export async function freePortWithCopies(copies: number, offsets: number[] = []): Promise<number> {
  for (;;) {
    const port = await freePort();
    let free = true;
    for (const offset of [0, ...offsets])
      for (let k = offset === 0 ? 1 : 0; k <= copies && free; k++) free = await canBind(port + offset + 100 * k);
    if (free) return port;
  }
}
