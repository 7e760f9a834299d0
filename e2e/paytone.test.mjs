// Paytone end to end: methods from the pre-request (logos, a wallet that needs a phone
// number checked by the provider's regexp), the sandbox's hosted page, decline + new try,
// cancel, callbacks duplicated and out of order, an invoice that expires.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, hostedWord } from "./harness.mjs";

const suite = demoSuite();

async function open(order, locale = "en") {
  const page = await suite.page();
  await page.goto(`${suite.demo.origin}/?provider=paytone&locale=${locale}&order=${order}`);
  await page.locator(".tolem-pay").waitFor();
  return page;
}

const HPP = /\/sandbox\/paytone\/hpp\/\?cpi=cpi_/;
const cpiOf = (page) => new URL(page.url()).searchParams.get("cpi");

/// Pay in the widget, then a button on the hosted page. Returns the invoice id.
async function payByCard(page, button, pan = "4242424242424242") {
  await page.locator(".tolem-pay").click();
  await page.waitForURL(HPP);
  const cpi = cpiOf(page);
  await page.getByLabel(await hostedWord(page, "Card number")).fill(pan);
  await page.getByRole("button", { name: await hostedWord(page, button), exact: true }).click();
  return cpi;
}

async function result(page) {
  const r = page.locator(".tolem-result");
  await r.waitFor({ timeout: 20_000 });
  return r.getAttribute("data-status");
}

test("card: methods come from the pre-request with the provider's names and logos, then paid", async () => {
  const page = await open("E2E-PT-CARD");
  const labels = await page.locator(".tolem-method label").allInnerTexts();
  assert.deepEqual(labels.map((l) => l.trim()), ["Bank card", "Paytone Wallet"]);
  const logos = await page.locator(".tolem-method img.tolem-logo").evaluateAll((imgs) => imgs.map((i) => i.complete && i.naturalWidth > 0));
  assert.deepEqual(logos, [true, true], "logos load from the provider");
  await payByCard(page, "Pay");
  await page.waitForURL(/provider=paytone/);
  assert.equal(await result(page), "paid");
  assert.match(await page.locator(".tolem-result").innerText(), /Payment successful/);
  const starts = page.requests.filter((r) => r.startsWith("POST") && r.includes("/api/checkout/start"));
  assert.equal(starts.length, 1, "the return resumed the attempt; it did not start again");
});

test("wallet: the phone field is required and checked by the provider's regexp before anything is sent", async () => {
  const page = await open("E2E-PT-WALLET", "ru");
  await page.getByLabel("Paytone Wallet").check();
  const phone = page.getByLabel("Номер телефона");
  await phone.waitFor();
  assert.equal(await page.locator(".tolem-field .tolem-hint").innerText(), "+7 and 10 digits");
  await page.locator(".tolem-pay").click();
  await page.getByRole("alert").filter({ hasText: "Заполните это поле." }).waitFor();
  assert.equal(await phone.getAttribute("aria-invalid"), "true");
  await phone.fill("8701");
  await page.locator(".tolem-pay").click();
  await page.getByRole("alert").filter({ hasText: "Проверьте значение." }).waitFor();
  assert.equal(page.requests.filter((r) => r.includes("/api/checkout/pay")).length, 0, "nothing was sent");
  await phone.fill("+77011234567");
  await page.locator(".tolem-pay").click();
  await page.waitForURL(HPP);
  const invoice = await suite.demo.json(`/sandbox/paytone/public-api/payment-invoices/${cpiOf(page)}`);
  assert.equal(invoice.body.data.attributes.service, "paytone_wallet_kzt_hpp");
  await page.getByRole("button", { name: await hostedWord(page, "Pay"), exact: true }).click();
  await page.waitForURL(/provider=paytone/);
  assert.equal(await result(page), "paid");
});

test("decline, then try again with a new invoice, then paid", async () => {
  const page = await open("E2E-PT-DECL");
  await payByCard(page, "Pay", "4000000000000002");
  await page.waitForURL(/provider=paytone/);
  assert.equal(await result(page), "failed");
  assert.match(await page.locator(".tolem-result").innerText(), /Payment declined/);
  const first = page.requests.filter((r) => r.includes("/api/checkout/pay")).length;
  await page.getByRole("button", { name: "Try again" }).click();
  const cpi = await payByCard(page, "Pay");
  const second = await suite.demo.json(`/sandbox/paytone/public-api/payment-invoices/${cpi}`);
  assert.equal(second.body.data.attributes.reference_id, "E2E-PT-DECL~2");
  await page.waitForURL(/provider=paytone/);
  assert.equal(await result(page), "paid");
  assert.equal(first, 1);
});

test("cancel on the hosted page ends as cancelled", async () => {
  const page = await open("E2E-PT-CANCEL");
  await page.locator(".tolem-pay").click();
  await page.waitForURL(HPP);
  await page.getByRole("button", { name: await hostedWord(page, "Cancel"), exact: true }).click();
  await page.waitForURL(/provider=paytone/);
  assert.equal(await result(page), "cancelled");
});

test("callbacks duplicated and out of order: paid once, the stale one ignored", async () => {
  await suite.demo.fault({ provider: "paytone", webhook: "delay", latencyMs: 1500, times: 1 });
  await suite.demo.fault({ provider: "paytone", webhook: "duplicate", times: 1 });
  const page = await open("E2E-PT-ORDER");
  await payByCard(page, "Pay");
  await page.waitForURL(/provider=paytone/);
  assert.equal(await result(page), "paid");
  let log = [];
  for (let i = 0; i < 100 && log.length < 3; i++) {
    log = await suite.demo.deliveries("paytone");
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(log.map((d) => d.event), ["processed", "processed", "processing"], "newest first, duplicated, then the stale one");
  assert.ok(log.every((d) => d.status === 200));
  const attempt = page.requests.map((r) => r.split(" ")[1]).find((u) => u.includes("attemptId="));
  const status = await suite.demo.json(new URL(attempt).pathname + new URL(attempt).search);
  assert.equal(status.body.status, "paid");
});

test("an invoice that expires while the shopper is away ends as expired, with a new try offered", async () => {
  const page = await open("E2E-PT-EXPIRE");
  await page.locator(".tolem-pay").click();
  await page.waitForURL(HPP);
  const expired = await suite.demo.json(`/sandbox/paytone/_control/invoices/${cpiOf(page)}/expire`, { method: "POST" });
  assert.equal(expired.status, 200);
  await page.reload();
  await page.getByText(await hostedWord(page, "This payment can no longer be made.")).waitFor();
  await page.goBack();
  await page.waitForURL(/provider=paytone/);
  assert.equal(await result(page), "expired");
  assert.match(await page.locator(".tolem-result").innerText(), /The time to pay has run out/);
  await page.getByRole("button", { name: "Try again" }).click();
  await page.locator(".tolem-pay").waitFor();
});
