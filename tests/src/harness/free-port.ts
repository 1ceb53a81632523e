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

/** What a port brings with it: its copies' ports (port + 100·k) and each one's admin port (+ 1000). */
export interface PortNeeds {
  /** A service serves /metrics at its RPC port + 1000. */
  admin?: boolean;
  /** Copies beside the first (npm start with replicas puts copy k on port + 100·k). */
  copies?: number;
}

/**
 * The ports of one stack. None is handed out twice, and none is another's
 * admin or copy port: picked one by one, a service's admin port could be the
 * port just given to another process, which then failed to start with
 * EADDRINUSE.
 */
export class PortBook {
  private readonly taken = new Set<number>();

  /** A free port; the ports it needs beside it are free and reserved too. */
  async take({ admin = false, copies = 0 }: PortNeeds = {}): Promise<number> {
    for (;;) {
      const port = await freePort();
      const wanted: number[] = [];
      for (let k = 0; k <= copies; k++) wanted.push(port + 100 * k, ...(admin ? [port + 100 * k + 1000] : []));
      if (wanted.some((p) => this.taken.has(p) || p >= EPHEMERAL_LOW)) continue;
      if (!(await allBindable(wanted.slice(1)))) continue;
      for (const p of wanted) this.taken.add(p);
      return port;
    }
  }
}

async function allBindable(ports: number[]): Promise<boolean> {
  for (const port of ports) if (!(await canBind(port))) return false;
  return true;
}
