import { Code, ConnectError } from "@connectrpc/connect";
import { UnavailableError } from "./domain-errors.js";

// Postgres SQLSTATE classes and codes that mean "the database is not there
// right now", not "this input is wrong": 08 connection exceptions, 53
// insufficient resources, 57P01-57P03 shutdown / cannot connect now.
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01)/;
const TRANSIENT_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * True for failures that are worth retrying until the dependency is back
 * (a database or service restarting, a serialization conflict), as opposed to
 * failures that would repeat forever for the same input.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  if (error instanceof ConnectError) return error.code === Code.Unavailable || error.code === Code.DeadlineExceeded;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE_CODES.has(code))) return true;
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}
