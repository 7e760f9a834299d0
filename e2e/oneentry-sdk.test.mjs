// An independent check of the OneEntry sandbox: OneEntry's own SDK (npm `oneentry` 1.0.149,
// with its response validation in strict mode) pointed at it unchanged — sign-in, accounts,
// an order priced by the project, a payment session, a token that expires mid-flow, errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { defineOneEntry } from "oneentry";
import { startDemo } from "./harness.mjs";

const APP_TOKEN = "oe_app_TOLEMDEMO0000000000000001";
const authData = (password) => ({
  authData: [
    { marker: "email_reg", value: "shopper@example.kz" },
    { marker: "password_reg", value: password },
  ],
});

let demo, base;
before(async () => {
  demo = await startDemo();
  base = demo.origin + "/sandbox/oneentry";
});
after(async () => {
  await demo?.stop();
});

const sdk = () =>
  defineOneEntry(base, {
    token: APP_TOKEN,
    langCode: "en_US",
    validation: { enabled: true, strictMode: true, logErrors: false },
    errors: { isShell: true },
  });

test("the SDK signs in, lists accounts, creates an order the project prices, and opens a session", async () => {
  const api = sdk();
  const wrong = await api.AuthProvider.auth("email", authData("wrong"));
  assert.equal(wrong.statusCode, 401, "an IError body, not an exception");
  assert.equal(typeof wrong.message, "string");
  const auth = await api.AuthProvider.auth("email", authData("tolem-demo-password"));
  assert.equal(auth.userIdentifier, "shopper@example.kz");
  assert.equal(auth.authProviderIdentifier, "email");
  const accounts = await api.Payments.getAccounts();
  assert.deepEqual(accounts.map((a) => a.identifier), ["stripe", "paypal", "cash"]);
  const storages = await api.Orders.getAllOrdersStorage();
  assert.equal(storages[0].identifier, "orders");
  const order = await api.Orders.createOrder("orders", {
    formIdentifier: "orderForm",
    paymentAccountIdentifier: "stripe",
    formData: [{ marker: "name", value: "Ivan", type: "string" }],
    products: [{ productId: 1, quantity: 2 }],
  });
  assert.equal(order.totalSum, 30000, "2 × 15 000 ₸, computed by the project");
  const session = await api.Payments.createSession(order.id, "session");
  assert.equal(session.status, "waiting");
  assert.ok(session.paymentUrl.startsWith(base + "/checkout/"), session.paymentUrl);
  assert.ok(!("clientSecret" in session), "left out rather than null");
  const read = await api.Orders.getOrderByMarkerAndId("orders", order.id);
  assert.equal(read.totalSum, "30000.00");
  assert.equal(read.paymentUrl, session.paymentUrl);
});

test("the SDK refreshes an access token that expired, retries, and sees a late paymentUrl", async () => {
  const api = sdk();
  await api.AuthProvider.auth("email", authData("tolem-demo-password"));
  const order = await api.Orders.createOrder("orders", {
    formIdentifier: "orderForm",
    paymentAccountIdentifier: "paypal",
    formData: [],
    products: [{ productId: 2, quantity: 1 }],
  });
  const session = await api.Payments.createSession(order.id, "session");
  assert.equal(session.paymentUrl, null, "PayPal: not on the first answer");
  const before = (await (await fetch(base + "/_control/refreshes")).json()).refreshes;
  await fetch(base + "/_control/tokens/expire", { method: "POST" });
  const sessions = await api.Payments.getSessionByOrderId(order.id);
  assert.ok(Array.isArray(sessions), "an array, as real instances answer");
  assert.ok(sessions[0].paymentUrl.startsWith(base + "/checkout/"), "appears on a later read");
  const after = (await (await fetch(base + "/_control/refreshes")).json()).refreshes;
  assert.equal(after - before, 1, "one refresh, then the retried call worked");
});

test("without the app token the project refuses, with OneEntry's error shape", async () => {
  const api = defineOneEntry(base, { token: "not-the-token", errors: { isShell: true } });
  const answer = await api.Payments.getAccounts();
  assert.equal(answer.statusCode, 403);
  assert.ok("pageData" in answer && typeof answer.timestamp === "string");
});
