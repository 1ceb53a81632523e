import type { IncomingMessage, ServerResponse } from "node:http";

export interface Route {
  method: "GET" | "POST" | "PUT";
  /** Matched against the whole path; named groups become `params`. */
  path: RegExp;
  /** `METHOD /template`, the key requests are counted under. */
  name: string;
  handle(req: IncomingMessage, res: ServerResponse, request: { url: URL; params: Record<string, string> }): Promise<void>;
}
