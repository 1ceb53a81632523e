import { connect } from "node:net";

/** One server (a copy) of a backend as HAProxy sees it: UP, DOWN, MAINT…, and the sessions it has served. */
export interface ServerStatus {
  backend: string;
  server: string;
  status: string;
  sessions: number;
}

/** Asks HAProxy's runtime API (the stats socket of balancer.ts) for every server's status (`show stat`). */
export function balancerStatus(socketPath: string): Promise<ServerStatus[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = "";
    socket.setEncoding("utf8");
    socket.setTimeout(2_000, () => socket.destroy(new Error(`no answer from HAProxy's stats socket ${socketPath}`)));
    socket.on("connect", () => socket.write("show stat\n"));
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    socket.on("error", reject);
    socket.on("end", () => resolve(parseStat(text)));
  });
}

/** `show stat` is CSV with a `# pxname,svname,…` header; FRONTEND and BACKEND rows are the proxies themselves. */
function parseStat(csv: string): ServerStatus[] {
  const [header = "", ...rows] = csv.split("\n").filter((line) => line.trim() !== "");
  const columns = header.replace(/^# /, "").split(",");
  const at = (row: string[], name: string) => row[columns.indexOf(name)] ?? "";
  return rows
    .map((line) => line.split(","))
    .filter((row) => !["FRONTEND", "BACKEND"].includes(at(row, "svname")))
    .map((row) => ({
      backend: at(row, "pxname"),
      server: at(row, "svname"),
      status: at(row, "status"),
      sessions: Number(at(row, "stot")),
    }));
}
