// Starts the taskmock binary for the client tests and stops it again.
//
//   const server = await startTaskmock({ env: { TASKMOCK_ORKES_CREDENTIAL: "t" } });
//   server.baseUrl("orkes")   // -> "http://127.0.0.1:PORT/orkes"
//   await server.stop();      // SIGTERM, resolves with { code, signal, stdout, stderr }
//
// The binary comes from TASKMOCK_BIN. It runs with `--port 0 --quiet`, so the
// kernel picks the port; the helper learns it from the ready line that taskmock
// prints on stdout once it listens:
//
//   taskmock 0.1.0 listening on http://127.0.0.1:PORT
//     orkes       http://127.0.0.1:PORT/orkes  (9 fixtures; GET /api/tasks/{taskId})
//
// Nothing here sleeps: start resolves on that line, and rejects if the process
// exits (or cannot be spawned) first, or if the line has not come within
// `readyTimeoutMs`.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const READY_LINE = /^taskmock \S+ listening on (https?:\/\/\S+?)\/?$/;
const MOUNT_LINE = /^\s+(\S+)\s+(https?:\/\/\S+)\s+\(/;

export function taskmockBinary() {
  const bin = process.env.TASKMOCK_BIN;
  if (!bin) {
    throw new Error("TASKMOCK_BIN is not set: run the tests through tests/clients/run <path-to-taskmock>");
  }
  return bin;
}

/**
 * Spawns taskmock and waits until it listens.
 *
 * @param {object} [options]
 * @param {Record<string, string>} [options.env] variables added to the server's
 *   environment (credentials). Any TASKMOCK_* variable inherited from the test
 *   process is dropped first, so only what a test passes configures the server.
 * @param {string[]} [options.args] extra command-line arguments.
 * @param {number} [options.readyTimeoutMs] how long to wait for the ready line.
 * @param {number} [options.stopTimeoutMs] how long stop() waits after SIGTERM
 *   before it kills the process and rejects.
 */
export function startTaskmock({ env = {}, args = [], readyTimeoutMs = 10_000, stopTimeoutMs = 10_000 } = {}) {
  const bin = taskmockBinary();
  const childEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("TASKMOCK_")) childEnv[name] = value;
  }
  Object.assign(childEnv, env);

  const child = spawn(bin, ["--port", "0", "--quiet", ...args], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });

  let stdout = "";
  let stderr = "";
  let origin;
  const mounts = new Map();

  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  // 'close' comes after 'exit' once stdout and stderr are drained too.
  const closed = new Promise((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
  });

  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new Error(`taskmock printed no ready line within ${readyTimeoutMs} ms`));
      child.kill("SIGKILL");
    }, readyTimeoutMs);

    function fail(error) {
      clearTimeout(timer);
      error.stdout = stdout;
      error.stderr = stderr;
      reject(error);
    }

    child.once("error", (error) => fail(new Error(`cannot start taskmock (${bin}): ${error.message}`)));
    exited.then(({ code, signal }) => {
      if (origin === undefined) {
        fail(new Error(`taskmock exited (code ${code}, signal ${signal}) before it listened; stderr: ${stderr.trim()}`));
      }
    });

    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on("line", (line) => {
      stdout += `${line}\n`;
      const readyMatch = READY_LINE.exec(line);
      if (readyMatch && origin === undefined) {
        origin = readyMatch[1];
        clearTimeout(timer);
        resolve();
        return;
      }
      const mountMatch = MOUNT_LINE.exec(line);
      if (mountMatch) mounts.set(mountMatch[1], mountMatch[2].replace(/\/$/, ""));
    });
  });

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
      }
      let timer;
      const timedOut = new Promise((_, reject) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`taskmock did not stop within ${stopTimeoutMs} ms of SIGTERM`));
        }, stopTimeoutMs);
      });
      try {
        const { code, signal } = await Promise.race([closed, timedOut]);
        return { code, signal, stdout, stderr };
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  return ready.then(
    () => ({
      /** The server's origin, e.g. http://127.0.0.1:41269 */
      origin,
      /** Where a variant is mounted, as the server announced it (e.g. .../orkes). */
      baseUrl(variant) {
        // Each variant is mounted under /<name>; the announcement lines follow
        // the ready line and normally arrive with it.
        return mounts.get(variant) ?? `${origin}/${variant}`;
      },
      pid: child.pid,
      stop,
    }),
    async (error) => {
      await stop().catch(() => {});
      throw error;
    },
  );
}
