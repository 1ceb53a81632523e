import { create, type DescFile, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import {
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "@emporium/gen/grpc/reflection/v1/reflection_pb";
import type { DescriptorIndex } from "./descriptor-index.js";

type Answer = MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"];

/**
 * Answers the requests of one reflection stream (grpc.reflection.v1), the
 * way grpc-go's reflection service does: a file comes with every file it
 * imports, transitively, except those already sent on this stream, so a
 * client can build the descriptors it asked for from one answer.
 */
export function createReflectionAnswers(index: DescriptorIndex) {
  const serialized = new Map<string, Uint8Array>();
  const bytesOf = (file: DescFile) => {
    let bytes = serialized.get(file.proto.name);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      serialized.set(file.proto.name, bytes);
    }
    return bytes;
  };

  return function answerStream() {
    const sent = new Set<string>();
    const withDependencies = (file: DescFile): Answer => {
      const out: Uint8Array[] = [bytesOf(file)];
      sent.add(file.proto.name);
      const visit = (dependency: DescFile) => {
        if (sent.has(dependency.proto.name)) return;
        sent.add(dependency.proto.name);
        out.push(bytesOf(dependency));
        dependency.dependencies.forEach(visit);
      };
      file.dependencies.forEach(visit);
      return { case: "fileDescriptorResponse", value: { fileDescriptorProto: out } };
    };
    const notFound = (what: string): Answer => ({
      case: "errorResponse",
      value: { errorCode: Code.NotFound, errorMessage: `${what} not found` },
    });
    const fileOr = (file: DescFile | undefined, what: string) => (file ? withDependencies(file) : notFound(what));

    const answer = (request: ServerReflectionRequest["messageRequest"]): Answer => {
      switch (request.case) {
        case "listServices":
          return {
            case: "listServicesResponse",
            value: {
              service: index.serviceNames.map((name) => ({ name })),
            },
          };
        case "fileByFilename":
          return fileOr(index.fileByName(request.value), `file ${request.value}`);
        case "fileContainingSymbol":
          return fileOr(index.fileContainingSymbol(request.value), `symbol ${request.value}`);
        case "fileContainingExtension": {
          const { containingType, extensionNumber } = request.value;
          return fileOr(
            index.fileContainingExtension(containingType, extensionNumber),
            `extension ${extensionNumber} of ${containingType}`,
          );
        }
        case "allExtensionNumbersOfType": {
          const numbers = index.extensionNumbersOf(request.value);
          if (!numbers) return notFound(`type ${request.value}`);
          return {
            case: "allExtensionNumbersResponse",
            value: { baseTypeName: request.value, extensionNumber: numbers },
          };
        }
        default:
          return {
            case: "errorResponse",
            value: { errorCode: Code.InvalidArgument, errorMessage: "empty reflection request" },
          };
      }
    };

    return (request: ServerReflectionRequest): ServerReflectionResponse =>
      create(ServerReflectionResponseSchema, {
        validHost: request.host,
        originalRequest: request,
        messageResponse: answer(request.messageRequest),
      });
  };
}
