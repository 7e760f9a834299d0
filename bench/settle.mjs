// `make bench`, settle: from the provider's notification reaching the backend to `tolem:status`
// in the shopper's page, with real processes: the release demo (backend and sandbox, over
// loopback HTTP), Chromium, the widget from dist/. Each run is one ioka payment: the shopper
// pays on the sandbox's hosted page and comes back while the payment still looks pending to
// the backend (the notification is held back and every provider read fails), so the page waits.
// A few seconds later the held notification is delivered to the backend; the time from sending
// it to the page's `tolem:status` event is the figure.
//
// Two ways of waiting, alternating, in the same run: the long poll (`GET /status?wait=25`, the
// widget as shipped) and the widget's polling schedule, which it keeps for a backend that
// answers at once (every status request here has its `wait` rewritten to 0).
import { startDemo } from "../e2e/harness.mjs";
import { PROVIDERS, onHostedPage, sees, toHostedPage, until } from "../e2e/providers.mjs";
import { join } from "node:path";
import { launchChromium, median, percentile, root, writeResult } from "./common.mjs";

const RUNS = Number(process.env.BENCH_SETTLE_RUNS || 15);
/** How long after the shopper is back the provider's notification arrives. */
const SETTLES_AFTER_MS = 3000;

process.env.TOLEM_DEMO_BINARY ||= join(root, "target/release/tolem-demo");
const demo = await startDemo({ TOLEM_RATE_LIMIT_PER_MINUTE: "0" });
const browser = await launchChromium();

async function once(mode, i) {
  const order = `SETTLE-${mode}-${i}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const statusRequests = [];
  await page.route("**/api/checkout/status?**", (route) => {
    const url = route.request().url();
    statusRequests.push(url);
    return route.continue(mode === "polling" ? { url: url.replace(/([?&])wait=\d+/, "$1wait=0") } : undefined);
  });
  await page.addInitScript(() => {
    document.addEventListener("tolem:status", (e) => {
      if (e.detail && e.detail.status === "paid" && window.__paidAt === undefined) window.__paidAt = Date.now();
    }, true);
  });
  await page.goto(`${demo.origin}/?provider=ioka&locale=en&order=${order}`);
  await toHostedPage(page, "ioka");
  const logged = (await demo.deliveries("ioka")).length;
  await demo.fault({ provider: "ioka", webhook: "drop" });
  await demo.fault({ provider: "ioka", ...PROVIDERS.ioka.statusRead, status: 503 });
  await onHostedPage(page, "ioka", "Pay");
  await sees(page, "confirming");
  const back = Date.now();
  const held = await until("the provider's notification", async () => {
    const log = (await demo.deliveries("ioka")).slice(logged).filter((d) => d.status === null);
    return log.length ? log : null;
  });
  await new Promise((r) => setTimeout(r, Math.max(0, back + SETTLES_AFTER_MS - Date.now())));
  const requestsBefore = statusRequests.length;
  const sentAt = Date.now();
  for (const d of held) {
    const r = await fetch(d.url, { method: d.method, headers: d.headers, body: d.body ?? undefined });
    if (!r.ok) throw new Error(`the backend refused the notification: ${r.status} ${await r.text()}`);
  }
  await page.waitForFunction(() => window.__paidAt !== undefined, null, { timeout: 60_000, polling: 20 });
  const paidAt = await page.evaluate(() => window.__paidAt);
  await demo.clearFaults();
  await context.close();
  return { ms: paidAt - sentAt, statusRequests: requestsBefore };
}

const samples = { longPoll: [], polling: [] };
try {
  await once("longPoll", "warm-up");
  for (let i = 0; i < RUNS; i++) {
    for (const mode of i % 2 ? ["polling", "longPoll"] : ["longPoll", "polling"]) samples[mode].push(await once(mode, i));
  }
} finally {
  await browser.close();
  await demo.stop();
}

const figures = (list) => ({
  p50Ms: median(list.map((s) => s.ms)),
  p95Ms: percentile(list.map((s) => s.ms), 0.95),
  maxMs: Math.max(...list.map((s) => s.ms)),
  statusRequestsBeforeSettling: median(list.map((s) => s.statusRequests)),
});
const result = { runs: RUNS, settlesAfterMs: SETTLES_AFTER_MS, longPoll: figures(samples.longPoll), polling: figures(samples.polling) };
result.ratioP50 = result.longPoll.p50Ms / result.polling.p50Ms;
console.log(`settle: notification at the backend → tolem:status in the page, ${RUNS} payments each, settling ${SETTLES_AFTER_MS / 1000} s after the shopper is back`);
for (const mode of ["longPoll", "polling"]) {
  const f = result[mode];
  console.log(`${mode.padEnd(9)} p50 ${f.p50Ms.toFixed(0).padStart(6)} ms  p95 ${f.p95Ms.toFixed(0).padStart(6)} ms  max ${f.maxMs.toFixed(0).padStart(6)} ms  status requests before settling (median) ${f.statusRequestsBeforeSettling}`);
}
console.log(`long poll / polling, p50: ${result.ratioP50.toFixed(2)}×`);
writeResult("settle", result);
