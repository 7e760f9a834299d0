// How the end-to-end tests drive each provider: its hosted page, the backend's calls to it,
// its notifications, and the widget's states as the shopper sees them. Shared by the fault
// matrix and the secrets test.
import assert from "node:assert/strict";
import { hostedWord } from "./harness.mjs";

/** How to drive each provider: its hosted page, the backend's calls to it, its notifications. */
export const PROVIDERS = {
  ioka: {
    hosted: /\/sandbox\/ioka\/checkout\/orders\//,
    statusRead: { method: "GET", path: "/v2/orders/*" },
    create: { method: "POST", path: "/v2/orders" },
    webhooks: true,
    declined: /PAYMENT_DECLINED/,
    forge: (d) => ({ ...d, body: d.body.replaceAll("DECLINED", "CAPTURED").replaceAll('"UNPAID"', '"PAID"') }),
  },
  bereke: {
    hosted: /\/sandbox\/bereke\/payment\/merchants\/tolem_demo\/payment_en\.html\?mdOrder=/,
    card: "5555555555555599",
    statusRead: { path: "/payment/rest/getOrderStatusExtended.do" },
    create: { path: "/payment/rest/register.do" },
    webhooks: true,
    declined: /:0$/,
    forge: (d) => ({ ...d, url: d.url.replace(/([?&])status=0/, "$1status=1").replace(/([?&])operation=[a-zA-Z]+/, "$1operation=deposited") }),
  },
  ecommpay: {
    hosted: /\/sandbox\/ecommpay\/payment\?project_id=/,
    card: "4000000000000077",
    statusRead: { method: "POST", path: "/v2/payment/status" },
    // The Payment Page URL is signed by the backend: ECommPay has no create call to fail.
    create: null,
    webhooks: true,
    declined: /^decline$/,
    forge: (d) => ({ ...d, body: d.body.replaceAll('"decline"', '"success"') }),
  },
  paytone: {
    hosted: /\/sandbox\/paytone\/hpp\/\?cpi=cpi_/,
    card: "4242424242424242",
    statusRead: { method: "GET", path: "/api/payment-invoices/*" },
    create: { method: "POST", path: "/api/payment-invoices" },
    webhooks: true,
    declined: /process_failed/,
    forge: (d) => ({ ...d, body: d.body.replaceAll("process_failed", "processed") }),
  },
  oneentry: {
    hosted: /\/sandbox\/oneentry\/checkout\/\d+/,
    card: "4242424242424242",
    statusRead: { method: "GET", path: "/api/content/payments/sessions/order/*" },
    create: { method: "POST", path: "/api/content/orders-storage/marker/*/orders" },
    // OneEntry sends no notifications: the backend reads the session's status.
    webhooks: false,
    signIn: { email: "shopper@example.kz", password: "tolem-demo-password" },
  },
};

/** What the widget shows now: `paid`, `failed`, … (a result), `confirming`, `methods`, `error:CODE`, … */
export async function shopperSees(page) {
  return page.evaluate(() => {
    const q = (s) => document.querySelector(".tolem-checkout " + s);
    if (q(".tolem-result")) return q(".tolem-result").dataset.status || "still-pending";
    if (q(".tolem-error")) return "error:" + q(".tolem-error").dataset.code;
    if (q(".tolem-confirming")) return "confirming";
    if (q(".tolem-methods")) return "methods";
    if (q(".tolem-signin")) return "sign-in";
    if (q(".tolem-redirect")) return "redirecting";
    return "loading";
  });
}

export async function until(what, check, timeout = 30_000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Waits until the shopper sees `state` (a result's status, `confirming`, …). */
export async function sees(page, state, timeout = 30_000) {
  let now;
  await until(`the shopper to see ${state}`, async () => (now = await shopperSees(page).catch(() => "navigating")) === state, timeout).catch((e) => {
    throw new Error(`${e.message}; the shopper sees ${now}`);
  });
}

/** Methods on screen (signing in to OneEntry first); errors met on the way are returned. */
async function toMethods(page, p) {
  const errors = [];
  for (;;) {
    const state = await until("methods", async () => {
      const s = await shopperSees(page);
      return ["methods", "sign-in"].includes(s) || s.startsWith("error:") ? s : null;
    });
    if (state === "sign-in") {
      await page.getByLabel("Email").fill(p.signIn.email);
      await page.getByLabel("Password").fill(p.signIn.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await until("signed in", async () => (await shopperSees(page)) !== "sign-in");
      continue;
    }
    if (state.startsWith("error:")) {
      errors.push(state);
      assert.ok(errors.length <= 2, "errors keep coming: " + errors);
      await page.getByRole("button", { name: "Try again" }).click();
      continue;
    }
    return errors;
  }
}

/** From the widget to the provider's page (trying again after a provider error). */
export async function toHostedPage(page, provider, { clicks = 1 } = {}) {
  const p = PROVIDERS[provider];
  const errors = await toMethods(page, p);
  for (;;) {
    const pay = page.locator(".tolem-pay");
    if (clicks > 1) await pay.evaluate((b, n) => { for (let i = 0; i < n; i++) b.click(); }, clicks);
    else await pay.click();
    const where = await until("the provider's page", async () => {
      if (p.hosted.test(page.url())) return "hosted";
      const s = await shopperSees(page).catch(() => null);
      return s?.startsWith("error:") ? s : null;
    });
    if (where === "hosted") break;
    errors.push(where);
    assert.ok(errors.length <= 2, "errors keep coming: " + errors);
    await page.getByRole("button", { name: "Try again" }).click();
    errors.push(...(await toMethods(page, p)));
  }
  await page.waitForLoadState("domcontentloaded");
  return errors;
}

/** On the provider's page: enter the test card where there is a form, press a button. */
export async function onHostedPage(page, provider, button) {
  const p = PROVIDERS[provider];
  if (p.card) await page.getByLabel(await hostedWord(page, "Card number")).fill(p.card);
  await page.getByRole("button", { name: await hostedWord(page, button), exact: true }).click();
}
