// Starts the real demo process (backend + sandbox + storefront) on a free loopback port and
// a headless Debian Chromium driven by playwright-core. Everything stops by itself.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, readFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { before, after, afterEach } from "node:test";
import assert from "node:assert/strict";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const API_KEY = "shp_TOLEMDEMO1_test_private_sandbox0000000000000001";
export const ADMIN_TOKEN = "tolem-demo-admin-token";
export const PUBLIC_KEY = "shp_TOLEMDEMO1_test_public_sandbox0000000000000001";
/** The demo backend's merchant key: the shop's server makes checkout sessions with it. */
export const MERCHANT_KEY = "tolem-demo-merchant-key";

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startDemo(extraEnv = {}) {
  const binary = process.env.TOLEM_DEMO_BINARY || join(root, "target/debug/tolem-demo");
  for (const need of [binary, join(root, "dist/tolem_bg.wasm"), join(root, "dist/tolem.js")]) {
    if (!existsSync(need)) throw new Error(`missing ${need}: run make test (it builds everything first)`);
  }
  const port = await freePort();
  const cdnPort = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "tolem-e2e-"));
  const logs = [];
  const origin = `http://127.0.0.1:${port}`;
  let child;
  // One demo process; `restart` starts another on the same port and state folder.
  async function launch() {
    child = spawn(binary, [], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        TOLEM_STATE_DIR: stateDir,
        TOLEM_STOREFRONT_DIR: join(root, "demo"),
        TOLEM_EMBED_DIR: join(root, "demo/embed"),
        TOLEM_WIDGET_DIR: join(root, "dist"),
        TOLEM_CDN_PORT: String(cdnPort),
        TOLEM_DEMO_MAX_SECONDS: "900",
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d) => logs.push(String(d)));
    child.stderr.on("data", (d) => logs.push(String(d)));
    let up = false;
    for (let i = 0; i < 200 && !up; i++) {
      if (child.exitCode !== null) break;
      try {
        up = (await fetch(`${origin}/api/checkout/health`)).ok;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!up) {
      child.kill("SIGKILL");
      throw new Error("demo did not start:\n" + logs.join(""));
    }
  }
  // Stops the process; a graceful stop that takes over 5 s (a connection held open) is cut short.
  async function halt(signal) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    const late = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(late);
  }
  await launch();
  return {
    origin,
    port,
    /** The CDN-like second origin serving the widget files at /tolem/. */
    cdnOrigin: `http://127.0.0.1:${cdnPort}`,
    logs,
    async stop() {
      await halt("SIGTERM");
      rmSync(stateDir, { recursive: true, force: true });
    },
    /** Kills the process (no graceful stop) and, after `downMs`, starts a new one on the same state. */
    async restart(downMs = 0) {
      await halt("SIGKILL");
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    /** What the sandbox holds for a merchant order: `{ioka: {orders, paid}, bereke: …}`. */
    async ledger(order) {
      return (await this.json(`/sandbox/_control/ledger?order=${encodeURIComponent(order)}`)).body;
    },
    async json(path, init = {}) {
      const r = await fetch(origin + path, init);
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    /**
     * A checkout session as the demo's shop server makes it (it prices the cart: one tea is
     * 15 000 ₸, `quantity` of them more): `{clientSecret, orderId, amount, currency}`.
     */
    async session(orderId, { quantity = 1, items, providers, returnUrl = `${origin}/embed/blank.html` } = {}) {
      const r = await this.json("/shop/checkout", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId, items: items || [{ productId: 1, quantity }], providers, returnUrl }),
      });
      if (r.status !== 200) throw new Error(`session for ${orderId}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    /** `POST /api/checkout/sessions` with a body and a key (or none): `{status, body}`. */
    async createSession(body, key = MERCHANT_KEY) {
      const headers = { "content-type": "application/json", ...(key ? { authorization: "Bearer " + key } : {}) };
      return this.json("/api/checkout/sessions", { method: "POST", headers, body: JSON.stringify(body) });
    },
    async iokaOrders(externalId) {
      const r = await this.json(`/sandbox/ioka/v2/orders?external_id=${encodeURIComponent(externalId)}`, { headers: { "API-KEY": API_KEY } });
      return r.body;
    },
    async fault(rule) {
      const r = await fetch(origin + "/sandbox/_control/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
      if (r.status !== 201) throw new Error("fault rejected: " + (await r.text()));
    },
    /** Webhook deliveries (with method, url, body and headers), optionally of one provider. */
    async deliveries(provider) {
      const r = await this.json("/sandbox/_control/webhooks");
      return r.body.filter((d) => !provider || d.provider === provider);
    },
    async admin(action, attemptId) {
      return this.json(`/api/checkout/admin/${action}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer " + ADMIN_TOKEN },
        body: JSON.stringify({ attemptId }),
      });
    },
    async clearFaults() {
      await fetch(origin + "/sandbox/_control/faults", { method: "DELETE" });
    },
  };
}

/** The policy docs/architecture.md and the README give merchants, word for word. */
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'";

/**
 * Records every `securitypolicyviolation` on every document the page loads (before the page's
 * own scripts run), into `page.cspViolations`.
 */
export async function watchCsp(page) {
  page.cspViolations = [];
  await page.exposeBinding("__tolemCspViolation", (_source, v) => page.cspViolations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__tolemCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

export async function startBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "tolem-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      page.problems = [];
      page.on("pageerror", (e) => page.problems.push("pageerror: " + e.message));
      // Chromium logs every non-2xx fetch as "Failed to load resource": that is the browser
      // reporting an injected fault, not the widget failing. Keep those apart.
      page.networkNoise = [];
      page.on("console", (m) => {
        if (m.type() !== "error") return;
        if (m.text().startsWith("Failed to load resource")) page.networkNoise.push(m.text());
        else page.problems.push("console: " + m.text());
      });
      page.requests = [];
      page.on("request", (r) => page.requests.push(r.method() + " " + r.url()));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/// One demo process and one browser for a test file: started before its tests, stopped after
/// them. After each test the sandbox's faults are cleared, and every page the test opened with
/// `page()` must have logged no page or console errors; then it is closed.
export function demoSuite(extraEnv = {}) {
  const suite = { demo: null, browser: null, pages: [] };
  before(async () => {
    suite.demo = await startDemo(extraEnv);
    suite.browser = await startBrowser();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.demo?.stop();
  });
  afterEach(async () => {
    await suite.demo.clearFaults();
    for (const p of suite.pages.splice(0)) {
      assert.deepEqual(p.problems, [], "no page errors or console errors");
      await p.close();
    }
  });
  suite.page = async () => {
    const page = await suite.browser.page();
    suite.pages.push(page);
    return page;
  };
  return suite;
}

/** A catalogue of `crates/i18n/locales/<locale>/<domain>.txt` as the code reads it (`key = text`). */
export function catalogue(locale, domain) {
  const text = readFileSync(join(root, `crates/i18n/locales/${locale}/${domain}.txt`), "utf8");
  const out = {};
  for (const line of text.split("\n")) {
    const m = line.match(/^\s*([a-z0-9_.]+)\s*=\s*(.*?)\s*$/);
    if (m && !line.trim().startsWith("#")) out[m[1]] = m[2];
  }
  return out;
}

/**
 * A hosted page's own word for an English one: `"Pay"` is "Оплатить" on a Russian page. The
 * sandbox's pages speak the shopper's language, so tests name their labels and buttons this way.
 */
export async function hostedWord(page, english) {
  const en = catalogue("en", "hosted");
  const key = Object.keys(en).find((k) => en[k] === english);
  if (!key) throw new Error(`no hosted-page text ${JSON.stringify(english)} in en/hosted.txt`);
  const lang = await page.evaluate(() => document.documentElement.lang);
  return catalogue(lang, "hosted")[key];
}

/**
 * A TCP relay from a loopback port to `relay.targetPort` (set it before the first connection)
 * that can be closed, so that new connections are refused and open ones cut, then opened
 * again on the same port.
 */
export async function startRelay() {
  const port = await freePort();
  const relay = { targetPort: 0 };
  const sockets = new Set();
  let server = null;
  const open = () =>
    new Promise((resolve, reject) => {
      server = createServer((inbound) => {
        const outbound = connect(relay.targetPort, "127.0.0.1");
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {});
        }
        inbound.pipe(outbound);
        outbound.pipe(inbound);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
  await open();
  return Object.assign(relay, {
    origin: `http://127.0.0.1:${port}`,
    /** Stops listening and cuts every open connection: connects are refused from now on. */
    async close() {
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
    open,
  });
}
