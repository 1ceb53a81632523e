import type { Pool } from "./pool.js";
import { runTogether, type Statement } from "./statement.js";

interface Pending {
  statements: Statement[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes outside a transaction, each atomic on its own, that go together
 * when they come while one is on its way (group commit): the first is sent
 * at once; those that arrive before it is done are sent next, as one
 * statement (`together`, db/statement.ts). Concurrent writers, such as the
 * payment worker's charges of one round, then cost a round trip or two
 * instead of one each, and a lone write waits for nothing.
 *
 * The writes that go together must change different rows (`together`: one
 * snapshot). When such a statement fails, each write of it is tried alone,
 * so that one bad write fails only its own caller.
 */
export function coalescedWrites(pool: Pool) {
  let queue: Pending[] = [];
  let sending = false;

  async function sendAll(): Promise<void> {
    sending = true;
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        await send(batch);
      }
    } finally {
      sending = false;
    }
  }

  async function send(batch: Pending[]): Promise<void> {
    try {
      await runTogether(
        pool,
        batch.flatMap((pending) => pending.statements),
      );
      for (const pending of batch) pending.resolve();
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      await Promise.all(batch.map((pending) => runTogether(pool, pending.statements).then(pending.resolve, pending.reject)));
    }
  }

  return {
    /** Runs the statements as one atomic write, with whatever else is written meanwhile. */
    write(statements: Statement[]): Promise<void> {
      if (statements.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ statements, resolve, reject });
        if (!sending) void sendAll();
      });
    },
  };
}

export type CoalescedWrites = ReturnType<typeof coalescedWrites>;
