// The baselines of the catalog benchmark, each in its own process:
//   node bare-servers.js http <port> <file>     node:http, the ceiling
//   node bare-servers.js express <port> <file>  express, the framework floor
// Both answer every request with the bytes of <file> as JSON.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import express from "express";

const [kind, port, file] = process.argv.slice(2);
const body = readFileSync(file ?? "");
const headers = { "content-type": "application/json; charset=utf-8", "content-length": String(body.length) };

if (kind === "http") {
  createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  }).listen(Number(port), "127.0.0.1");
} else {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.get("/{*path}", (_req, res) => {
    res.set(headers).send(body);
  });
  app.listen(Number(port), "127.0.0.1");
}
