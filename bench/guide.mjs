// `make bench`, guide: Tolem's backend next to what a merchant would write instead, ioka's own
// merchant-backend guide (bench/guide/app.py: Flask and requests, four ioka calls one after
// another) served by gunicorn from PyPI, both against the same sandbox (the release demo
// process), in the same run. The unit is one order made ready to pay, as each needs it:
//   Tolem  the shop's server makes the checkout session (POST /sessions, which prices it), then
//          the widget's POST /start: a new ioka order at the sandbox;
//   guide  the widget's POST /startPaymentWithSavedCard: the customer looked up (one of 20
//          shoppers, created on first use), the order looked up, then created at the sandbox.
// A closed loop of N connections (1, 8, 32, 64) for BENCH_SECONDS each (default 5) makes orders
// back to back; the figures are orders per second and the latency of one order (p50, p99).
// The driver, the servers and the sandbox share this machine's cores.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { API_KEY, MERCHANT_KEY, freePort, startDemo } from "../e2e/harness.mjs";
import { percentile, results, root, writeResult } from "./common.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS || 5);
const LEVELS = (process.env.BENCH_CONCURRENCY || "1 8 32 64").split(/\s+/).filter(Boolean).map(Number);
/** Sessions made before each Tolem level: more than it gets through. */
const SESSIONS_PER_LEVEL = Number(process.env.BENCH_GUIDE_SESSIONS || 600 * SECONDS);
const WORKERS = 2 * Number(execFileSync("nproc", { encoding: "utf8" }).trim()) + 1; // gunicorn's advice

// gunicorn, Flask and requests from PyPI, pinned (bench/guide/requirements.txt), in a venv.
const venv = join(results, "..", "bench-venv");
if (!existsSync(join(venv, "bin", "gunicorn"))) {
  console.error("guide: installing Flask, requests and gunicorn from PyPI into target/bench-venv");
  execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  execFileSync(join(venv, "bin", "pip"), ["install", "-q", "-r", join(root, "bench/guide/requirements.txt")], { stdio: "inherit" });
}
const versions = execFileSync(join(venv, "bin", "python"), ["-c",
  "import sys; from importlib.metadata import version as v; print(f'Python {sys.version.split()[0]}, Flask {v(\"flask\")}, requests {v(\"requests\")}, gunicorn {v(\"gunicorn\")}')"],
{ encoding: "utf8" }).trim();

process.env.TOLEM_DEMO_BINARY ||= join(root, "target/release/tolem-demo");
const demo = await startDemo({ TOLEM_RATE_LIMIT_PER_MINUTE: "0" });
const guidePort = await freePort();
const guideOrigin = `http://127.0.0.1:${guidePort}`;
const gunicorn = spawn(join(venv, "bin", "gunicorn"), [
  "--workers", String(WORKERS), "--bind", `127.0.0.1:${guidePort}`, "--chdir", join(root, "bench/guide"),
  "--log-level", "warning", "app:app",
], { env: { ...process.env, IOKA_API_URL: `${demo.origin}/sandbox/ioka`, IOKA_API_KEY: API_KEY }, stdio: ["ignore", "inherit", "inherit"] });

/** One JSON POST over a kept-alive connection: [status, parsed body]. */
function post(agent, origin, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(`${origin}${path}`, {
      method: "POST", agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data), ...headers },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve([res.statusCode, JSON.parse(Buffer.concat(chunks).toString() || "null")]);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("error", reject);
    req.end(data);
  });
}

let serial = 0;
/** Checkout sessions made ahead, one per Tolem order: what the shop's server does first. */
const sessions = [];
let sessionsShort = 0;
async function makeSession(agent) {
  const id = `GUIDE-T-${process.pid}-${++serial}`;
  const [status, session] = await post(agent, demo.origin, "/api/checkout/sessions",
    { order: { id, amount: 1500000, currency: "KZT" }, returnUrl: `${demo.origin}/` },
    { authorization: `Bearer ${MERCHANT_KEY}` });
  if (status !== 200 && status !== 201) throw new Error(`sessions answered ${status}`);
  return { id, secret: session.clientSecret };
}
async function prepareSessions(count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (sessions.length < count) sessions.push(await makeSession(agent));
  }));
  agent.destroy();
}

/** One order made ready to pay; true when it worked. */
const orderOf = {
  async tolem(agent) {
    let session = sessions.pop();
    if (!session) {
      // ran out: made here, and counted (its time is in the level's elapsed time, not in the latency)
      sessionsShort += 1;
      session = await makeSession(agent);
    }
    const [status, started] = await post(agent, demo.origin, "/api/checkout/start",
      { provider: "ioka", clientSecret: session.secret, idempotencyKey: `k-${session.id}` });
    return status === 200 && typeof started.attemptId === "string";
  },
  async guide(agent) {
    const n = ++serial;
    const [status, tokens] = await post(agent, guideOrigin, "/startPaymentWithSavedCard", {
      customer_external_id: `shopper-${n % 20}`, email: `shopper${n % 20}@example.kz`, phone: "+77010000001",
      order_external_id: `GUIDE-G-${process.pid}-${n}`, amount: 1500000,
    });
    return status === 200 && typeof tokens.order_access_token === "string";
  },
};

async function level(name, connections) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  if (name === "tolem") await prepareSessions(SESSIONS_PER_LEVEL);
  sessionsShort = 0;
  const latencies = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const short = sessionsShort;
      const ok = await orderOf[name](agent).catch(() => false);
      // an order whose session had to be made here is not timed
      if (ok && short === sessionsShort) latencies.push(performance.now() - t);
      else if (!ok) errors += 1;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    name, connections, ordersPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), errors,
    sessionsMadeInline: name === "tolem" ? sessionsShort : 0,
  };
}

const rows = [];
try {
  for (let i = 0; i < 100; i++) {
    if (await fetch(guideOrigin + "/").then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await level("guide", 1); // warm-up: first customers, connection pools
  await level("tolem", 1);
  for (const connections of LEVELS) {
    for (const name of ["tolem", "guide"]) rows.push(await level(name, connections));
  }
} finally {
  gunicorn.kill();
  await demo.stop();
}

console.log(`guide: orders made ready to pay, ${SECONDS} s per level; ioka's guide on gunicorn (${WORKERS} sync workers; ${versions})`);
console.log(`${"connections".padStart(11)} ${"".padEnd(6)} ${"orders/s".padStart(9)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"errors".padStart(7)}`);
for (const r of rows) {
  const note = r.sessionsMadeInline ? `  (${r.sessionsMadeInline} sessions ran short and were made inline, untimed)` : "";
  console.log(`${String(r.connections).padStart(11)} ${r.name.padEnd(6)} ${r.ordersPerSecond.toFixed(0).padStart(9)} ${r.p50Ms.toFixed(1).padStart(8)} ${r.p99Ms.toFixed(1).padStart(8)} ${String(r.errors).padStart(7)}${note}`);
}
const ratios = LEVELS.map((c) => {
  const t = rows.find((r) => r.name === "tolem" && r.connections === c);
  const g = rows.find((r) => r.name === "guide" && r.connections === c);
  return { connections: c, throughput: t.ordersPerSecond / g.ordersPerSecond, p99: t.p99Ms / g.p99Ms };
});
for (const r of ratios) console.log(`${String(r.connections).padStart(11)} Tolem / guide: ${r.throughput.toFixed(2)}× orders/s, ${r.p99.toFixed(2)}× p99`);
writeResult("guide", { seconds: SECONDS, workers: WORKERS, versions, rows, ratios });
