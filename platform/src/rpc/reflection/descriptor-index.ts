import type { DescEnum, DescExtension, DescFile, DescMessage, DescService } from "@bufbuild/protobuf";

/**
 * What server reflection answers from: the proto files of the services a
 * server serves, with every file they import (transitively), and each fully
 * qualified symbol (message, nested type, field, enum, enum value, service,
 * method, extension) mapped to the file that declares it. Built from the
 * protobuf-es descriptors embedded in the generated code, so no .proto file
 * is read at run time.
 */
export interface DescriptorIndex {
  /** Fully qualified names of the services, sorted. */
  readonly serviceNames: readonly string[];
  fileByName(name: string): DescFile | undefined;
  fileContainingSymbol(symbol: string): DescFile | undefined;
  fileContainingExtension(extendee: string, fieldNumber: number): DescFile | undefined;
  /** Extension field numbers of a message type; undefined for an unknown type. */
  extensionNumbersOf(extendee: string): number[] | undefined;
}

/** `extraFiles`: files a client needs that no service imports (error detail types sent in google.protobuf.Any). */
export function createDescriptorIndex(services: readonly DescService[], extraFiles: readonly DescFile[] = []): DescriptorIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const extensions = new Map<string, Map<number, DescFile>>();
  const messages = new Set<string>();

  const addExtension = (extension: DescExtension) => {
    symbols.set(extension.typeName, extension.file);
    const byNumber = extensions.get(extension.extendee.typeName) ?? new Map<number, DescFile>();
    byNumber.set(extension.number, extension.file);
    extensions.set(extension.extendee.typeName, byNumber);
  };
  // Enum values are scoped like their enum's siblings (protobuf's C++ scoping rule).
  const addEnum = (descEnum: DescEnum, scope: string) => {
    symbols.set(descEnum.typeName, descEnum.file);
    for (const value of descEnum.values) symbols.set(`${scope}${value.name}`, descEnum.file);
  };
  const addMessage = (message: DescMessage) => {
    messages.add(message.typeName);
    symbols.set(message.typeName, message.file);
    for (const field of message.fields) symbols.set(`${message.typeName}.${field.name}`, message.file);
    for (const oneof of message.oneofs) symbols.set(`${message.typeName}.${oneof.name}`, message.file);
    for (const nested of message.nestedMessages) addMessage(nested);
    for (const nested of message.nestedEnums) addEnum(nested, `${message.typeName}.`);
    for (const nested of message.nestedExtensions) addExtension(nested);
  };
  const addFile = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    const scope = file.proto.package === "" ? "" : `${file.proto.package}.`;
    for (const message of file.messages) addMessage(message);
    for (const descEnum of file.enums) addEnum(descEnum, scope);
    for (const extension of file.extensions) addExtension(extension);
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
    for (const dependency of file.dependencies) addFile(dependency);
  };
  for (const service of services) addFile(service.file);
  for (const file of extraFiles) addFile(file);

  return {
    serviceNames: [...new Set(services.map((service) => service.typeName))].sort(),
    fileByName: (name) => files.get(name),
    fileContainingSymbol: (symbol) => symbols.get(symbol.replace(/^\./, "")),
    fileContainingExtension: (extendee, fieldNumber) => extensions.get(extendee)?.get(fieldNumber),
    extensionNumbersOf: (extendee) =>
      messages.has(extendee) ? [...(extensions.get(extendee)?.keys() ?? [])].sort((a, b) => a - b) : undefined,
  };
}
