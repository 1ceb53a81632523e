import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { file_google_rpc_error_details } from "@emporium/gen/google/rpc/error_details_pb";
import * as v1 from "@emporium/gen/grpc/reflection/v1/reflection_pb";
import * as v1alpha from "@emporium/gen/grpc/reflection/v1alpha/reflection_pb";
import { createDescriptorIndex } from "./descriptor-index.js";
import { createReflectionAnswers } from "./reflection-answers.js";

/**
 * gRPC server reflection, grpc.reflection.v1 and the older v1alpha that many
 * tools still ask for first, so grpcurl, grpcui or Postman can list and
 * describe a service with no .proto files. connect-es has none built in, and
 * no maintained npm package serves it for connect-es v2 (docs/operations.md),
 * so it is answered here from the descriptors in the generated code.
 *
 * Call it last, once the router holds every other service: it lists those,
 * plus itself. google/rpc/error_details.proto comes along so that a client
 * can decode the details our errors carry (google.rpc.BadRequest, from
 * errors/error-mapping.ts).
 */
export function registerServerReflection(router: ConnectRouter): void {
  const served = router.handlers.map((handler) => handler.service);
  const index = createDescriptorIndex([...served, v1.ServerReflection, v1alpha.ServerReflection], [file_google_rpc_error_details]);
  const newStream = createReflectionAnswers(index);

  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const answer = newStream();
      for await (const request of requests) yield answer(request);
    },
  });
  // v1alpha has the same messages, field for field, under another package.
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const answer = newStream();
      for await (const request of requests) {
        const response = answer(convert(v1alpha.ServerReflectionRequestSchema, request, v1.ServerReflectionRequestSchema));
        yield convert(v1.ServerReflectionResponseSchema, response, v1alpha.ServerReflectionResponseSchema);
      }
    },
  });
}

const convert = <From extends DescMessage, To extends DescMessage>(from: From, message: MessageShape<From>, to: To): MessageShape<To> =>
  fromBinary(to, toBinary(from, message));
