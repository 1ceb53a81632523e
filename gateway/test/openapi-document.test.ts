import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { openApiJson } from "../src/openapi/api-docs.js";
import { openApiDocument } from "../src/openapi/document.js";
import { PUBLIC_SERVICES } from "../src/openapi/public-services.js";
import { type RestRoute, restRoutesOf } from "../src/transcoding/rest-routes.js";

// biome-ignore lint/suspicious/noExplicitAny: the test walks arbitrary paths of a JSON document
type Json = Record<string, any>;
const routes = restRoutesOf(PUBLIC_SERVICES);
const doc = openApiDocument(routes) as Json;
const schemas = doc.components.schemas as Record<string, Json>;
const operation = (path: string, method: string) => doc.paths[path][method] as Json;
const parameter = (path: string, method: string, name: string) =>
  (operation(path, method).parameters as Json[]).find((p) => p.name === name) as Json;

test("the committed docs/openapi.json is what the gateway serves (run 'npm run openapi' after changing a route)", () => {
  const committed = readFileSync(new URL("../../../docs/openapi.json", import.meta.url), "utf8");
  assert.equal(committed, openApiJson(routes));
});

test("every REST route is one operation, under its path template", () => {
  const operations = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  assert.deepEqual(operations.sort(), routes.map((r) => `${r.httpMethod} ${r.path.template}`).sort());
  assert.equal(doc.openapi, "3.1.1");
});

test("fields are snake_case, int64 a decimal string, enums their names, timestamps RFC 3339", () => {
  const product = schemas["emporium.catalog.v1.Product"] as Json;
  assert.ok(product.properties.category_id);
  assert.deepEqual(product.properties.version, { type: "string", format: "int64", pattern: "^-?[0-9]+$" });
  assert.equal(product.properties.create_time.format, "date-time");
  assert.equal(product.additionalProperties, false);
  const status = schemas["emporium.orders.v1.Order"]?.properties.status;
  assert.deepEqual(status.enum.slice(0, 2), ["ORDER_STATUS_UNSPECIFIED", "ORDER_STATUS_PENDING"]);
});

test("protovalidate rules become JSON Schema keywords, and rules refusing an empty value make a field required", () => {
  const line = schemas["emporium.orders.v1.OrderLine"] as Json;
  assert.deepEqual(line.required, ["product_id", "quantity"]);
  assert.equal(line.properties.quantity.minimum, 1);
  assert.equal(line.properties.quantity.maximum, 1000);
  assert.equal(line.properties.product_id.pattern, "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
  const create = schemas["emporium.orders.v1.CreateOrderRequest"] as Json;
  assert.deepEqual([create.properties.items.minItems, create.properties.items.maxItems], [1, 100]);
  assert.equal(schemas["emporium.identity.v1.RefreshRequest"]?.properties.refresh_token.minLength, 1);
  assert.equal(parameter("/v1/products", "get", "q").schema.maxLength, 200);
  assert.equal(parameter("/v1/orders/{order_id}", "get", "order_id").schema.format, "uuid");
  assert.equal(parameter("/v1/products:batchGet", "get", "ids").required, true);
  // An image URL may be empty (IGNORE_IF_ZERO_VALUE); the CEL rules are said in words.
  const image = schemas["emporium.catalog.v1.Product"]?.properties.image_url;
  assert.deepEqual(image.anyOf[0], { type: "string", const: "" });
  assert.match(image.description, /https URL/);
});

test("GET query parameters are the request's non-path fields, a FieldMask one comma-separated string of field names", () => {
  const names = (operation("/v1/products", "get").parameters as Json[]).filter((p) => p.in === "query").map((p) => p.name);
  assert.deepEqual(names, ["category", "q", "min_price", "max_price", "order_by", "page_size", "page_token", "fields"]);
  assert.match("name,price", new RegExp(parameter("/v1/products/{product_id}", "get", "fields").schema.pattern));
  assert.doesNotMatch("name,secret", new RegExp(parameter("/v1/products/{product_id}", "get", "fields").schema.pattern));
  assert.equal(parameter("/v1/products:batchGet", "get", "ids").explode, false);
  assert.deepEqual(parameter("/v1/products", "get", "page_size").schema, { type: "integer", format: "int32", minimum: 1, maximum: 100 });
});

test("access options become the bearer security requirement; public routes take a token optionally", () => {
  assert.deepEqual(operation("/v1/orders", "post").security, [{ bearerAuth: [] }]);
  assert.deepEqual(operation("/v1/products", "get").security, [{}, { bearerAuth: [] }]);
  assert.equal(doc.components.securitySchemes.bearerAuth.bearerFormat, "JWT");
  assert.ok(operation("/v1/products/{product_id}", "patch").responses["403"]);
  assert.equal(operation("/v1/products/{product_id}", "get").responses["403"], undefined);
});

test("each route lists the statuses and headers that apply to it", () => {
  const create = operation("/v1/orders", "post");
  assert.deepEqual(Object.keys(create.responses), ["202", "400", "401", "409", "413", "415", "422", "429", "503", "504"]);
  assert.ok(create.responses["202"].headers.Location);
  assert.equal(parameter("/v1/orders", "post", "Idempotency-Key").required, true);
  const patch = operation("/v1/products/{product_id}", "patch");
  assert.ok(patch.responses["412"] && patch.responses["428"] && patch.responses["200"].headers.ETag);
  assert.equal(parameter("/v1/products/{product_id}", "patch", "If-Match").required, true);
  const get = operation("/v1/products/{product_id}", "get");
  assert.ok(get.responses["304"] && parameter("/v1/products/{product_id}", "get", "If-None-Match"));
  assert.ok(operation("/v1/auth/signup", "post").responses["409"], "declared with http_response.error_statuses");
  assert.ok(doc.components.responses.TooManyRequests.headers["Retry-After"]);
  assert.equal(doc.components.responses.NotFound.content["application/problem+json"].schema.allOf[1].properties.status.const, 404);
});

test("a server-streaming route is described as Server-Sent Events of its response message", () => {
  const getOrder = restRoutesOf([OrderService]).find((r) => r.method.name === "GetOrder") as RestRoute;
  const watch = {
    ...getOrder,
    path: { ...getOrder.path, template: "/v1/orders/{order_id}/events" },
    responseBody: "",
    method: { ...getOrder.method, name: "WatchOrder", methodKind: "server_streaming" },
  } as unknown as RestRoute;
  const described = (openApiDocument([watch]) as Json).paths["/v1/orders/{order_id}/events"].get;
  const ok = described.responses["200"].content["text/event-stream"];
  assert.deepEqual(ok["x-event-data"], { $ref: "#/components/schemas/emporium.orders.v1.GetOrderResponse" });
  assert.ok((described.parameters as Json[]).some((p) => p.name === "Last-Event-ID"));
});
