// Two tabs, one order: only one may start the payment. The other says "payment in progress in
// another tab", then shows the outcome when the paying tab announces it (BroadcastChannel, or
// the shared storage where there is no BroadcastChannel). Web Locks where the browser has them,
// plain shared storage where it has not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, hostedWord } from "./harness.mjs";
import { until } from "./providers.mjs";

const suite = demoSuite();
const HOSTED = /\/sandbox\/ioka\/checkout\/orders\//;
const OTHER_TAB = "A payment for this order is in progress in another tab";

/** Takes Web Locks and BroadcastChannel away before the page's scripts run. */
async function withoutLocksAndChannels(page) {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined, configurable: true });
    delete window.BroadcastChannel;
  });
}

/** Records what this tab hears about `key`: channel messages and storage events. */
async function listen(page, key) {
  await page.addInitScript((key) => {
    window.__heard = [];
    if (window.BroadcastChannel) new BroadcastChannel(key).onmessage = (e) => window.__heard.push("message:" + e.data);
    window.addEventListener("storage", (e) => e.key === key && window.__heard.push("storage:" + (e.newValue === null ? "removed" : "set")));
  }, key);
}

async function tab(order, prepare = async () => {}) {
  const page = await suite.page();
  await prepare(page);
  await page.goto(`${suite.demo.origin}/?provider=ioka&locale=en&order=${order}`);
  await page.locator(".tolem-pay").waitFor();
  return page;
}

const payCalls = (page) => page.requests.filter((r) => r.startsWith("POST") && r.includes("/api/checkout/pay"));

async function payOnHostedPage(page) {
  await page.getByRole("button", { name: await hostedWord(page, "Pay"), exact: true }).click();
}

for (const [name, prepare, heard] of [
  ["Web Locks and BroadcastChannel", async () => {}, "message:settled"],
  ["no Web Locks, no BroadcastChannel: shared storage alone", withoutLocksAndChannels, "storage:removed"],
]) {
  test(`two tabs (${name}): the second waits for the first, then shows its outcome`, async () => {
    const order = "E2E-TABS-" + (heard.startsWith("message") ? "LOCKS" : "STORAGE");
    const key = `tolem-pay:ioka:${order}`;
    const first = await tab(order, prepare);
    const second = await tab(order, async (p) => {
      await prepare(p);
      await listen(p, key);
    });
    if (prepare === withoutLocksAndChannels) {
      assert.deepEqual(await second.evaluate(() => [typeof navigator.locks, typeof window.BroadcastChannel]), ["undefined", "undefined"]);
    }
    await first.locator(".tolem-pay").click();
    await first.waitForURL(HOSTED);
    await second.locator(".tolem-pay").click();
    await second.getByText(OTHER_TAB).waitFor();
    assert.equal(payCalls(second).length, 0, "the second tab started no payment");
    assert.match(await second.locator(".tolem-elsewhere").getAttribute("class"), /tolem-confirming/);

    await payOnHostedPage(first);
    await first.getByText("Payment successful").waitFor();
    await second.getByText("Payment successful").waitFor({ timeout: 20_000 });
    // The second tab's own (held) status request may bring the outcome first. The paying
    // tab's BroadcastChannel message comes anyway; with shared storage alone, whichever tab
    // learns the outcome first removes the claim, and the other hears no removal (there is
    // nothing left to remove): the claim being gone, below, is what holds either way.
    if (heard.startsWith("message")) {
      await until("the paying tab to announce the outcome", async () => (await second.evaluate(() => window.__heard)).includes(heard), 10_000);
    }
    const stored = await first.evaluate((k) => localStorage.getItem(k), key);
    assert.equal(stored, null, "the claim is gone once the order is paid");
    const orders = await suite.demo.iokaOrders(order);
    assert.equal(orders.length, 1);
    assert.deepEqual((await suite.demo.ledger(order)).ioka, { orders: 1, paid: 1 });
  });
}

test("two tabs: 'pay in this tab instead' takes the payment over, still one order and one payment", async () => {
  const order = "E2E-TABS-TAKEOVER";
  const first = await tab(order);
  const second = await tab(order);
  await first.locator(".tolem-pay").click();
  await first.waitForURL(HOSTED);
  // The shopper abandons the first tab on the provider's page and pays in the second.
  await second.locator(".tolem-pay").click();
  await second.getByText(OTHER_TAB).waitFor();
  await second.getByRole("button", { name: "Pay in this tab instead" }).click();
  await second.waitForURL(HOSTED);
  assert.equal(new URL(second.url()).pathname, new URL(first.url()).pathname, "the same provider order");
  await payOnHostedPage(second);
  await second.getByText("Payment successful").waitFor();
  assert.deepEqual((await suite.demo.ledger(order)).ioka, { orders: 1, paid: 1 });
  // The first tab's provider page now refuses to take the money twice.
  await first.reload();
  await first.getByText(await hostedWord(first, "This payment has already been made.")).waitFor();
  assert.deepEqual((await suite.demo.ledger(order)).ioka, { orders: 1, paid: 1 });
});

test("a lapsed claim (a tab that never came back) does not block the order", async () => {
  const order = "E2E-TABS-LAPSED";
  const page = await tab(order);
  // A claim written 16 minutes ago by a tab that is gone.
  await page.evaluate((k) => localStorage.setItem(k, `gone ${Date.now() - 16 * 60 * 1000}`), `tolem-pay:ioka:${order}`);
  await page.locator(".tolem-pay").click();
  await page.waitForURL(HOSTED);
  const fresh = await tab(order);
  await fresh.locator(".tolem-pay").click();
  await fresh.getByText(OTHER_TAB).waitFor();
});

test("the idempotency key travels: widget → backend → provider, and a reload keeps it", async () => {
  const keys = (page) => page.__bodies.filter((b) => b.url.includes("/api/checkout/start")).map((b) => JSON.parse(b.body).idempotencyKey);
  const capture = async (page) => {
    page.__bodies = [];
    page.on("request", (r) => r.method() === "POST" && page.__bodies.push({ url: r.url(), body: r.postData() || "" }));
  };
  // ioka: the key rides in the order's extra_info; the order's external_id is the merchant order.
  const ioka = await tab("E2E-KEY-IOKA", capture);
  const [key] = keys(ioka);
  assert.match(key, /^[0-9a-f-]{36}$/, "a v4 UUID from crypto");
  const [order] = await suite.demo.iokaOrders("E2E-KEY-IOKA");
  assert.equal(order.external_id, "E2E-KEY-IOKA");
  assert.equal(order.extra_info?.tolem_idempotency_key, key);
  await ioka.locator(".tolem-pay").click();
  await ioka.waitForURL(HOSTED);
  await ioka.goBack();
  await ioka.locator(".tolem-checkout").waitFor();
  const journal = await ioka.evaluate(() => Object.entries(sessionStorage).filter(([k]) => k.startsWith("tolem:")).map(([, v]) => JSON.parse(v)));
  assert.equal(journal.length, 1);
  assert.equal(journal[0].idempotencyKey, key, "the journal keeps the same key across the round trip");

  // Paytone: the key rides in the invoice's metadata; reference_id is the merchant order.
  const paytone = await suite.page();
  await capture(paytone);
  await paytone.goto(`${suite.demo.origin}/?provider=paytone&locale=en&order=E2E-KEY-PT`);
  await paytone.locator(".tolem-pay").click();
  await paytone.waitForURL(/\/sandbox\/paytone\/hpp\/\?cpi=/);
  const [ptKey] = keys(paytone);
  const cpi = new URL(paytone.url()).searchParams.get("cpi");
  const creds = (await suite.demo.json("/sandbox/credentials.json")).body.paytone;
  const basic = Buffer.from(`${creds.accountId}:${creds.apiKey}`).toString("base64");
  const r = await fetch(`${creds.privateApiBase}/payment-invoices/${cpi}`, { headers: { authorization: `Basic ${basic}` } });
  const invoice = (await r.json()).data.attributes;
  assert.equal(invoice.reference_id, "E2E-KEY-PT");
  assert.equal(invoice.metadata?.tolem_idempotency_key, ptKey);
});
