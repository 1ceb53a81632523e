import { randomBytes } from "node:crypto";
import { ADMIN } from "./stack.js";

export interface SignedIn {
  userId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  /** Headers for an authenticated call. */
  auth: { Authorization: string };
}

interface TokenBody {
  user: { id: string; email: string };
  tokens: { access_token: string; refresh_token: string };
}

const signedIn = (body: TokenBody): SignedIn => ({
  userId: body.user.id,
  email: body.user.email,
  accessToken: body.tokens.access_token,
  refreshToken: body.tokens.refresh_token,
  auth: { Authorization: `Bearer ${body.tokens.access_token}` },
});

export const TEST_PASSWORD = "a-long-test-passphrase-7319";

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** A new customer account through the gateway (a fresh email each call). */
export async function signUp(gatewayUrl: string, email = `c-${randomBytes(6).toString("hex")}@example.com`): Promise<SignedIn> {
  const response = await post(`${gatewayUrl}/v1/auth/signup`, { email, password: TEST_PASSWORD });
  if (response.status !== 200) throw new Error(`sign-up answered ${response.status}: ${await response.text()}`);
  return signedIn((await response.json()) as TokenBody);
}

export async function login(gatewayUrl: string, email: string, password: string): Promise<SignedIn> {
  const response = await post(`${gatewayUrl}/v1/auth/login`, { email, password });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  return signedIn((await response.json()) as TokenBody);
}

/** The test stack's administrator, signed in. */
export const loginAdmin = (gatewayUrl: string) => login(gatewayUrl, ADMIN.email, ADMIN.password);
