// A partner's webhook endpoint that checks each call with the official Standard Webhooks library
// for Node (npm `standardwebhooks`, not ours), run as its own process by the tests:
//   node tests/peers/standard_webhooks_receiver.js <port> <log file> <key file>
// The key file holds the partner's key as the library takes it ("whsec_" + base64(secret)); it is
// read again for every call, so a test can switch the partner to a new secret as a partner would.
// A call that verifies is answered 204, any other 401 with the library's reason; each is appended
// to the log as one JSON line {"id", "verified", "reason", "body"}.
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const { Webhook } = require(path.join(__dirname, "..", "..", "node_modules", "standardwebhooks"));

const [port, log, keyFile] = process.argv.slice(2);

http
  .createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const entry = { id: request.headers["webhook-id"] || "", verified: false, reason: "", body: null };
      try {
        entry.body = new Webhook(fs.readFileSync(keyFile, "utf8").trim()).verify(raw, request.headers);
        entry.verified = true;
      } catch (error) {
        entry.reason = String(error.message || error);
      }
      fs.appendFileSync(log, JSON.stringify(entry) + "\n");
      response.writeHead(entry.verified ? 204 : 401);
      response.end();
    });
  })
  .listen(Number(port), "127.0.0.1");
