import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { CatalogService, GetProductResponseSchema } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { IdentityService, Role, type TokensSchema } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import { bearerTokenInterceptor } from "../src/bearer-token.js";
import { clientsOver } from "../src/client.js";
import { createSession } from "../src/session.js";

/**
 * A stand-in identity service with identity's rotation rule: each refresh
 * token works once, and the answer carries the next one.
 */
function fakeIdentity() {
  let issued = 0;
  const live = new Set<string>();
  const refreshes: string[] = [];
  const tokens = (): MessageInitShape<typeof TokensSchema> => {
    issued += 1;
    live.add(`r${issued}`);
    return { accessToken: `a${issued}`, tokenType: "Bearer", expiresIn: 900, refreshToken: `r${issued}`, refreshExpiresIn: 86_400 };
  };
  const transport = createRouterTransport((router) =>
    router.service(IdentityService, {
      signUp: (request) => ({ user: { id: "u1", email: request.email, role: Role.CUSTOMER }, tokens: tokens() }),
      login: (request) => ({ user: { id: "u1", email: request.email, role: Role.CUSTOMER }, tokens: tokens() }),
      refresh: (request) => {
        refreshes.push(request.refreshToken);
        if (!live.delete(request.refreshToken)) throw new ConnectError("refresh token is not valid", Code.Unauthenticated);
        return { tokens: tokens() };
      },
      logout: (request) => {
        live.delete(request.refreshToken);
        return {};
      },
      getJwks: () => ({ keys: [] }),
    }),
  );
  return { identity: clientsOver(transport).identity, refreshes, live };
}

test("a fresh access token is served from memory, with no Refresh call", async () => {
  const fake = fakeIdentity();
  const session = createSession({ identity: fake.identity, now: () => 0 });
  await session.signUp("a@example.com", "pw");
  assert.equal(await session.accessToken(), "a1");
  assert.deepEqual(fake.refreshes, []);
});

test("near expiry the token is refreshed once for concurrent callers, and the rotated refresh token is the one used next", async () => {
  const fake = fakeIdentity();
  let clock = 0;
  const session = createSession({ identity: fake.identity, now: () => clock });
  await session.signUp("a@example.com", "pw");
  clock = 890_000; // 10 s before the 900 s token expires
  const tokens = await Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
  assert.deepEqual(tokens, ["a2", "a2", "a2"]);
  clock = 1_790_000;
  assert.equal(await session.accessToken(), "a3");
  assert.deepEqual(fake.refreshes, ["r1", "r2"], "one refresh per expiry, each with the latest refresh token");
});

test("a refused refresh ends the session and tells the listeners", async () => {
  const fake = fakeIdentity();
  let clock = 0;
  const session = createSession({ identity: fake.identity, now: () => clock });
  const seen: (string | undefined)[] = [];
  session.onChange((user) => seen.push(user?.email));
  await session.logIn("a@example.com", "pw");
  fake.live.clear(); // revoked at identity, e.g. after reuse elsewhere
  clock = 899_000;
  assert.equal(await session.accessToken(), undefined);
  assert.equal(session.user, undefined);
  assert.deepEqual(seen, ["a@example.com", undefined]);
});

test("logging out revokes the refresh token at identity and forgets the tokens", async () => {
  const fake = fakeIdentity();
  const session = createSession({ identity: fake.identity, now: () => 0 });
  await session.signUp("a@example.com", "pw");
  await session.logOut();
  assert.equal(await session.accessToken(), undefined);
  assert.equal(fake.live.size, 0);
});

test("the bearer interceptor sends the token, and retries a refused unary call once with a renewed one", async () => {
  const seen: string[] = [];
  const transport = createRouterTransport(
    (router) =>
      router.service(CatalogService, {
        getProduct: (_request, context) => {
          const authorization = context.requestHeader.get("Authorization") ?? "";
          seen.push(authorization);
          if (authorization !== "Bearer fresh") throw new ConnectError("expired", Code.Unauthenticated);
          return create(GetProductResponseSchema, { product: { id: "p-1" } });
        },
      }),
    {
      transport: {
        interceptors: [bearerTokenInterceptor({ accessToken: () => "stale", renewAccessToken: async () => "fresh" })],
      },
    },
  );
  const { product } = await clientsOver(transport).catalog.getProduct({ productId: "p-1" });
  assert.equal(product?.id, "p-1");
  assert.deepEqual(seen, ["Bearer stale", "Bearer fresh"]);
});
