import type { Admin, Kafka } from "kafkajs";

/**
 * One admin connection a process keeps for its periodic reads (offsets for
 * lag, the broker's health), opened on first use and opened again after a
 * failure, instead of a connection per read.
 */
export function createAdminSession(kafka: Kafka) {
  let admin: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    admin ??= (async () => {
      const fresh = kafka.admin();
      await fresh.connect();
      return fresh;
    })();
    return admin;
  };
  return {
    async run<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
      const current = connected();
      try {
        return await work(await current);
      } catch (error) {
        if (admin === current) admin = undefined;
        void current.then((broken) => broken.disconnect()).catch(() => undefined);
        throw error;
      }
    },
    async close(): Promise<void> {
      const current = admin;
      admin = undefined;
      await current?.then((open) => open.disconnect()).catch(() => undefined);
    },
  };
}

export type AdminSession = ReturnType<typeof createAdminSession>;
