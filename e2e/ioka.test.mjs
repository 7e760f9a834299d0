// ioka end to end: real demo process, real Chromium, the sandbox's hosted page.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startDemo, startBrowser, hostedWord } from "./harness.mjs";

let demo, browser;
const pages = [];
before(async () => {
  demo = await startDemo();
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});
afterEach(async () => {
  await demo.clearFaults();
  for (const p of pages.splice(0)) {
    assert.deepEqual(p.problems, [], "no page errors or console errors");
    await p.close();
  }
});

async function open(path) {
  const page = await browser.page();
  pages.push(page);
  await page.goto(demo.origin + path);
  return page;
}

async function payOnSandbox(page, button) {
  const pay = page.locator(".tolem-pay");
  await pay.waitFor();
  await pay.click();
  await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\/ord_/);
  await page.getByRole("button", { name: await hostedWord(page, button), exact: true }).click();
}

const events = (page) => page.locator("#events li").allTextContents();

test("pay: methods, hosted page, back, paid", async () => {
  const page = await open("/?provider=ioka&locale=en&order=E2E-PAY");
  await page.getByRole("radiogroup").waitFor();
  assert.equal(await page.getByRole("radio", { name: "Bank card" }).isChecked(), true);
  await payOnSandbox(page, "Pay");
  await page.waitForURL(/tolem_return=success/);
  await page.getByText("Payment successful").waitFor();
  const log = await events(page);
  assert.ok(log.some((l) => l.includes('"status":"paid"') && l.includes('"final":true')), log.join("\n"));
  const orders = await demo.iokaOrders("E2E-PAY");
  assert.equal(orders.length, 1);
  assert.equal(orders[0].status, "PAID");
  const journalKeys = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("tolem:")));
  assert.deepEqual(journalKeys, [], "the journal is cleared once final (the storefront's own keys aside)");
});

test("decline: the shopper sees 'declined' and can try again", async () => {
  const page = await open("/?provider=ioka&locale=en&order=E2E-DECLINE");
  await payOnSandbox(page, "Decline");
  await page.waitForURL(/tolem_return=failure/);
  await page.getByText("Payment declined").waitFor();
  await page.getByRole("button", { name: "Try again" }).click();
  await page.getByRole("radiogroup").waitFor();
  assert.equal((await demo.iokaOrders("E2E-DECLINE")).length, 1, "trying again reuses the ioka order");
});

test("cancel on the hosted page comes back as cancelled", async () => {
  const page = await open("/?provider=ioka&locale=ru&order=E2E-CANCEL");
  await payOnSandbox(page, "Cancel");
  await page.waitForURL(/tolem_return=back/);
  await page.getByText("Оплата отменена").waitFor();
  assert.equal((await demo.iokaOrders("E2E-CANCEL"))[0].status, "UNPAID");
});

test("reload mid-poll resumes the same attempt", async () => {
  const page = await open("/?provider=ioka&locale=en&order=E2E-RELOAD");
  // ioka keeps answering 503 to order reads and the webhook is lost: the shopper is stuck
  // "confirming" until the provider recovers.
  await demo.fault({ provider: "ioka", method: "GET", path: "/v2/orders/*", status: 503 });
  await demo.fault({ provider: "ioka", webhook: "drop" });
  await payOnSandbox(page, "Pay");
  await page.getByText("Confirming your payment").waitFor();
  const before = page.requests.length;
  await page.reload();
  await page.getByText("Confirming your payment").waitFor();
  const after = page.requests.slice(before);
  assert.ok(!after.some((r) => r.includes("/api/checkout/start")), "no new start after reload:\n" + after.join("\n"));
  const statusCalls = new Set(after.filter((r) => r.includes("/api/checkout/status")).map((r) => new URL(r.split(" ")[1]).searchParams.get("attemptId")));
  assert.equal(statusCalls.size, 1, "one attempt polled: " + [...statusCalls]);
  await demo.clearFaults();
  await page.getByText("Payment successful").waitFor({ timeout: 20000 });
  assert.equal((await demo.iokaOrders("E2E-RELOAD")).length, 1);
});

test("a double click on Pay makes one pay call and one provider order", async () => {
  const page = await open("/?provider=ioka&locale=en&order=E2E-DOUBLE");
  const pay = page.locator(".tolem-pay");
  await pay.waitFor();
  await pay.evaluate((b) => { b.click(); b.click(); b.click(); });
  await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\//);
  const payCalls = page.requests.filter((r) => r.startsWith("POST") && r.includes("/api/checkout/pay"));
  assert.equal(payCalls.length, 1, payCalls.join("\n"));
  assert.equal((await demo.iokaOrders("E2E-DOUBLE")).length, 1);
});

test("a malformed backend answer shows a clear error", async () => {
  const page = await browser.page();
  pages.push(page);
  await page.route("**/api/checkout/start", (route) => route.fulfill({ status: 200, contentType: "application/json", body: '{"attemptId": "att_1", "meth' }));
  await page.goto(demo.origin + "/?provider=ioka&locale=en&order=E2E-MALFORMED");
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.textContent(), /could not process the request/);
  assert.equal(await alert.getAttribute("data-code"), "BACKEND_ERROR");
  const log = await events(page);
  assert.ok(log.some((l) => l.includes("tolem:error") && l.includes("BACKEND_ERROR")), log.join("\n"));
});

test("a provider outage during start is reported as such, and retry recovers", async () => {
  await demo.fault({ provider: "ioka", method: "POST", path: "/v2/orders", status: 503, times: 1 });
  const page = await open("/?provider=ioka&locale=kk&order=E2E-OUTAGE");
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.equal(await alert.getAttribute("data-code"), "PROVIDER_ERROR");
  await page.getByRole("button", { name: "Қайталау" }).click();
  await page.getByRole("radiogroup").waitFor();
  assert.equal((await demo.iokaOrders("E2E-OUTAGE")).length, 1);
});

test("plain script tag: window.Tolem round trip", async () => {
  const page = await open("/embed/script-tag.html?order=E2E-TAG&locale=en");
  await payOnSandbox(page, "Pay");
  await page.waitForURL(/script-tag\.html.*tolem_return=success/);
  await page.getByText("Payment successful").waitFor();
  const globals = await page.evaluate(() => [typeof window.Tolem, typeof window.wasm_bindgen]);
  assert.deepEqual(globals, ["object", "undefined"], "only window.Tolem is global");
});

test("new-tab presentation: the provider opens in a tab, this tab confirms", async () => {
  const page = await open("/embed/script-tag.html?order=E2E-NEWTAB&locale=en&presentation=new-tab");
  const pay = page.locator(".tolem-pay");
  await pay.waitFor();
  const [popup] = await Promise.all([browser.context.waitForEvent("page"), pay.click()]);
  await popup.waitForURL(/\/sandbox\/ioka\/checkout\/orders\//);
  assert.equal(await popup.evaluate(() => window.opener), null, "the provider's page cannot reach back");
  await page.getByText("Confirming your payment").waitFor();
  await popup.getByRole("button", { name: await hostedWord(popup, "Pay"), exact: true }).click();
  await page.getByText("Payment successful").waitFor({ timeout: 20000 });
  assert.equal(page.url().includes("sandbox"), false, "the shop's tab never left");
  await popup.close();
});
