import { type SignedIn, signUp } from "@emporium/tests/harness/auth";

/** Signs up `count` customers, a few at a time (each sign-up hashes a password). */
export async function signUpCustomers(gatewayUrl: string, count: number, parallel = 4): Promise<SignedIn[]> {
  const customers: SignedIn[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      customers.push(await signUp(gatewayUrl));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return customers;
}
