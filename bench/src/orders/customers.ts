import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type SignedIn, signUp } from "@emporium/tests/harness/auth";

/**
 * Signs up `count` customers, a few at a time (each sign-up hashes a
 * password). A sign-up refused with 503 (identity's admission: not started)
 * is sent again after a second, as a client honouring Retry-After would:
 * a busy machine must not end a benchmark before it starts.
 */
export async function signUpCustomers(gatewayUrl: string, count: number, parallel = 4): Promise<SignedIn[]> {
  const customers: SignedIn[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      customers.push(await signUpRetrying(gatewayUrl));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return customers;
}

async function signUpRetrying(gatewayUrl: string, attempts = 30): Promise<SignedIn> {
  const email = `c-${randomBytes(6).toString("hex")}@example.com`;
  for (let attempt = 1; ; attempt++) {
    try {
      return await signUp(gatewayUrl, email);
    } catch (error) {
      if (attempt >= attempts || !/answered 503/.test((error as Error).message)) throw error;
      await sleep(1_000);
    }
  }
}
