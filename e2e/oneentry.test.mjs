// OneEntry end to end: the widget's sign-in form (wrong password, then right), accounts as
// methods, the session's hosted page, a paymentUrl that appears only on a later read, cash
// on delivery, an access token that expires mid-flow, decline + new try, cancel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, hostedWord } from "./harness.mjs";

const EMAIL = "shopper@example.kz";
const PASSWORD = "tolem-demo-password";
const suite = demoSuite();

async function open(order, locale = "en", extra = "") {
  const page = await suite.page();
  await page.goto(`${suite.demo.origin}/?provider=oneentry&locale=${locale}&order=${order}${extra}`);
  return page;
}

async function signIn(page, password = PASSWORD, labels = { email: "Email", password: "Password", button: "Sign in" }) {
  await page.getByLabel(labels.email).fill(EMAIL);
  await page.getByLabel(labels.password).fill(password);
  await page.getByRole("button", { name: labels.button }).click();
}

async function payOnPage(page, button) {
  await page.locator(".tolem-pay").click();
  await page.waitForURL(/\/sandbox\/oneentry\/checkout\/\d+/);
  if (button === "Pay") await page.getByLabel(await hostedWord(page, "Card number")).fill("4242424242424242");
  await page.getByRole("button", { name: await hostedWord(page, button), exact: true }).click();
  await page.waitForURL(/\/\?provider=oneentry/);
}

async function result(page) {
  const r = page.locator(".tolem-result");
  await r.waitFor({ timeout: 20_000 });
  return r.getAttribute("data-status");
}

test("sign-in: a wrong password is said clearly, the right one shows the accounts; then paid", async () => {
  const page = await open("E2E-OE-PAY", "kk");
  const kk = { email: "Email", password: "Құпиясөз", button: "Кіру" };
  await page.getByRole("heading", { name: "Төлеу үшін кіріңіз" }).waitFor();
  await signIn(page, "wrong-password", kk);
  await page.getByRole("alert").filter({ hasText: "Email немесе құпиясөз қате" }).waitFor();
  assert.equal(await page.locator(".tolem-error").count(), 0, "a refused sign-in is not an error screen");
  await signIn(page, PASSWORD, kk);
  await page.locator(".tolem-pay").waitFor();
  const labels = (await page.locator(".tolem-method label").allInnerTexts()).map((l) => l.trim());
  assert.deepEqual(labels, ["Банк картасы", "PayPal", "Cash"]);
  assert.ok(!page.requests.some((r) => r.includes("/sandbox/oneentry/api/")), "the widget talks only to the shop's backend");
  await payOnPage(page, "Pay");
  assert.equal(await result(page), "paid");
});

test("cash on delivery: the order is placed and nothing is paid online", async () => {
  const page = await open("E2E-OE-CASH");
  await signIn(page);
  const placed = page.evaluate(() => new Promise((r) => document.addEventListener("tolem:placed", (e) => r(e.detail), { once: true })));
  await page.getByLabel("Cash").check();
  await page.locator(".tolem-pay").click();
  await page.getByRole("heading", { name: "Order placed" }).waitFor();
  assert.deepEqual(await placed, { methodId: "cash" });
  assert.match(await page.locator(".tolem-result").innerText(), /You pay on delivery/);
  assert.ok(!page.url().includes("/sandbox/"), "no redirect");
});

test("PayPal: the paymentUrl appears only on a later read, and the shopper still gets there", async () => {
  const page = await open("E2E-OE-LATE");
  await signIn(page);
  await page.getByLabel("PayPal").check();
  await payOnPage(page, "Pay");
  assert.equal(await result(page), "paid");
});

test("an access token that expires mid-flow is refreshed by the backend; the shopper notices nothing", async () => {
  const page = await open("E2E-OE-REFRESH");
  await signIn(page);
  await page.locator(".tolem-pay").waitFor();
  const expired = await suite.demo.json("/sandbox/oneentry/_control/tokens/expire", { method: "POST" });
  assert.ok(expired.body.expired >= 1);
  await payOnPage(page, "Pay");
  assert.equal(await result(page), "paid");
  const refreshes = await suite.demo.json("/sandbox/oneentry/_control/refreshes");
  assert.equal(refreshes.body.refreshes, 1);
});

test("decline, then try again without signing in again, then paid; cancel ends cancelled", async () => {
  const page = await open("E2E-OE-DECL");
  await signIn(page);
  await payOnPage(page, "Decline");
  assert.equal(await result(page), "failed");
  await page.getByRole("button", { name: "Try again" }).click();
  await page.locator(".tolem-pay").waitFor();
  await payOnPage(page, "Pay");
  assert.equal(await result(page), "paid");

  const other = await open("E2E-OE-CANCEL");
  await signIn(other);
  await payOnPage(other, "Cancel");
  assert.equal(await result(other), "cancelled");
});

test("signing in straight at OneEntry: the password goes only to OneEntry, the backend gets the user's token", async () => {
  const page = await open("E2E-OE-DIRECT", "en", "&signin=direct");
  const bodies = [];
  page.on("request", (r) => bodies.push([r.url(), r.postData() || ""]));
  await signIn(page, "wrong-password");
  await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
  await signIn(page);
  await page.locator(".tolem-pay").waitFor();
  const toOneEntry = bodies.filter(([u]) => u.includes("/sandbox/oneentry/api/content/users-auth-providers/marker/email/users/auth"));
  assert.equal(toOneEntry.length, 2, "both tries went to OneEntry itself");
  const toBackend = bodies.filter(([u]) => u.includes("/api/checkout/"));
  assert.ok(toBackend.length >= 1);
  assert.ok(toBackend.every(([, b]) => !b.includes(PASSWORD) && !b.includes("wrong-password")), "no password reached the backend");
  assert.ok(toBackend.some(([u, b]) => u.endsWith("/start") && b.includes('"userToken"')), "the backend got the user's token");
  await payOnPage(page, "Pay");
  assert.equal(await result(page), "paid");
});

test("straight from the browser, no merchant backend: sign-in, accounts, order, session, paid; reload resumes", async () => {
  const page = await open("E2E-OE-NOBACKEND", "en", "&oneentry=direct");
  const bodies = [];
  page.on("request", (r) => bodies.push(r.url()));
  await signIn(page, "wrong-password");
  await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
  await signIn(page);
  await page.locator(".tolem-pay").waitFor();
  const labels = (await page.locator(".tolem-method label").allInnerTexts()).map((l) => l.trim());
  assert.deepEqual(labels, ["Bank card", "PayPal", "Cash"]);
  // PayPal: the paymentUrl appears only on a later read, and the widget keeps reading.
  await page.getByLabel("PayPal").check();
  await suite.demo.json("/sandbox/oneentry/_control/tokens/expire", { method: "POST" });
  await payOnPage(page, "Pay");
  assert.equal(await result(page), "paid");
  assert.ok(!bodies.some((u) => u.includes("/api/checkout/")), "not one call to a merchant backend");
  assert.ok(bodies.some((u) => u.includes("/users/refresh")), "the expired token was refreshed by the widget");
  await page.reload();
  assert.equal(await result(page), "paid", "a reload finds the same order paid, no new order");
});

test("straight from the browser: cash places the order; decline, then a new order on try again", async () => {
  const page = await open("E2E-OE-NOBACKEND-2", "en", "&oneentry=direct");
  await signIn(page);
  await payOnPage(page, "Decline");
  assert.equal(await result(page), "failed");
  await page.getByRole("button", { name: "Try again" }).click();
  await page.locator(".tolem-pay").waitFor();
  await page.getByLabel("Cash").check();
  await page.locator(".tolem-pay").click();
  await page.getByRole("heading", { name: "Order placed" }).waitFor();
});
