// A byte-for-byte TCP relay between an SDK and taskmock that keeps what both
// sides wrote, so a test can show what an unmodified SDK put on the wire (for
// example whether it sent a body chunked) and what the server answered,
// without touching either of them.
//
//   const mock = await startTaskmockBehindProxy({ env: { ... } });
//   // point the SDK at mock.baseUrl("orkes") ...
//   mock.exchanges()  // [{ request: {method, target, headers, body}, response: {status, headers, body} }, ...]
//   await mock.stop();

import net from "node:net";
import zlib from "node:zlib";

import { startTaskmock } from "./taskmock.mjs";

export function startRecordingProxy(targetOrigin) {
  const target = new URL(targetOrigin);
  const connections = [];
  const sockets = new Set();

  const server = net.createServer((downstream) => {
    const record = { sent: [], received: [] };
    connections.push(record);
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      socket.on("error", () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.on("data", (chunk) => record.sent.push(chunk));
    upstream.on("data", (chunk) => record.received.push(chunk));
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        origin: `http://127.0.0.1:${port}`,
        /** Every request seen so far, in order, with the response that followed it. */
        exchanges() {
          const all = [];
          for (const record of connections) {
            const requests = parseMessages(Buffer.concat(record.sent), "request");
            const responses = parseMessages(Buffer.concat(record.received), "response");
            requests.forEach((request, index) => all.push({ request, response: responses[index] }));
          }
          return all;
        },
        close() {
          for (const socket of sockets) socket.destroy();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}

// Splits an HTTP/1.1 byte stream into messages. Bodies are framed by
// Content-Length or chunked transfer coding; `headers` keeps the names in
// lower case, `body` is the body as text, with chunked
// transfer coding and any Content-Encoding (gzip, deflate, br) undone.
function parseMessages(bytes, kind) {
  const messages = [];
  let offset = 0;
  while (offset < bytes.length) {
    const headEnd = bytes.indexOf("\r\n\r\n", offset);
    if (headEnd < 0) break;
    const [startLine, ...headerLines] = bytes.subarray(offset, headEnd).toString("latin1").split("\r\n");
    const headers = {};
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    offset = headEnd + 4;
    let body = Buffer.alloc(0);
    if (/\bchunked\b/i.test(headers["transfer-encoding"] ?? "")) {
      const parts = [];
      for (;;) {
        const lineEnd = bytes.indexOf("\r\n", offset);
        if (lineEnd < 0) return messages;
        const size = parseInt(bytes.subarray(offset, lineEnd).toString("latin1"), 16);
        offset = lineEnd + 2;
        if (size === 0) {
          const trailerEnd = bytes.indexOf("\r\n", offset);
          offset = trailerEnd < 0 ? bytes.length : trailerEnd + 2;
          break;
        }
        parts.push(bytes.subarray(offset, offset + size));
        offset += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      body = bytes.subarray(offset, offset + length);
      offset += length;
    }
    const coding = (headers["content-encoding"] ?? "").trim().toLowerCase();
    if (coding === "gzip" || coding === "x-gzip") body = zlib.gunzipSync(body);
    else if (coding === "deflate") body = zlib.inflateSync(body);
    else if (coding === "br") body = zlib.brotliDecompressSync(body);
    const message = { headers, body: body.toString("utf8") };
    if (kind === "request") {
      const [method, target] = startLine.split(" ");
      Object.assign(message, { method, target });
    } else {
      message.status = Number(startLine.split(" ")[1]);
    }
    messages.push(message);
  }
  return messages;
}

/**
 * taskmock with a recording proxy in front of it: `baseUrl(variant)` points
 * through the proxy. `stop()` closes the proxy first, which closes every
 * connection a client kept alive, and then stops taskmock; taskmock waits for
 * idle keep-alive connections to end before it exits on SIGTERM, so without
 * this each stop would wait for the SDK's HTTP agent to give them up.
 */
export async function startTaskmockBehindProxy(options) {
  const server = await startTaskmock(options);
  let proxy;
  try {
    proxy = await startRecordingProxy(server.origin);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    proxy,
    baseUrl: (variant) => server.baseUrl(variant).replace(server.origin, proxy.origin),
    exchanges: () => proxy.exchanges(),
    async stop() {
      await proxy.close();
      return server.stop();
    },
  };
}
