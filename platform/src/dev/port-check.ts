import { createServer } from "node:net";

export interface WantedPort {
  /** The process that will listen on it. */
  name: string;
  port: number;
  /** The variable that sets it, for the message. */
  variable: string;
}

// The widest bind (all addresses, both families), so that a listener on any
// address counts, as it would for the process's own bind.
const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });

/** The ports of the list that something else listens on already. */
export async function takenPorts(ports: WantedPort[]): Promise<WantedPort[]> {
  const taken: WantedPort[] = [];
  for (const wanted of ports) if (!(await canBind(wanted.port))) taken.push(wanted);
  return taken;
}

/** Says which ports are taken and how to choose others. */
export function describeTakenPorts(taken: WantedPort[]): string {
  return [
    "cannot start: these ports are in use by another program:",
    ...taken.map((t) => `  ${t.port}  (${t.name}; set ${t.variable}=<port> to use another)`),
    `See which program holds one with: ss -ltnp 'sport = :${taken[0]?.port}'`,
  ].join("\n");
}

/**
 * Two wanted ports that are the same (copies of a process take port + 100·k,
 * so settings too close together collide), said as the launcher's refusal;
 * undefined when every port is distinct.
 */
export function portClash(ports: WantedPort[]): string | undefined {
  const seen = new Map<number, WantedPort>();
  for (const wanted of ports) {
    const first = seen.get(wanted.port);
    if (first)
      return `cannot start: port ${wanted.port} would serve both ${first.name} (${first.variable}) and ${wanted.name} (${wanted.variable}); copies listen on port + 100·k, so keep the port settings further apart`;
    seen.set(wanted.port, wanted);
  }
  return undefined;
}
