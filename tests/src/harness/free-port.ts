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

const EPHEMERAL_LOW = 32_768;

/**
 * The ports of one stack. None is handed out twice, and none is another's
 * admin port (a service serves /metrics at its RPC port + 1000): picked one
 * by one, a service's admin port could be the port just given to another
 * process, which then failed to start with EADDRINUSE.
 */
export class PortBook {
  private readonly taken = new Set<number>();

  /** A free port; with `withAdmin`, its port + 1000 is free and reserved too. */
  async take(withAdmin = false): Promise<number> {
    for (;;) {
      const port = await freePort();
      const wanted = withAdmin ? [port, port + 1000] : [port];
      if (wanted.some((p) => this.taken.has(p) || p >= EPHEMERAL_LOW)) continue;
      if (withAdmin && !(await canBind(port + 1000))) continue;
      for (const p of wanted) this.taken.add(p);
      return port;
    }
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
