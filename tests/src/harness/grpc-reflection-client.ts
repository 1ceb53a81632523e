import {
  create,
  createFileRegistry,
  type FileRegistry,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { ServerReflectionRequestSchema, ServerReflectionResponseSchema } from "@emporium/gen/grpc/reflection/v1/reflection_pb";
import * as grpc from "@grpc/grpc-js";

/**
 * A server reflection client on a stock gRPC implementation (grpc-js, one
 * bidi stream per call, as grpcurl uses it), with protobuf-es only as the
 * codec of the reflection messages. v1alpha's messages are v1's, field for
 * field (same numbers and types), so the same bytes go to either version;
 * only the method path differs.
 */
export type ReflectionVersion = "v1" | "v1alpha";

type Request = MessageInitShape<typeof ServerReflectionRequestSchema>;
type Response = MessageShape<typeof ServerReflectionResponseSchema>;

/** Sends the requests on one stream and resolves with the responses, in order. */
export async function reflect(address: string, version: ReflectionVersion, requests: Request[]): Promise<Response[]> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  try {
    const stream = client.makeBidiStreamRequest(
      `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
      (request: Request) => Buffer.from(toBinary(ServerReflectionRequestSchema, create(ServerReflectionRequestSchema, request))),
      (bytes: Buffer) => fromBinary(ServerReflectionResponseSchema, bytes),
    );
    const responses: Response[] = [];
    const done = new Promise<Response[]>((resolve, reject) => {
      stream.on("data", (response: Response) => {
        responses.push(response);
        if (responses.length === requests.length) stream.end();
      });
      stream.on("error", reject);
      stream.on("end", () => resolve(responses));
    });
    for (const request of requests) stream.write(request);
    return await done;
  } finally {
    client.close();
  }
}

/**
 * The registry a client builds from a file_descriptor_response: every file
 * decoded, ordered so that each comes after its imports (protobuf-es wants
 * a FileDescriptorSet in that order), and linked. Throws when an import is
 * missing, as grpcurl's describe would fail.
 */
export function registryFromDescriptors(serialized: Uint8Array[]): FileRegistry {
  const byName = new Map(serialized.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes)).map((file) => [file.name, file]));
  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const place = (name: string, importedBy: string) => {
    if (placed.has(name)) return;
    const file = byName.get(name);
    if (!file) throw new Error(`${name}, imported by ${importedBy}, is not in the response`);
    placed.add(name);
    for (const dependency of file.dependency) place(dependency, name);
    ordered.push(file);
  };
  for (const name of byName.keys()) place(name, "the request");
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}

/** The names of the files in a file_descriptor_response, in the order sent. */
export const fileNames = (serialized: Uint8Array[]) => serialized.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
