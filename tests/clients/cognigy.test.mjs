// The unmodified Cognigy REST client (@cognigy/rest-api-client) against
// taskmock's cognigy variant.
//
// What the client does, from its build/ folder:
// - apigroups/MetricsAPIGroup_2_0.js: readTask({ taskId }) is
//   GET <baseUrl>/new/v2.0/tasks/<taskId>.
// - GenericAPIFn.js: every call sends Accept: application/json (so taskmock
//   answers plain JSON, not HAL), Content-Type: application/json and
//   Cache-Control: no-cache.
// - authentication/ApiKey/ApiKeyAuthentication.js: setCredentials({ type:
//   "ApiKey", apiKey }) adds an x-api-key header.
// - connector/AxiosAdapter.js: retries network errors and 408/429/5xx answers
//   of idempotent requests up to config.maxRetries times (default 3, with
//   2^n s back-off), so the clients here use maxRetries 0. Any other answer of
//   400 or more becomes ErrorCollection[body.code] (else [status], else 1008),
//   constructed with (body.detail, { traceId: body.traceId }, undefined,
//   body.details); a 401 also calls config.onUnauthorized (setInterceptors).
// - shared/errors/ErrorCode.js: 1002 is RESOURCE_NOT_FOUND_ERROR
//   (ResourceNotFoundError), 1005 INVALID_ARGUMENT_ERROR (InvalidArgumentError),
//   401 UNAUTHORIZED_ERROR (UnauthorizedError). The package exports
//   ErrorCollection and ErrorCode, not the classes themselves.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";

import { ErrorCode, ErrorCollection, RestAPIClient } from "@cognigy/rest-api-client";

import { startTaskmockBehindProxy } from "./recording-proxy.mjs";

// axios honours HTTP(S)_PROXY from the environment; the mock is on loopback.
for (const name of ["NO_PROXY", "no_proxy"]) {
  process.env[name] = [process.env[name], "127.0.0.1", "localhost"].filter(Boolean).join(",");
}

const API_KEY = "client-test-api-key";
const ACTIVE_ID = "698b5ab3e3a4af2a099ebc6e";
const UNKNOWN_ID = "0123456789abcdef01234567";
const MALFORMED_ID = "not-a-mongo-id";

const ResourceNotFoundError = ErrorCollection[ErrorCode.RESOURCE_NOT_FOUND_ERROR];
const UnauthorizedError = ErrorCollection[ErrorCode.UNAUTHORIZED_ERROR];
const InvalidArgumentError = ErrorCollection[ErrorCode.INVALID_ARGUMENT_ERROR];

const fixturesDir = new URL("../../fixtures/cognigy/", import.meta.url);
const fixtures = new Map();
// Plain fixtures only: a *.timeline.json task changes as it is read.
for (const file of (await readdir(fixturesDir)).filter((name) => name.endsWith(".json") && !name.endsWith(".timeline.json")).sort()) {
  const task = JSON.parse(await readFile(new URL(file, fixturesDir), "utf8"));
  fixtures.set(task._id, task);
}

function restClient(baseUrl, apiKey) {
  const client = new RestAPIClient({ baseUrl, maxRetries: 0 });
  if (apiKey !== undefined) client.setCredentials({ type: "ApiKey", apiKey });
  return client;
}

function assertTraceId(error) {
  assert.match(error.loggerstack?.traceId ?? "", /^api--[0-9a-f-]{36}$/);
}

describe("Cognigy REST client against a server that accepts one API key (TASKMOCK_COGNIGY_CREDENTIAL)", () => {
  let mock;

  before(async () => {
    mock = await startTaskmockBehindProxy({ env: { TASKMOCK_COGNIGY_CREDENTIAL: API_KEY } });
  });

  after(async () => {
    if (mock) assert.equal((await mock.stop()).code, 0);
  });

  it("reads a task with readTask, sending the API key and Accept: application/json", async () => {
    const seen = mock.exchanges().length;

    const task = await restClient(mock.baseUrl("cognigy"), API_KEY).readTask({ taskId: ACTIVE_ID });

    assert.equal(task._id, ACTIVE_ID);
    assert.equal(task.name, "trainIntents");
    assert.equal(task.status, "active");
    assert.equal(task.currentStep, 2);
    assert.equal(task.totalStep, 5);
    assert.equal(task.failReason, "");
    assert.equal(task.lastRunAt, "2026-02-17T10:04:12Z");
    assert.equal(task.createdAt, 1770740403);
    assert.deepEqual(task.data.flowIds, ["65e5ae6034f103db7fb72610", "6671aad2a0fa855360666bab"]);
    assert.deepEqual(task, fixtures.get(ACTIVE_ID));

    const [{ request, response }, ...more] = mock.exchanges().slice(seen);
    assert.equal(more.length, 0);
    assert.equal(`${request.method} ${request.target}`, `GET /cognigy/new/v2.0/tasks/${ACTIVE_ID}`);
    assert.equal(request.headers["x-api-key"], API_KEY);
    assert.equal(request.headers.accept, "application/json");
    assert.equal(response.status, 200);
    assert.match(response.headers["content-type"], /^application\/json/);
  });

  it("returns every fixture task unchanged through readTask", async () => {
    const client = restClient(mock.baseUrl("cognigy"), API_KEY);
    assert.ok(fixtures.size >= 6);
    for (const [taskId, fixture] of fixtures) {
      assert.deepEqual(await client.readTask({ taskId }), fixture, `task ${taskId}`);
    }
  });

  it("reports an unknown task id as the client's ResourceNotFoundError with the server's detail", async () => {
    const seen = mock.exchanges().length;

    await assert.rejects(restClient(mock.baseUrl("cognigy"), API_KEY).readTask({ taskId: UNKNOWN_ID }), (error) => {
      assert.ok(error instanceof ResourceNotFoundError);
      assert.equal(error.name, "Resource Not Found Error");
      assert.equal(error.message, `Task with id ${UNKNOWN_ID} not found`);
      assert.equal(error.code, 1002);
      assert.equal(error.httpStatusCode, 404);
      assert.deepEqual(error.details, {});
      assertTraceId(error);
      return true;
    });

    const exchanges = mock.exchanges().slice(seen);
    assert.equal(exchanges.length, 1, "a 404 is not retried");
    assert.equal(exchanges[0].response.status, 404);
    assert.equal(JSON.parse(exchanges[0].response.body).code, 1002);
  });

  it("reports a malformed task id as the client's InvalidArgumentError from the server's 400", async () => {
    await assert.rejects(restClient(mock.baseUrl("cognigy"), API_KEY).readTask({ taskId: MALFORMED_ID }), (error) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.equal(error.code, ErrorCode.INVALID_ARGUMENT_ERROR);
      assert.match(error.message, /taskId/);
      assertTraceId(error);
      return true;
    });
  });

  it("rejects a wrong API key with the client's UnauthorizedError and calls its onUnauthorized interceptor", async () => {
    const client = restClient(mock.baseUrl("cognigy"), "wrong-api-key");
    let unauthorizedCalls = 0;
    client.setInterceptors({ onUnauthorized: () => (unauthorizedCalls += 1) });

    await assert.rejects(client.readTask({ taskId: ACTIVE_ID }), (error) => {
      assert.ok(error instanceof UnauthorizedError);
      assert.equal(error.name, "Unauthorized Error");
      assert.equal(error.message, "Unauthorized");
      assert.equal(error.code, 401);
      assert.equal(error.httpStatusCode, 401);
      assertTraceId(error);
      return true;
    });
    assert.equal(unauthorizedCalls, 1);
  });

  it("rejects a client that has no credentials with the client's UnauthorizedError", async () => {
    await assert.rejects(restClient(mock.baseUrl("cognigy")).readTask({ taskId: ACTIVE_ID }), (error) => {
      assert.ok(error instanceof UnauthorizedError);
      assert.equal(error.code, 401);
      return true;
    });
  });
});

describe("Cognigy REST client against a server with no API key configured", () => {
  let mock;

  before(async () => {
    mock = await startTaskmockBehindProxy();
  });

  after(async () => {
    if (mock) assert.equal((await mock.stop()).code, 0);
  });

  it("accepts any API key", async () => {
    const task = await restClient(mock.baseUrl("cognigy"), "any-api-key").readTask({ taskId: ACTIVE_ID });
    assert.deepEqual(task, fixtures.get(ACTIVE_ID));
  });

  it("still requires an API key", async () => {
    await assert.rejects(restClient(mock.baseUrl("cognigy")).readTask({ taskId: ACTIVE_ID }), UnauthorizedError);
  });
});
