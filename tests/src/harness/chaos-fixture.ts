import { after, before } from "node:test";
import { type SignedIn, signUp } from "./auth.js";
import { onHand } from "./chaos.js";
import { LOAD_PRODUCTS, type OrderClient, orderClient } from "./load.js";
import { type Stack, startStack } from "./stack.js";

/** What every order-load scenario starts from (its fields are set once the file's `before` hooks ran). */
export interface ChaosFixture {
  stack: Stack;
  /** Signed-in customers the load orders as. */
  customers: SignedIn[];
  client: OrderClient;
  /** On-hand stock of the load's products before any order: what stock conservation is checked against. */
  onHandBefore: Map<string, number>;
  /**
   * Settles once the fields are set. A file's own `before` hook that needs
   * them awaits it first: node:test starts a file's top-level `before`
   * hooks without waiting for the ones before them.
   */
  ready: Promise<void>;
}

/**
 * The setup the chaos scenarios share, as hooks of the calling test file: a
 * stack of its own (with `env`, which may need setup of its own first, such
 * as a private Redis), `customers` signed up, an order client and the stock
 * on hand before the load; the client closed and the stack stopped after the
 * file's tests. A file's own `after` hooks added later run after these
 * (node:test runs those in turn); its own `before` hooks must await
 * `ready`. `when: false` sets up nothing (a scenario its test skips).
 */
export function chaosFixture(options: {
  customers: number;
  env?: () => Record<string, string> | Promise<Record<string, string>>;
  when?: () => boolean;
}): ChaosFixture {
  const ready = Promise.withResolvers<void>();
  // Its failure is the hook's own; a file that never awaits `ready` must not see it twice.
  ready.promise.catch(() => undefined);
  const fixture = { ready: ready.promise } as ChaosFixture;
  before(async () => {
    try {
      if (!options.when || options.when()) {
        fixture.stack = await startStack({ env: (await options.env?.()) ?? {} });
        fixture.customers = await Promise.all(Array.from({ length: options.customers }, () => signUp(fixture.stack.gatewayUrl)));
        fixture.client = orderClient(fixture.stack.gatewayUrl);
        fixture.onHandBefore = await onHand(fixture.stack, LOAD_PRODUCTS);
      }
      ready.resolve();
    } catch (error) {
      ready.reject(error);
      throw error;
    }
  });
  after(async () => {
    fixture.client?.close();
    await fixture.stack?.stop();
  });
  return fixture;
}
