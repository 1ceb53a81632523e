import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { ServerReflectionRequestSchema } from "@emporium/gen/grpc/reflection/v1/reflection_pb";
import { createDescriptorIndex } from "../src/rpc/reflection/descriptor-index.js";
import { createReflectionAnswers } from "../src/rpc/reflection/reflection-answers.js";

// The answers themselves; tests/test/e2e/grpc-interop.test.ts asks a real
// service over a stock gRPC client.
const newStream = createReflectionAnswers(createDescriptorIndex([OrderService]));
type Request = Parameters<typeof create<typeof ServerReflectionRequestSchema>>[1];
const ask = (answer: ReturnType<typeof newStream>, request: Request) => answer(create(ServerReflectionRequestSchema, request));
const filesIn = (response: ReturnType<ReturnType<typeof newStream>>) =>
  response.messageResponse.case === "fileDescriptorResponse"
    ? response.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name)
    : [response.messageResponse.case ?? "nothing"];

test("file_by_filename sends the file with its imports, and a file only once per stream", () => {
  const answer = newStream();

  const first = filesIn(ask(answer, { messageRequest: { case: "fileByFilename", value: "emporium/orders/v1/orders.proto" } }));
  const again = filesIn(ask(answer, { messageRequest: { case: "fileByFilename", value: "emporium/orders/v1/orders.proto" } }));
  const onANewStream = filesIn(ask(newStream(), { messageRequest: { case: "fileByFilename", value: "emporium/orders/v1/orders.proto" } }));

  assert.equal(first[0], "emporium/orders/v1/orders.proto");
  assert.ok(first.includes("buf/validate/validate.proto"));
  assert.ok(first.includes("google/protobuf/descriptor.proto"), "imports of imports too");
  assert.deepEqual(again, ["emporium/orders/v1/orders.proto"], "the asked file always, its imports not again");
  assert.deepEqual(onANewStream, first);
});

test("file_containing_symbol finds fields, enum values and methods as well as types", () => {
  const fileOf = (symbol: string) => filesIn(ask(newStream(), { messageRequest: { case: "fileContainingSymbol", value: symbol } }))[0];

  assert.equal(fileOf("emporium.orders.v1.OrderLine.product_id"), "emporium/orders/v1/orders.proto");
  assert.equal(fileOf("emporium.orders.v1.ORDER_STATUS_PENDING"), "emporium/orders/v1/orders.proto");
  assert.equal(fileOf("emporium.orders.v1.OrderService.GetOrder"), "emporium/orders/v1/orders_service.proto");
  assert.equal(fileOf(".emporium.orders.v1.OrderService"), "emporium/orders/v1/orders_service.proto", "a leading dot is allowed");
});

test("extension requests find the option extensions our protos use", () => {
  const answer = newStream();
  const http = ask(answer, {
    messageRequest: {
      case: "fileContainingExtension",
      value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 72295728 },
    },
  });
  const numbers = ask(answer, { messageRequest: { case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" } });
  const unknownType = ask(answer, { messageRequest: { case: "allExtensionNumbersOfType", value: "no.such.Type" } });

  assert.equal(filesIn(http)[0], "google/api/annotations.proto");
  assert.equal(numbers.messageResponse.case, "allExtensionNumbersResponse");
  assert.deepEqual(numbers.messageResponse.value.extensionNumber, [50001, 50002, 50003, 72295728]);
  assert.equal(unknownType.messageResponse.case, "errorResponse");
  assert.equal(unknownType.messageResponse.value.errorCode, 5);
});

test("an empty request is answered INVALID_ARGUMENT, on the stream, with the request echoed", () => {
  const response = ask(newStream(), { host: "localhost" });

  assert.equal(response.messageResponse.case, "errorResponse");
  assert.equal(response.messageResponse.value.errorCode, 3);
  assert.equal(response.validHost, "localhost");
  assert.equal(response.originalRequest?.host, "localhost");
});
