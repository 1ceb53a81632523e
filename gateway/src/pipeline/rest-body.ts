import type { IncomingMessage, ServerResponse } from "node:http";
import { Code } from "@connectrpc/connect";
import { httpProblem, invalidArgumentProblem, type Problem } from "@emporium/platform/errors/problem";
import bodyParser from "body-parser";
import compression from "compression";
import type { Stage, StageResult } from "./context.js";
import { edgeRefusal, type Refusal } from "./refusal.js";

/** Whether the request carries a body (a length above zero, or chunks); no body at all is the empty message. */
function hasBody(headers: { "transfer-encoding"?: string | undefined; "content-length"?: string | undefined }): boolean {
  return headers["transfer-encoding"] !== undefined || Number(headers["content-length"] ?? 0) > 0;
}

const isJson = (contentType: string | undefined) => /^application\/json\s*(?:;|$)/i.test(contentType ?? "");

/** body-parser's failures (it reads, inflates and parses the body) as the problem each one is. */
function bodyRefusal(error: { type?: string }, instance: string): Refusal | undefined {
  const body = (description: string) => ({ instance, errors: [{ field: "body", description }] });
  let problem: Problem;
  switch (error.type) {
    case "entity.parse.failed":
      problem = invalidArgumentProblem([{ field: "body", description: "is not valid JSON" }], instance);
      return edgeRefusal(Code.InvalidArgument, problem);
    case "entity.too.large":
      problem = httpProblem(413, "payload-too-large", "Payload too large", "The request body is larger than the limit.", {
        ...body("is larger than the limit"),
      });
      return edgeRefusal(Code.ResourceExhausted, problem);
    case "encoding.unsupported":
    case "charset.unsupported":
      problem = httpProblem(415, "unsupported-media-type", "Unsupported media type", "The request body's encoding is not supported.", {
        ...body("has an unsupported encoding"),
      });
      return edgeRefusal(Code.InvalidArgument, problem);
    default:
      return undefined;
  }
}

/**
 * What a REST request needs before its route runs: a JSON content type where
 * the route takes a body (415), compression of the answer when it is worth
 * it (br when accepted, else gzip; small bodies as they are), and the body
 * read within the size cap and parsed (413, 400, 415). Connect requests
 * never come here: their handler reads, caps and decodes their messages.
 */
export function restBody(bodyLimit: string): Stage {
  const compress = compression({ threshold: 1024 }) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  // Typed for express, works on any node:http request (it sets `req.body`).
  const parseJson = bodyParser.json({ limit: bodyLimit }) as unknown as (
    req: IncomingMessage,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ) => void;
  const noop = () => undefined;
  return (ctx) => {
    const { target, req, res } = ctx;
    if (target.kind !== "rest") return undefined;
    if (target.route.body !== "" && hasBody(req.headers) && !isJson(req.headers["content-type"])) {
      return edgeRefusal(
        Code.InvalidArgument,
        httpProblem(415, "unsupported-media-type", "Unsupported media type", "The request body must be application/json.", {
          instance: ctx.url,
        }),
      );
    }
    compress(req, res, noop);
    if (!hasBody(req.headers)) return undefined;
    return new Promise<StageResult>((resolve) => {
      parseJson(req, res, (error?: unknown) => {
        if (error) {
          const refusal = bodyRefusal(error as { type?: string }, ctx.url);
          if (!refusal) return resolve(Promise.reject(error));
          return resolve(refusal);
        }
        ctx.body = (req as { body?: unknown }).body;
        resolve(undefined);
      });
    });
  };
}
