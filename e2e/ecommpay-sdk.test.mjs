// An independent check of our ECommPay signing: ECommPay's own JS SDK (npm `ecommpay`,
// ITECOMMPAY/paymentpage-sdk-js) against the sandbox and against the URLs our backend signs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import ecommpay from "ecommpay";
import { startDemo } from "./harness.mjs";

const { Payment, Callback, signer } = ecommpay;
const PROJECT_ID = 240001;
const SECRET = "tolem-demo-ecommpay-secret";

let demo;
before(async () => {
  demo = await startDemo();
});
after(async () => {
  await demo?.stop();
});

function sdkPayment(paymentId) {
  const payment = new Payment(PROJECT_ID, SECRET, {}, demo.origin + "/sandbox/ecommpay");
  payment.paymentId = paymentId;
  payment.paymentAmount = 5000;
  payment.paymentCurrency = "KZT";
  payment.paymentDescription = "B&W шай, 1 кг";
  payment.languageCode = "kk";
  payment.closeOnMissclick = true;
  payment.merchantSuccessUrl = demo.origin + "/?provider=ecommpay&tolem_return=success";
  // As ECommPay's own shop plugins send them: the way back is switched on, in the same tab.
  payment.merchantSuccessEnabled = 2;
  payment.merchantSuccessRedirectMode = "parent_page";
  return payment;
}

test("a Payment Page URL made by ECommPay's SDK is accepted unchanged; a changed one is not", async () => {
  const url = sdkPayment("SDK payment 1").getUrl();
  assert.ok(url.startsWith(demo.origin + "/sandbox/ecommpay/payment?project_id=240001&interface_type="), url);
  const page = await fetch(url);
  assert.equal(page.status, 200, await page.clone().text());
  assert.match(await page.text(), /name="action" value="pay">/);
  const tampered = await fetch(url.replace("payment_amount=5000", "payment_amount=50"));
  assert.equal(tampered.status, 400);
  assert.equal((await tampered.json()).errors[0].message, "Signature is invalid");
});

test("the SDK's signer agrees with the URL our backend signs", async () => {
  // A description with `&` and Cyrillic, so the SDK's encoding is compared on them too.
  const session = await demo.createSession({
    order: { id: "SDK-2", amount: 1500000, currency: "KZT", description: "Заказ SDK-2 & co" },
    customer: { id: "u-42", email: "shopper@example.kz" },
    returnUrl: demo.origin + "/?provider=ecommpay",
  }).then((r) => r.body);
  const start = await demo.json("/api/checkout/start", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ provider: "ecommpay", clientSecret: session.clientSecret, idempotencyKey: "sdk-2", locale: "ru" }),
  });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const pay = await demo.json("/api/checkout/pay", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ attemptId: start.body.attemptId, methodId: "payment_page" }),
  });
  const url = new URL(pay.body.redirect.url);
  const params = Object.fromEntries(url.searchParams);
  const signature = params.signature;
  delete params.signature;
  assert.equal(signer(params, SECRET), signature);
  assert.notEqual(signer({ ...params, payment_amount: "1" }, SECRET), signature);
});

test("the sandbox's callbacks verify with the SDK's Callback; its Gate answers carry the payment", async () => {
  const url = sdkPayment("SDK-3").getUrl();
  assert.equal((await fetch(url)).status, 200);
  const form = new URLSearchParams({ action: "pay", payment_id: "SDK-3", pan: "4000000000000077", exp: "12/30", cvc: "123", holder: "TEST" });
  const paid = await fetch(demo.origin + "/sandbox/ecommpay/payment", { method: "POST", body: form, redirect: "manual" });
  assert.equal(paid.status, 303);
  assert.match(paid.headers.get("location"), /tolem_return=success/);

  const request = { general: { project_id: PROJECT_ID, payment_id: "SDK-3" } };
  request.general.signature = signer(request, SECRET);
  const answer = await fetch(demo.origin + "/sandbox/ecommpay/v2/payment/status", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  assert.equal(answer.status, 200);
  // A status answer is a callback's shape; nothing public shows it signed, so the sandbox
  // does not sign it (and Tolem requires no signature of it).
  const status = await answer.json();
  assert.equal(status.payment.id, "SDK-3");
  assert.equal(status.payment.status, "success");

  // The callback the page sent is signed, and the SDK verifies it.
  let delivered;
  for (let i = 0; i < 100 && !delivered; i++) {
    const log = await (await fetch(demo.origin + "/sandbox/_control/webhooks")).json();
    delivered = log.find((d) => d.provider === "ecommpay" && d.body.includes('"SDK-3"'));
    if (!delivered) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(delivered, "the callback was sent");
  const callback = new Callback(SECRET, delivered.body); // throws on a bad signature
  assert.equal(callback.isPaymentSuccess(), true);
  assert.equal(callback.getPaymentId(), "SDK-3");
  assert.throws(() => new Callback(SECRET, delivered.body.replace('"success"', '"decline"')), /Invalid signature/);

  const forged = { general: { project_id: PROJECT_ID, payment_id: "SDK-3", signature: signer(request, "wrong") } };
  const refused = await fetch(demo.origin + "/sandbox/ecommpay/v2/payment/status", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(forged),
  });
  assert.equal(refused.status, 400);
});
