import { listenFor } from "../db/listener.js";
import type { Pool } from "../db/pool.js";
import type { Logger } from "../log/logger.js";
import { OUTBOX_CHANNEL } from "./outbox.js";

/** The NOTIFY payload of a leader stepping down (a new row's NOTIFY has none). */
export const LEADER_RESIGNED = "leader-resigned";

/** Holds one connection LISTENing on the outbox channel (see `listenFor`). */
export function listenForOutbox(pool: Pool, logger: Logger, onNotify: (payload: string | undefined) => void) {
  return listenFor(pool, OUTBOX_CHANNEL, logger, onNotify);
}

/** Tells the standby relays that the lead is free, so one takes it now rather than at its next poll. */
export async function notifyLeaderResigned(pool: Pool): Promise<void> {
  await pool.query("SELECT pg_notify($1, $2)", [OUTBOX_CHANNEL, LEADER_RESIGNED]);
}
