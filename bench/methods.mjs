// `make bench`, time to methods: from the merchant's page calling mount to the payment methods
// being on screen and usable, in headless Chromium on loopback, for Tolem and for Adyen Web's
// Drop-in, with the backend answering after 0, 50 and 150 ms, and once more on an emulated slow
// mobile link (Chromium's network emulation: 150 ms round trip, 1.6 Mbit/s down, 0.75 Mbit/s
// up), where the bytes count. Files are served brotli-compressed (quality 11), as a CDN
// serves them. Each page is written as its vendor's docs say: Tolem's names the wasm in a
// preload link (README, Embed). Both pages get their methods from the same loopback server, which answers after a
// fixed delay: Tolem's `POST /start` (a recorded answer), and for Adyen the merchant's own
// `/paymentMethods` proxy returning a static `paymentMethodsResponse`. Nothing leaves loopback:
// Chromium resolves no other host, and no request is intercepted (interception would add the
// driver's round trip to every request timed). Tolem is done when its method radio is laid out and its Pay
// button enabled. Adyen's card fields and Pay button wait for iframes from Adyen's servers,
// which cannot load here, so Adyen is done when its method list is laid out: a lower bound for
// Adyen, which favours it.
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants as zlib } from "node:zlib";
import { createServer } from "node:http";
import { basename } from "node:path";
import { buildAdyen, launchChromium, median, percentile, tolemFiles, writeResult } from "./common.mjs";

const RUNS = Number(process.env.BENCH_RUNS || 25);
/** What each condition changes: the backend's delay, and the link's emulation when not loopback. */
const CONDITIONS = [
  { name: "0", delayMs: 0 },
  { name: "50", delayMs: 50 },
  { name: "150", delayMs: 150 },
  {
    name: "mobile",
    delayMs: 50,
    // Chromium's throughput is in bytes per second; latency is the added round trip.
    network: { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (0.75e6 / 8) },
  },
];

// The order it is for is the one the page mounts (the widget refuses an answer about another).
const startAnswer = {
  attemptId: "att_bench0000000001",
  orderId: "A-1001",
  amount: 1500000,
  currency: "KZT",
  status: "pending",
  methods: [{ id: "card", kind: "card", label: "Bank card" }],
};
const paymentMethodsResponse = {
  paymentMethods: [{ type: "scheme", name: "Cards", brands: ["visa", "mc"] }],
};

// One readiness probe for both pages: a MutationObserver notes the first moment the methods
// are laid out and the pay button is enabled. `performance.now()` counts from navigation.
const probe = (methods, pay) => `
  window.__bench = { mountAt: null, readyAt: null };
  (() => {
    const ready = () => {
      const m = document.querySelector(${JSON.stringify(methods)});
      const b = ${pay ? `document.querySelector(${JSON.stringify(pay)})` : "m"};
      return m && m.getClientRects().length > 0 && b && !b.disabled && b.getClientRects().length > 0;
    };
    const observer = new MutationObserver(() => {
      if (window.__bench.readyAt === null && ready()) { window.__bench.readyAt = performance.now(); observer.disconnect(); }
    });
    observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true });
  })();`;

const pages = {
  tolem: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tolem</title>
<link rel="stylesheet" href="/tolem/tolem.css">
<link rel="preload" href="/tolem/tolem_bg.wasm" as="fetch" type="application/wasm" crossorigin>
<script>${probe(".tolem-radio", "button.tolem-pay")}</script>
<script src="/tolem/tolem.js"></script></head><body><div id="checkout"></div><script>
  window.__bench.mountAt = performance.now();
  Tolem.mount("#checkout", {
    provider: "bereke", backendUrl: "/api/checkout", locale: "en",
    clientSecret: "cs_00c0ffee00c0ffee_secret_0123456789abcdef0123456789abcdef",
    order: { id: "A-1001", amount: 1500000, currency: "KZT", description: "Order A-1001" },
    customer: { id: "u-42", email: "shopper@example.kz" },
  });
</script></body></html>`,
  adyen: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Adyen</title>
<link rel="stylesheet" href="/adyen/adyen.css"><script>${probe(".adyen-checkout__payment-method__header", null)}</script>
<script src="/adyen/adyen.js"></script></head><body><div id="dropin"></div><script>
  window.__bench.mountAt = performance.now();
  (async () => {
    const response = await fetch("/api/paymentMethods", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const paymentMethodsResponse = await response.json();
    const { AdyenCheckout, Dropin, Card } = window.AdyenBench;
    const checkout = await AdyenCheckout({
      environment: "test", clientKey: "test_BENCHMARK0000000000000000000000", locale: "en-US", countryCode: "KZ",
      amount: { value: 1500000, currency: "KZT" }, paymentMethodsResponse, analytics: { enabled: false },
      onSubmit: () => {}, onAdditionalDetails: () => {},
    });
    new Dropin(checkout, { paymentMethodComponents: [Card] }).mount("#dropin");
  })();
</script></body></html>`,
};

const adyen = await buildAdyen();
const files = new Map();
for (const f of tolemFiles) files.set(`/tolem/${basename(f)}`, f);
files.set("/adyen/adyen.js", adyen.js);
files.set("/adyen/adyen.css", adyen.css);
const types = { ".wasm": "application/wasm", ".js": "text/javascript", ".css": "text/css" };
const compressed = new Map();
for (const [path, file] of files) {
  compressed.set(path, brotliCompressSync(readFileSync(file), { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }));
}

let delayMs = 0;
const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  const answer = (body) => setTimeout(() => {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  }, delayMs);
  if (req.method === "POST" && path === "/api/checkout/start") return req.resume().on("end", () => answer(startAnswer));
  if (req.method === "POST" && path === "/api/paymentMethods") return req.resume().on("end", () => answer(paymentMethodsResponse));
  if (path === "/tolem.html" || path === "/adyen.html") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    return res.end(pages[path.slice(1, -5)]);
  }
  const file = files.get(path);
  if (!file) {
    res.writeHead(404);
    return res.end();
  }
  const headers = { "content-type": types[path.slice(path.lastIndexOf("."))], "cache-control": "no-store" };
  if (/\bbr\b/.test(req.headers["accept-encoding"] || "")) {
    res.writeHead(200, { ...headers, "content-encoding": "br", vary: "accept-encoding" });
    return res.end(compressed.get(path));
  }
  res.writeHead(200, headers);
  res.end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
server.unref();

const browser = await launchChromium({ loopbackOnly: true });
/** One cold run: a fresh browser context (empty cache), the page, until the methods are usable. */
async function runOnce(widget, network) {
  const context = await browser.newContext();
  // Chromium resolves no other host (launchChromium's loopbackOnly); the failures are only
  // noted here, without intercepting anything.
  const refused = new Set();
  context.on("requestfailed", (request) => {
    const url = request.url();
    if (!url.startsWith(origin + "/")) refused.add(new URL(url).host);
  });
  const page = await context.newPage();
  if (network) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", network);
  }
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
  await page.goto(`${origin}/${widget}.html`);
  try {
    await page.waitForFunction(() => window.__bench.readyAt !== null, null, { timeout: 60_000, polling: 50 });
  } catch (e) {
    const body = await page.evaluate(() => document.body.innerHTML.slice(0, 2000));
    throw new Error(`${widget}: the methods never became usable (${e.message}); errors: ${errors.join("; ") || "none"}; page: ${body}`);
  }
  const { mountAt, readyAt } = await page.evaluate(() => window.__bench);
  await context.close();
  if (errors.length) throw new Error(`${widget}: ${errors.join("; ")}`);
  return { fromMount: readyAt - mountAt, fromNavigation: readyAt, refused: [...refused] };
}

const results = { runs: RUNS, delays: {} };
try {
  for (const condition of CONDITIONS) {
    delayMs = condition.delayMs;
    const run = (widget) => runOnce(widget, condition.network);
    await run("tolem");
    await run("adyen"); // warm-up: the browser's own start-up costs, not counted
    const samples = { tolem: [], adyen: [] };
    const refused = { tolem: new Set(), adyen: new Set() };
    for (let i = 0; i < RUNS; i++) {
      // alternate, so a noisy moment costs both alike
      for (const widget of i % 2 ? ["adyen", "tolem"] : ["tolem", "adyen"]) {
        const r = await run(widget);
        samples[widget].push(r);
        r.refused.forEach((h) => refused[widget].add(h));
      }
    }
    const figures = (list) => ({
      medianFromMount: median(list.map((r) => r.fromMount)),
      p90FromMount: percentile(list.map((r) => r.fromMount), 0.9),
      medianFromNavigation: median(list.map((r) => r.fromNavigation)),
    });
    const tolem = figures(samples.tolem);
    const adyenFigures = figures(samples.adyen);
    results.delays[condition.name] = {
      tolem, adyen: adyenFigures,
      ratio: tolem.medianFromMount / adyenFigures.medianFromMount,
      ratioFromNavigation: tolem.medianFromNavigation / adyenFigures.medianFromNavigation,
      refused: { tolem: [...refused.tolem], adyen: [...refused.adyen] },
    };
  }
} finally {
  await browser.close();
  server.close();
}

console.log(`time to methods: median of ${RUNS} cold runs each, headless Chromium, loopback ("mobile": 50 ms backend, 150 ms RTT, 1.6/0.75 Mbit/s)`);
console.log(`${"backend delay".padEnd(14)} ${"".padEnd(6)} ${"mount→usable".padStart(13)} ${"p90".padStart(8)} ${"page→usable".padStart(12)}`);
for (const [delay, r] of Object.entries(results.delays)) {
  for (const name of ["tolem", "adyen"]) {
    const f = r[name];
    console.log(`${(delay === "mobile" ? delay : delay + " ms").padEnd(14)} ${name.padEnd(6)} ${f.medianFromMount.toFixed(1).padStart(10)} ms ${f.p90FromMount.toFixed(1).padStart(5)} ms ${f.medianFromNavigation.toFixed(1).padStart(9)} ms`);
  }
  console.log(`${"".padEnd(14)} Tolem / Adyen: ${r.ratio.toFixed(2)}× from mount, ${r.ratioFromNavigation.toFixed(2)}× from navigation; refused off-loopback: ${r.refused.adyen.join(", ") || "none"} (Adyen), ${r.refused.tolem.join(", ") || "none"} (Tolem)`);
}
writeResult("methods", results);
