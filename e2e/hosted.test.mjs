// Bereke (RBS) and ECommPay end to end: real demo process, real Chromium, the sandbox's
// hosted pages, signed callbacks (early, late, duplicated, forged), holds, tampered URLs.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startDemo, startBrowser, hostedWord } from "./harness.mjs";

let demo, holdDemo, browser;
const pages = [];
before(async () => {
  demo = await startDemo();
  holdDemo = await startDemo({ TOLEM_BEREKE_TWO_STAGE: "1", TOLEM_ECOMMPAY_HOLD: "1" });
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
  await holdDemo?.stop();
});
afterEach(async () => {
  await demo.clearFaults();
  for (const p of pages.splice(0)) {
    assert.deepEqual(p.problems, [], "no page errors or console errors");
    await p.close();
  }
});

async function open(path, on = demo) {
  const page = await browser.page();
  pages.push(page);
  await page.goto(on.origin + path);
  return page;
}

const PAGE = {
  bereke: /\/sandbox\/bereke\/payment\/merchants\/tolem_demo\/payment_(kk|ru|en)\.html\?mdOrder=/,
  ecommpay: /\/sandbox\/ecommpay\/payment\?project_id=/,
};
const CARD = { bereke: "5555555555555599", ecommpay: "4000000000000077" };

/// From the widget to the provider's page, then one of its buttons.
async function onProviderPage(page, provider, button, pan = CARD[provider]) {
  const pay = page.locator(".tolem-pay");
  await pay.waitFor();
  await pay.click();
  await page.waitForURL(PAGE[provider]);
  await page.getByLabel(await hostedWord(page, "Card number")).fill(pan);
  await page.getByRole("button", { name: await hostedWord(page, button), exact: true }).click();
}

const attemptOf = (page) =>
  page.requests.map((r) => r.split(" ")[1]).filter((u) => u.includes("/api/checkout/status?attemptId=")).map((u) => new URL(u).searchParams.get("attemptId"))[0];

async function waitFor(check, what) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out waiting for " + what);
}

for (const provider of ["bereke", "ecommpay"]) {
  test(`${provider}: pay, with the callback arriving before the shopper is back`, async () => {
    const page = await open(`/?provider=${provider}&locale=en&order=E2E-${provider}-PAY`);
    // Hold the way back until the provider's callback has been accepted by the backend.
    await page.route(/tolem_return=success/, async (route) => {
      await waitFor(async () => (await demo.deliveries(provider)).some((d) => d.status === 200), "the callback");
      await route.continue();
    });
    await onProviderPage(page, provider, "Pay");
    await page.waitForURL(/tolem_return=success/);
    if (provider === "bereke") assert.match(page.url(), /tolem_return=success&orderId=[0-9a-f-]{36}&lang=en$/);
    await page.getByText("Payment successful").waitFor();
    const log = await page.locator("#events li").allTextContents();
    assert.ok(log.some((l) => l.includes('"status":"paid"') && l.includes('"final":true')), log.join("\n"));
    const delivered = await demo.deliveries(provider);
    assert.equal(delivered.length, 1, "one callback");
  });

  test(`${provider}: the shopper is back before the callback; a duplicate callback changes nothing`, async () => {
    await demo.fault({ provider, webhook: "delay", latencyMs: 4000, times: 1 });
    const before = (await demo.deliveries(provider)).length;
    const page = await open(`/?provider=${provider}&locale=ru&order=E2E-${provider}-LATE`);
    await onProviderPage(page, provider, "Pay");
    await page.getByText("Оплата прошла успешно").waitFor();
    assert.equal((await demo.deliveries(provider)).length, before, "paid was read from the provider; the callback is still on its way");
    await waitFor(async () => (await demo.deliveries(provider)).length > before, "the late callback");

    await demo.fault({ provider, webhook: "duplicate", times: 1 });
    const page2 = await open(`/?provider=${provider}&locale=en&order=E2E-${provider}-DUP`);
    await onProviderPage(page2, provider, "Pay");
    await page2.getByText("Payment successful").waitFor();
    await waitFor(async () => (await demo.deliveries(provider)).length >= before + 3, "both copies");
    const copies = (await demo.deliveries(provider)).slice(-2);
    assert.deepEqual(copies.map((d) => d.status), [200, 200]);
  });

  test(`${provider}: decline, then try again with a new provider reference`, async () => {
    const page = await open(`/?provider=${provider}&locale=en&order=E2E-${provider}-DECL`);
    await onProviderPage(page, provider, "Decline");
    await page.waitForURL(/tolem_return=failure/);
    await page.getByText("Payment declined").waitFor();
    await page.getByRole("button", { name: "Try again" }).click();
    await onProviderPage(page, provider, "Pay");
    await page.getByText("Payment successful").waitFor();
    if (provider === "ecommpay") {
      const pageUrls = page.requests.filter((r) => r.startsWith("GET ") && r.includes("/sandbox/ecommpay/payment?")).map((r) => new URL(r.split(" ")[1]).searchParams.get("payment_id"));
      assert.deepEqual([...new Set(pageUrls)], ["E2E-ecommpay-DECL", "E2E-ecommpay-DECL~2"]);
    }
  });

  test(`${provider}: cancel on the provider's page comes back as not paid`, async () => {
    const page = await open(`/?provider=${provider}&locale=kk&order=E2E-${provider}-CANCEL`);
    await onProviderPage(page, provider, "Cancel");
    await page.waitForURL(provider === "bereke" ? /tolem_return=failure/ : /tolem_return=back/);
    await page.getByText("Төлем тоқтатылды").waitFor();
    const attempt = attemptOf(page);
    const status = await demo.json(`/api/checkout/status?attemptId=${attempt}`);
    assert.equal(status.body.status, "pending", "nothing was paid, nothing is final at the provider");
  });

  test(`${provider}: a hold, then the merchant captures it`, async () => {
    const page = await open(`/?provider=${provider}&locale=en&order=E2E-${provider}-HOLD`, holdDemo);
    await onProviderPage(page, provider, "Pay");
    await page.getByText("Payment approved, the amount is on hold").waitFor();
    const attempt = attemptOf(page);
    const captured = await holdDemo.admin("capture", attempt);
    assert.equal(captured.status, 200, JSON.stringify(captured.body));
    assert.equal(captured.body.status, "paid");
  });

  test(`${provider}: a forged callback is refused`, async () => {
    const forged =
      provider === "bereke"
        ? await demo.json("/api/checkout/webhooks/bereke?mdOrder=x&orderNumber=E2E-X&operation=deposited&status=1&checksum=" + "A".repeat(64))
        : await demo.json("/api/checkout/webhooks/ecommpay", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ payment: { id: "E2E-X", status: "success" }, signature: "Zm9yZ2Vk" }),
          });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, "BAD_SIGNATURE");
  });
}

for (const provider of ["bereke", "ecommpay"]) {
  test(`${provider}: new-tab presentation, the provider's page in a tab, this tab confirms`, async () => {
    const page = await open(`/embed/script-tag.html?provider=${provider}&order=E2E-${provider}-TAB2&locale=en&presentation=new-tab`);
    const pay = page.locator(".tolem-pay");
    await pay.waitFor();
    const [popup] = await Promise.all([browser.context.waitForEvent("page"), pay.click()]);
    await popup.waitForURL(PAGE[provider]);
    assert.equal(await popup.evaluate(() => window.opener), null, "the provider's page cannot reach back");
    await page.getByText("Confirming your payment").waitFor();
    await popup.getByLabel(await hostedWord(popup, "Card number")).fill(CARD[provider]);
    await popup.getByRole("button", { name: await hostedWord(popup, "Pay"), exact: true }).click();
    await page.getByText("Payment successful").waitFor({ timeout: 20000 });
    assert.equal(page.url().includes("sandbox"), false, "the shop's tab never left");
    await popup.close();
  });
}

test("ecommpay: a tampered Payment Page URL is refused by the sandbox", async () => {
  const page = await open("/?provider=ecommpay&locale=en&order=E2E-ecommpay-TAMPER");
  await page.route(PAGE.ecommpay, (route) => route.abort());
  const pay = page.locator(".tolem-pay");
  await pay.waitFor();
  const navigation = page.waitForRequest(PAGE.ecommpay);
  await pay.click();
  const signed = (await navigation).url();
  await page.unroute(PAGE.ecommpay);
  const cheaper = signed.replace("payment_amount=1500000", "payment_amount=100");
  assert.notEqual(cheaper, signed);
  const response = await page.goto(cheaper);
  assert.equal(response.status(), 400);
  assert.match(await response.text(), /Signature is invalid/);
  const genuine = await page.goto(signed);
  assert.equal(genuine.status(), 200);
  page.networkNoise.length = 0;
});

test("bereke: back in another tab without the journal, the bank's orderId finds the payment", async () => {
  const page = await open("/?provider=bereke&locale=en&order=E2E-bereke-TAB");
  await onProviderPage(page, "bereke", "Pay");
  await page.waitForURL(/tolem_return=success/);
  await page.getByText("Payment successful").waitFor();
  // A fresh tab has an empty sessionStorage: only the return URL knows the order.
  const other = await open(new URL(page.url()).pathname + new URL(page.url()).search);
  await other.getByText("Payment successful").waitFor();
  assert.ok(other.requests.some((r) => r.includes("/api/checkout/status?provider=bereke&orderId=")), other.requests.join("\n"));
  assert.ok(!other.requests.some((r) => r.includes("/api/checkout/start")), "no new start");
});
