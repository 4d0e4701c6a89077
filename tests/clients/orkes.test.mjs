// The unmodified Orkes Conductor SDK (@io-orkes/conductor-javascript) against
// taskmock's orkes variant.
//
// What the SDK does, from its dist/index.mjs (sources named in its comments):
// - src/sdk/createConductorClient/createConductorClient.ts: with keyId and
//   keySecret it calls handleAuth() before returning the client; without them
//   it sends no credentials at all. OrkesApiConfig has no token field; the
//   client it returns is a generated client whose setConfig({ auth }) takes a
//   token (its own handleAuth uses exactly that).
// - src/sdk/createConductorClient/helpers/handleAuth.ts: POST /api/token with
//   {"keyId","keySecret"}; reads `token` from the answer; on an error it reads
//   `message` or else `error` from the body; up to 8 attempts with back-off
//   (1 s, 2 s, ... 60 s) before it throws; a 404 means "Conductor OSS, no auth".
// - src/sdk/helpers/errors.ts: every client method turns a failure into a
//   ConductorSdkError (name "[Conductor SDK Error]") whose message is
//   "<what failed>: <message field of the error body>". The class is declared
//   as an export in dist/index.d.ts but is not exported at run time, so the
//   tests check its name.
// - src/sdk/createConductorClient/helpers/resolveOrkesConfig.ts: CONDUCTOR_*
//   environment variables override the config object, so they are cleared here.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

import { OrkesClients, TaskClient, orkesConductorClient } from "@io-orkes/conductor-javascript";

import { startTaskmockBehindProxy } from "./recording-proxy.mjs";
import { startTaskmock } from "./taskmock.mjs";

for (const name of Object.keys(process.env)) {
  if (name.startsWith("CONDUCTOR_")) delete process.env[name];
}

const SEED_ID = "65fc73fe-0586-11f1-8b8d-6219b54da7fe";
const UNKNOWN_ID = "0c8a3e5e-9d21-4c3f-8e0a-5b7d2f1a6c49";
const KEY_ID = "client-test-key-id";
const KEY_SECRET = "client-test-secret";
const TOKEN = "client-test-token";
const SDK_ERROR_NAME = "[Conductor SDK Error]";

const seedFixture = JSON.parse(await readFile(new URL("../../fixtures/orkes/seed.json", import.meta.url), "utf8"));

// The SDK logs through config.logger; keep its lines for assertions instead of
// printing them.
function recordingLogger() {
  const entries = [];
  const at = (level) => (...args) => entries.push({ level, message: args.map(String).join(" ") });
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

// Common options: no background token refresh timer (refreshTokenInterval 0
// disables it in handleAuth), a bounded per-request timeout.
function sdkConfig(serverUrl, extra = {}) {
  return { serverUrl, refreshTokenInterval: 0, requestTimeoutMs: 10_000, logger: recordingLogger(), ...extra };
}

function assertSeedTask(task) {
  assert.equal(task.taskId, SEED_ID);
  assert.equal(task.status, "COMPLETED");
  assert.equal(task.taskType, "HTTP");
  assert.equal(task.referenceTaskName, "http_ref");
  assert.equal(task.workflowInstanceId, "1f610b08-0586-11f1-8b8d-6219b54da7fe");
  assert.equal(task.outputData.response.statusCode, 200);
  assert.deepEqual(task, seedFixture);
}

// The request the generated TaskResource.getTask makes, through the SDK's own
// client (same transport and auth), but returning the response instead of
// throwing, so the status is visible.
function rawGetTask(client, taskId) {
  return client.get({
    url: "/api/tasks/{taskId}",
    path: { taskId },
    security: [{ name: "X-Authorization", type: "apiKey" }],
    throwOnError: false,
  });
}

describe("Orkes SDK against a server configured with a key pair", () => {
  let mock;

  before(async () => {
    mock = await startTaskmockBehindProxy({
      env: { TASKMOCK_ORKES_KEY_ID: KEY_ID, TASKMOCK_ORKES_KEY_SECRET: KEY_SECRET },
    });
  });

  after(async () => {
    if (mock) assert.equal((await mock.stop()).code, 0);
  });

  // (a)
  it("obtains a token through POST /api/token and reads the seed task with it", async () => {
    const seen = mock.exchanges().length;
    const clients = await OrkesClients.from(sdkConfig(mock.baseUrl("orkes"), { keyId: KEY_ID, keySecret: KEY_SECRET }));

    const task = await clients.getTaskClient().getTask(SEED_ID);

    assertSeedTask(task);
    const exchanges = mock.exchanges().slice(seen);
    assert.deepEqual(
      exchanges.map(({ request, response }) => `${request.method} ${request.target} -> ${response?.status}`),
      ["POST /orkes/api/token -> 200", `GET /orkes/api/tasks/${SEED_ID} -> 200`],
    );
    const [exchange, read] = exchanges;
    assert.deepEqual(JSON.parse(exchange.request.body), { keyId: KEY_ID, keySecret: KEY_SECRET });
    const { token } = JSON.parse(exchange.response.body);
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, "the token is a JWT");
    assert.equal(read.request.headers["x-authorization"], token, "the SDK sends the token it was given");
  });

  it("sends the token request body chunked, and the server still reads it", async () => {
    const seen = mock.exchanges().length;
    await orkesConductorClient(sdkConfig(mock.baseUrl("orkes"), { keyId: KEY_ID, keySecret: KEY_SECRET }));

    const [exchange] = mock.exchanges().slice(seen);
    assert.equal(exchange.request.target, "/orkes/api/token");
    // undici streams a Request body: no Content-Length, chunked coding.
    assert.equal(exchange.request.headers["transfer-encoding"], "chunked");
    assert.equal(exchange.request.headers["content-length"], undefined);
    assert.equal(exchange.response.status, 200);
  });

  it("refuses a task request that carries no token", async () => {
    const response = await fetch(`${mock.baseUrl("orkes")}/api/tasks/${SEED_ID}`);
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: "INVALID_TOKEN" });
  });

  // (c)
  it("reports an unknown task id as a Conductor SDK error carrying the server's 404 message", async () => {
    const client = await orkesConductorClient(
      sdkConfig(mock.baseUrl("orkes"), { keyId: KEY_ID, keySecret: KEY_SECRET }),
    );
    const expectedBody = {
      status: 404,
      message: `Task not found for taskId: ${UNKNOWN_ID}`,
      instance: "taskmock",
      retryable: false,
    };

    await assert.rejects(new TaskClient(client).getTask(UNKNOWN_ID), (error) => {
      assert.ok(error instanceof Error);
      assert.equal(error.name, SDK_ERROR_NAME);
      assert.equal(error.message, `Failed to get task '${UNKNOWN_ID}': ${expectedBody.message}`);
      return true;
    });
    // The SDK error keeps only the message; the status is on the response.
    const { response, error } = await rawGetTask(client, UNKNOWN_ID);
    assert.equal(response.status, 404);
    assert.deepEqual(error, expectedBody);
  });

  // (d)
  it("fails to create a client with a wrong key secret, with the server's INVALID_TOKEN after its 8 token attempts", async (t) => {
    // handleAuth retries the token request 8 times, waiting 1 s, 2 s, ... 60 s
    // in between (about two minutes). Its setTimeout is mocked, and each wait
    // is skipped as soon as the SDK announces it: the warning is logged right
    // before the timer is set, so the microtask runs after it exists.
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const logger = recordingLogger();
    const announce = logger.warn;
    logger.warn = (message, ...rest) => {
      announce(message, ...rest);
      const wait = /retrying in (\d+)ms/.exec(String(message));
      if (wait) queueMicrotask(() => t.mock.timers.tick(Number(wait[1])));
    };
    const seen = mock.exchanges().length;

    await assert.rejects(
      orkesConductorClient(sdkConfig(mock.baseUrl("orkes"), { keyId: KEY_ID, keySecret: "wrong-secret", logger })),
      (error) => {
        assert.ok(error instanceof Error);
        assert.equal(error.name, SDK_ERROR_NAME);
        assert.equal(error.message, "Failed to generate authorization token: INVALID_TOKEN (HTTP 401)");
        return true;
      },
    );

    const attempts = mock.exchanges().slice(seen);
    assert.equal(attempts.length, 8);
    for (const { request, response } of attempts) {
      assert.equal(`${request.method} ${request.target}`, "POST /orkes/api/token");
      assert.equal(response.status, 401);
      assert.deepEqual(JSON.parse(response.body), { error: "INVALID_TOKEN" });
    }
    const said = (level) => logger.entries.filter((entry) => entry.level === level).map(({ message }) => message);
    assert.equal(said("warn").length, 7);
    assert.match(said("warn")[0], /^Initial token request failed \(attempt 1\/8\), retrying in 1000ms$/);
    assert.equal(said("error").length, 1);
    assert.match(said("error")[0], /^Initial token generation failed after all retries/);
  });
});

describe("Orkes SDK against a server configured with a token (TASKMOCK_ORKES_CREDENTIAL)", () => {
  let mock;

  before(async () => {
    mock = await startTaskmockBehindProxy({ env: { TASKMOCK_ORKES_CREDENTIAL: TOKEN } });
  });

  after(async () => {
    if (mock) assert.equal((await mock.stop()).code, 0);
  });

  // (b)
  it("reads the seed task when the SDK client is given the token through its auth setting", async () => {
    const client = await orkesConductorClient(sdkConfig(mock.baseUrl("orkes")));
    client.setConfig({ auth: TOKEN });
    const seen = mock.exchanges().length;

    assertSeedTask(await new TaskClient(client).getTask(SEED_ID));

    const [{ request, response }, ...more] = mock.exchanges().slice(seen);
    assert.equal(more.length, 0, "no token exchange: the SDK uses the token as given");
    assert.equal(`${request.method} ${request.target}`, `GET /orkes/api/tasks/${SEED_ID}`);
    assert.equal(request.headers["x-authorization"], TOKEN);
    assert.equal(response.status, 200);
  });

  it("answers a plain request that carries the token in X-Authorization with the seed task", async () => {
    const url = `${mock.baseUrl("orkes")}/api/tasks/${SEED_ID}`;

    const accepted = await fetch(url, { headers: { "X-Authorization": TOKEN, Accept: "application/json" } });
    assert.equal(accepted.status, 200);
    assert.match(accepted.headers.get("content-type"), /^application\/json/);
    assertSeedTask(await accepted.json());

    const rejected = await fetch(url, { headers: { "X-Authorization": "not-the-token" } });
    assert.equal(rejected.status, 401);
    assert.deepEqual(await rejected.json(), { error: "INVALID_TOKEN" });
  });

  it("refuses an SDK client without credentials with the SDK error for the task and a 401 INVALID_TOKEN", async () => {
    const client = await orkesConductorClient(sdkConfig(mock.baseUrl("orkes")));

    await assert.rejects(new TaskClient(client).getTask(SEED_ID), (error) => {
      assert.equal(error.name, SDK_ERROR_NAME);
      // {"error":"INVALID_TOKEN"} has no `message`, so the SDK says only what failed.
      assert.equal(error.message, `Failed to get task '${SEED_ID}'`);
      return true;
    });
    const { response, error } = await rawGetTask(client, SEED_ID);
    assert.equal(response.status, 401);
    assert.deepEqual(error, { error: "INVALID_TOKEN" });
  });

  it("accepts the token that its own POST /api/token hands to an SDK using a key pair", async () => {
    const client = await orkesConductorClient(
      sdkConfig(mock.baseUrl("orkes"), { keyId: KEY_ID, keySecret: KEY_SECRET }),
    );
    assertSeedTask(await new TaskClient(client).getTask(SEED_ID));
  });
});

describe("Orkes SDK polling a task that completes after N polls (a timeline fixture)", () => {
  // fixtures/orkes/polled-to-completion.timeline.json: SCHEDULED, IN_PROGRESS
  // after 1 poll, COMPLETED after 2 more.
  const POLLED_ID = "7d4b0f1e-5a2c-4e8b-9c31-0a6f2e9d1b01";
  let mock;

  before(async () => {
    mock = await startTaskmock({ env: { TASKMOCK_ORKES_KEY_ID: KEY_ID, TASKMOCK_ORKES_KEY_SECRET: KEY_SECRET } });
  });

  after(async () => {
    if (mock) assert.equal((await mock.stop()).code, 0);
  });

  it("sees each state in order and stops at COMPLETED with the output", async () => {
    const client = new TaskClient(
      await orkesConductorClient(sdkConfig(mock.baseUrl("orkes"), { keyId: KEY_ID, keySecret: KEY_SECRET })),
    );
    const seen = [];
    let task;
    for (let poll = 0; poll < 10; poll += 1) {
      task = await client.getTask(POLLED_ID);
      seen.push(task.status);
      if (task.status === "COMPLETED") break;
    }
    assert.deepEqual(seen, ["SCHEDULED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]);
    assert.deepEqual(task.outputData, { approved: true, amount: 8940 });
    assert.ok(task.endTime >= task.startTime && task.startTime >= task.scheduledTime);
  });
});
