// A trace collector stand-in for benchmarks: accepts OTLP/HTTP exports
// (protobuf or JSON) on /v1/traces and throws them away, counting bytes, so
// the processes under test pay the full cost of exporting, as they would to
// a real collector on another machine.
//   node otlp-sink.js <port>     GET /stats answers {"exports":n,"bytes":n}
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 0);
let exports = 0;
let bytes = 0;
createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ exports, bytes }));
    return;
  }
  req.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on("end", () => {
    exports++;
    const json = String(req.headers["content-type"] ?? "").includes("json");
    res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : "");
  });
}).listen(port, "127.0.0.1");
