// The shopper's experience in Kazakh, Russian and English: axe-core (from npm, injected by
// Playwright) finds zero violations in every state, light and dark; a payment made with the
// keyboard alone; focus that moves only when the shopper acts; the theme switcher; locale
// fallback. Every audited state is saved as a PNG under docs/screenshots/ (the README's
// pictures come from this run). Real demo process, real Chromium, real sandbox pages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { demoSuite, catalogue } from "./harness.mjs";

const suite = demoSuite();
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SHOTS = join(root, "docs/screenshots");
mkdirSync(SHOTS, { recursive: true });
const LOCALES = ["kk", "ru", "en"];
const SCHEMES = ["light", "dark"];

const T = Object.fromEntries(LOCALES.map((l) => [l, catalogue(l, "widget")]));
const H = Object.fromEntries(LOCALES.map((l) => [l, catalogue(l, "hosted")]));
const AMOUNT = { kk: "15\u202f000\u00a0₸", ru: "15\u202f000\u00a0₸", en: "₸15,000" };
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (all, k) => (k in values ? values[k] : all));

/**
 * Waits for `work` while moving a paused Playwright clock on in 20 ms steps, so timers the
 * work itself needs (axe's) still fire; the time the widget shows moves by well under a second.
 */
async function driving(page, work) {
  let done = false;
  const result = work.finally(() => (done = true));
  while (!done) await page.clock.runFor(20);
  return result;
}

/** axe-core's violations inside `context` (WCAG 2.1 A/AA and best practices), as readable lines. */
async function axe(page, context = "#checkout", { pausedClock = false } = {}) {
  // Through the DevTools protocol, so the page's strict CSP does not stop it.
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  const run = page.evaluate(async (context) => {
    const result = await window.axe.run(context, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }, context);
  return pausedClock ? driving(page, run) : run;
}

/**
 * Audits the state on screen in both colour schemes: zero axe violations, no inline style,
 * the expected announcement role; and saves `docs/screenshots/<state>-<locale>-<scheme>.png`.
 */
async function audit(page, locale, state, role, { pausedClock = false } = {}) {
  // Before axe runs: its checks leave empty style="" attributes behind.
  const styled = await page.locator("#checkout [style]").evaluateAll((els) => els.map((e) => e.outerHTML.slice(0, 200)));
  assert.deepEqual(styled, [], "no inline styles");
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
    assert.deepEqual(await axe(page, "#checkout", { pausedClock }), [], `axe: ${state} in ${locale}, ${scheme}`);
    assert.equal(await page.locator(`#checkout .tolem-checkout[lang=${locale}]`).count(), 1);
    if (role) assert.ok((await page.locator(`#checkout [role=${role}]`).count()) > 0, `${state} is announced with role=${role}`);
    await page.locator("#checkout").screenshot({ path: join(SHOTS, `${state}-${locale}-${scheme}.png`), animations: "disabled" });
  }
  await page.emulateMedia({ colorScheme: "light", reducedMotion: "reduce" });
}

/** A shopper whose browser speaks `locale` (ioka's page has no language parameter of its own). */
async function shopper(locale) {
  const page = await suite.page();
  await page.setExtraHTTPHeaders({ "accept-language": `${locale};q=1, en;q=0.5` });
  await page.emulateMedia({ colorScheme: "light", reducedMotion: "reduce" });
  return page;
}

async function storefront(locale, order, provider = "ioka") {
  const page = await shopper(locale);
  await page.goto(`${suite.demo.origin}/?provider=${provider}&locale=${locale}&order=${order}&theme=auto`);
  return page;
}

/** The ioka storefront for a shopper of their own (saved cards are per shopper). */
async function storefrontAs(locale, order, who) {
  const page = await shopper(locale);
  await page.goto(`${suite.demo.origin}/?provider=ioka&locale=${locale}&order=${order}&theme=auto&shopper=${who}`);
  return page;
}

/** Holds every request matching `pattern` until `release()`d (then aborts it). */
async function hold(page, pattern) {
  const held = [];
  await page.route(pattern, (route) => held.push(route));
  return async () => {
    await page.unroute(pattern);
    for (const r of held) await r.abort().catch(() => {});
  };
}

async function toHostedPage(page) {
  await page.locator(".tolem-pay").click();
  await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\/ord_/);
}

for (const locale of LOCALES) {
  const t = T[locale];

  test(`${locale}: loading, methods, redirecting and its fallback link, all announced and accessible`, async () => {
    const page = await shopper(locale);
    await page.clock.install();
    const releaseStart = await hold(page, "**/api/checkout/start");
    await page.goto(`${suite.demo.origin}/?provider=ioka&locale=${locale}&order=A11Y-${locale}-1&theme=auto`);
    await page.getByText(t.loading_methods).waitFor();
    await audit(page, locale, "loading", "status");
    await releaseStart();
    await page.reload();
    await page.getByRole("radiogroup", { name: t.choose_method }).waitFor();
    assert.equal(await page.getByRole("radio", { name: t.new_card }).isChecked(), true);
    assert.equal(await page.getByRole("button", { name: fill(t.pay, { amount: AMOUNT[locale] }) }).count(), 1);
    await audit(page, locale, "methods");

    // The navigation to the provider's page goes nowhere (here: it answers 204 No Content,
    // so the browser stays; for shoppers: a declined beforeunload prompt, an extension).
    // The widget says where the shopper is going...
    await page.route("**/sandbox/ioka/checkout/orders/**", (route) => route.fulfill({ status: 204 }));
    await page.locator(".tolem-pay").click();
    await page.getByText(fill(t.redirecting, { provider: "ioka" })).waitFor();
    await audit(page, locale, "redirecting", "status");
    // ...and if the page is still here after a while, offers the link itself.
    await page.clock.fastForward(5_000);
    const link = page.getByRole("link", { name: t.open_payment_page });
    await link.waitFor();
    assert.match(await link.getAttribute("href"), /\/sandbox\/ioka\/checkout\/orders\/ord_/);
    await page.getByText(t.redirect_blocked).waitFor();
    await audit(page, locale, "redirect-link", "status");
  });

  test(`${locale}: the provider's hosted page, then paid`, async () => {
    const page = await storefront(locale, `A11Y-${locale}-2`);
    await toHostedPage(page);
    const h = H[locale];
    assert.equal(await page.evaluate(() => document.documentElement.lang), locale, "the hosted page speaks the shopper's language");
    assert.deepEqual(await axe(page, "body"), [], `axe: ioka's hosted page in ${locale}`);
    await page.screenshot({ path: join(SHOTS, `hosted-${locale}-light.png`), fullPage: true });
    await page.getByRole("button", { name: h.pay, exact: true }).click();
    await page.waitForURL(/tolem_return=success/);
    await page.getByText(t.paid).waitFor();
    await page.getByText(fill(t.paid_amount, { amount: AMOUNT[locale] })).waitFor();
    await audit(page, locale, "paid", "status");
  });

  test(`${locale}: a saved card: offered when the shopper comes back, paid with no page, removable`, async () => {
    const shopper = `u-saved-${locale}`;
    const first = await storefrontAs(locale, `A11Y-${locale}-SAVE-1`, shopper);
    await toHostedPage(first);
    await first.getByRole("checkbox", { name: H[locale].save_card }).check();
    await first.getByRole("button", { name: H[locale].pay, exact: true }).click();
    await first.getByText(t.paid).waitFor();

    // Back with another order: the card comes first, chosen, with its own "remove".
    const page = await storefrontAs(locale, `A11Y-${locale}-SAVE-2`, shopper);
    const card = page.getByRole("radio", { name: fill(t.saved_card, { card: "555555******5599" }) });
    await card.waitFor();
    assert.equal(await card.isChecked(), true);
    const remove = page.getByRole("button", { name: t.remove_card, exact: true });
    assert.equal(await remove.count(), 1, "only the saved card has one");
    assert.match(await remove.getAttribute("aria-describedby"), /-label$/, "it says which card");
    await audit(page, locale, "saved-card", null);
    // Pay: ioka charges the card by its id; the shopper never leaves the shop.
    const before = page.url();
    await page.locator(".tolem-pay").click();
    await page.getByText(fill(t.paid_amount, { amount: AMOUNT[locale] })).waitFor();
    assert.equal(page.url(), before, "no page to open");
    assert.equal((await suite.demo.iokaOrders(`A11Y-${locale}-SAVE-2`))[0].status, "PAID");

    // A third order: the shopper removes the card, and it is gone at ioka too.
    const third = await storefrontAs(locale, `A11Y-${locale}-SAVE-3`, shopper);
    const savedThere = third.getByRole("radio", { name: fill(t.saved_card, { card: "555555******5599" }) });
    await savedThere.waitFor();
    await third.getByRole("button", { name: t.remove_card, exact: true }).click();
    await savedThere.waitFor({ state: "detached" });
    assert.equal(await third.getByRole("radio").count(), 1, "only a new card is left");
    assert.equal(await third.getByRole("radio", { name: t.new_card }).isChecked(), true);
    await third.reload();
    await third.getByRole("radio", { name: t.new_card }).waitFor();
    assert.equal(await third.getByRole("radio").count(), 1, "removed at ioka, not only on screen");
  });

  test(`${locale}: declined, with what happened and a way forward`, async () => {
    const page = await storefront(locale, `A11Y-${locale}-3`);
    await toHostedPage(page);
    await page.getByRole("button", { name: H[locale].decline, exact: true }).click();
    await page.getByText(t.failed, { exact: true }).waitFor();
    await page.getByText(t.failed_hint).waitFor();
    assert.equal(await page.getByRole("button", { name: t.try_again }).count(), 1);
    await audit(page, locale, "failed", "status");
  });

  test(`${locale}: confirming counts the wait and says what comes next; then still pending, check again`, async () => {
    const page = await storefront(locale, `A11Y-${locale}-4`);
    await toHostedPage(page);
    // Back on the shop before paying: ioka says UNPAID, so the widget keeps confirming. The
    // clock is Playwright's, paused, so the wait shown is exact.
    // Playwright's clock belongs to the whole browser context: it must run again afterwards,
    // whatever happens here, or every later page would wait for time that never passes.
    try {
      // From the page's own now: an earlier test's clock may already run ahead of real time.
      const start = Math.ceil((await page.evaluate(() => Date.now())) / 1000) * 1000 + 2000;
      await page.clock.install({ time: start });
      await page.clock.pauseAt(start + 1000);
      await page.goto(`${suite.demo.origin}/?provider=ioka&locale=${locale}&order=A11Y-${locale}-4&theme=auto&tolem_return=success`);
      await page.getByText(t.confirming).waitFor();
      await page.getByText(fill(t.confirming_next, { budget: fill(t["budget_minutes.many"] ?? t["budget_minutes.other"], { n: 5 }) })).waitFor();
      await page.clock.fastForward(45_000);
      const seconds = fill(t["elapsed_seconds.many"] ?? t["elapsed_seconds.other"], { n: 45 });
      await page.getByText(fill(t.confirming_elapsed, { elapsed: seconds })).waitFor();
      assert.equal(await page.locator("[role=timer]").count(), 1, "the counter is a timer, not a live region that talks every second");
      await audit(page, locale, "confirming", "status", { pausedClock: true });
      // The five-minute budget runs out.
      await page.clock.fastForward(5 * 60_000);
      await page.getByText(t.still_pending, { exact: true }).waitFor();
      await page.getByText(t.still_pending_hint).waitFor();
      await audit(page, locale, "still-pending", "status", { pausedClock: true });
      await page.getByRole("button", { name: t.check_again }).click();
      await page.getByText(t.confirming).waitFor();
    } finally {
      await page.clock.resume();
    }
  });

  test(`${locale}: a provider outage is an alert with a retry that works`, async () => {
    await suite.demo.fault({ provider: "ioka", method: "POST", path: "/v2/orders", status: 503, times: 1 });
    const page = await storefront(locale, `A11Y-${locale}-5`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.equal(await alert.getAttribute("data-code"), "PROVIDER_ERROR");
    await page.getByText(t.error_provider).waitFor();
    await audit(page, locale, "error", "alert");
    await page.getByRole("button", { name: t.try_again }).click();
    await page.getByRole("radiogroup").waitFor();
  });

  test(`${locale}: another tab paying the same order is said, announced and accessible`, async () => {
    const order = `A11Y-${locale}-7`;
    const page = await storefront(locale, order);
    await page.locator(".tolem-pay").waitFor();
    // Another tab of this browser claimed the order's payment a moment ago.
    await page.evaluate((key) => localStorage.setItem(key, `another-tab ${Date.now()}`), `tolem-pay:ioka:${order}`);
    await page.locator(".tolem-pay").click();
    await page.getByText(t.other_tab).waitFor();
    await audit(page, locale, "other-tab", "status");
    assert.equal(await page.getByRole("button", { name: t.pay_here }).count(), 1);
  });

  test(`${locale}: signing in (OneEntry) is a labelled form`, async () => {
    const page = await shopper(locale);
    await page.goto(`${suite.demo.origin}/?provider=oneentry&locale=${locale}&order=A11Y-${locale}-6&theme=auto`);
    await page.getByRole("heading", { name: t.sign_in_title }).waitFor();
    assert.equal(await page.getByLabel(t.password, { exact: true }).count(), 1);
    await audit(page, locale, "sign-in");
  });

  test(`${locale}: paying with the keyboard alone; focus is always visible and never jumps by itself`, async () => {
    const page = await storefront(locale, `A11Y-${locale}-KB`);
    await page.getByRole("radiogroup").waitFor();
    assert.equal(await activeElement(page), "BODY", "mounting takes no focus");
    await tabTo(page, ".tolem-radio");
    await assertFocusRing(page);
    await page.keyboard.press("Space");
    await tabTo(page, ".tolem-pay");
    await assertFocusRing(page);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\/ord_/);
    await tabTo(page, "button[value=decline]");
    await page.keyboard.press("Enter");
    await page.getByText(t.failed, { exact: true }).waitFor();
    assert.equal(await activeElement(page), "BODY", "a status that arrives moves no focus");
    // Try again, by keyboard: the button goes away, and focus goes where it led (the methods).
    await tabTo(page, ".tolem-result button");
    await assertFocusRing(page);
    await page.keyboard.press("Enter");
    await page.getByRole("radiogroup").waitFor();
    await page.waitForFunction(() => document.activeElement?.matches(".tolem-radio"));
    await assertFocusRing(page);
    await tabTo(page, ".tolem-pay");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\/ord_/);
    await tabTo(page, "button[value=pay]");
    await page.keyboard.press("Enter");
    await page.waitForURL(/tolem_return=success/);
    await page.getByText(t.paid).waitFor();
    assert.equal(await activeElement(page), "BODY");
  });
}

for (const locale of LOCALES) {
  test(`${locale}: every provider's hosted page, and a 3-D Secure page, pass axe in the shopper's language`, async () => {
    const h = H[locale];
    for (const provider of ["bereke", "ecommpay", "paytone"]) {
      // Paytone's page speaks en, uk and ru (the backend asks it for Russian for a Kazakh
      // shopper); Bereke and ECommPay take the shopper's language as it is.
      const speaks = provider === "paytone" && locale === "kk" ? "ru" : locale;
      const page = await storefront(locale, `A11Y-${locale}-${provider}`, provider);
      await page.locator(".tolem-pay").click();
      await page.waitForURL((url) => url.pathname.startsWith(`/sandbox/${provider}/`));
      await page.getByRole("button", { name: H[speaks].pay, exact: true }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), speaks, provider);
      assert.deepEqual(await axe(page, "body"), [], `axe: ${provider}'s hosted page in ${speaks}`);
    }
    const page = await storefront(locale, `A11Y-${locale}-3DS`);
    await toHostedPage(page);
    await page.getByLabel(h.card_number).fill("4111111111111111");
    await page.getByRole("button", { name: h.pay, exact: true }).click();
    await page.getByRole("heading", { name: h.three_ds }).waitFor();
    assert.deepEqual(await axe(page, "body"), [], `axe: the 3-D Secure page in ${locale}`);
  });
}

/** The tag name of the focused element (`BODY` when nothing in the page has focus). */
const activeElement = (page) => page.evaluate(() => document.activeElement?.tagName);

/** Presses Tab (at most 40 times) until the focused element matches `selector`. */
async function tabTo(page, selector) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  assert.fail(`Tab never reached ${selector}; stuck on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))}`);
}

/** The focused element draws Tolem's focus ring (3 px, solid, and 3:1 against the widget). */
async function assertFocusRing(page) {
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { style: s.outlineStyle, width: s.outlineWidth };
  });
  assert.deepEqual(ring, { style: "solid", width: "3px" });
}

/** WCAG relative-luminance contrast of two `rgb(…)` colours. */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test("borders and the focus ring stand out 3:1 from the widget, in light and dark (WCAG 1.4.11)", async () => {
  const page = await storefront("en", "A11Y-CONTRAST");
  await page.getByRole("radiogroup").waitFor();
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    const c = await page.evaluate(() => {
      const box = getComputedStyle(document.querySelector(".tolem-checkout"));
      const method = getComputedStyle(document.querySelector(".tolem-method"));
      const probe = document.createElement("span");
      probe.style.color = "var(--_focus)";
      document.querySelector(".tolem-checkout").append(probe);
      const focus = getComputedStyle(probe).color;
      probe.remove();
      return { bg: box.backgroundColor, border: method.borderTopColor, focus };
    });
    assert.ok(contrast(c.border, c.bg) >= 3, `${scheme}: border ${c.border} on ${c.bg}: ${contrast(c.border, c.bg).toFixed(2)}`);
    assert.ok(contrast(c.focus, c.bg) >= 3, `${scheme}: focus ${c.focus} on ${c.bg}: ${contrast(c.focus, c.bg).toFixed(2)}`);
  }
});

test("the storefront's theme switcher: light, dark and the shop's own colours, whatever the system prefers", async () => {
  const page = await storefront("kk", "A11Y-THEME");
  await page.getByRole("radiogroup").waitFor();
  const look = () =>
    page.evaluate(() => {
      const box = document.querySelector(".tolem-checkout");
      const pay = getComputedStyle(document.querySelector(".tolem-pay"));
      return { theme: box.dataset.theme ?? "auto", bg: getComputedStyle(box).backgroundColor, pay: pay.backgroundColor, font: pay.fontFamily };
    });
  await page.emulateMedia({ colorScheme: "light" });
  assert.equal((await look()).bg, "rgb(255, 255, 255)");
  await page.getByLabel("Theme").selectOption("dark");
  assert.deepEqual(await look(), { theme: "dark", bg: "rgb(22, 24, 28)", pay: "rgb(108, 178, 255)", font: (await look()).font });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByLabel("Theme").selectOption("light");
  assert.equal((await look()).bg, "rgb(255, 255, 255)", "light wins over a dark system");
  await page.getByLabel("Theme").selectOption("auto");
  assert.equal((await look()).bg, "rgb(22, 24, 28)", "auto follows the system");
  await page.getByLabel("Theme").selectOption("steppe");
  const steppe = await look();
  assert.equal(steppe.pay, "rgb(138, 59, 18)", "--tolem-primary from the shop's stylesheet");
  assert.match(steppe.font, /Georgia/, "--tolem-font");
  assert.deepEqual(await axe(page), [], "the shop's colours pass axe too");
  await page.locator("#checkout").screenshot({ path: join(SHOTS, "methods-kk-steppe.png"), animations: "disabled" });
  assert.equal(await page.getByRole("radio", { checked: true }).count(), 1, "switching themes kept the checkout where it was");
});

test("locale: the option, else <html lang>, else the browser's languages, else Russian", async () => {
  const page = await suite.page();
  await page.addInitScript(() => {
    const wanted = new URLSearchParams(location.search).get("languages");
    if (wanted !== null) Object.defineProperty(Navigator.prototype, "languages", { get: () => (wanted ? wanted.split(",") : []) });
  });
  const mountedIn = async (search, htmlLang, options = {}) => {
    await page.goto(`${suite.demo.origin}/embed/blank.html?${search}`);
    const { clientSecret } = await suite.demo.session("LOC-" + Math.random().toString(36).slice(2, 8));
    return page.evaluate(
      ([htmlLang, options]) => {
        if (htmlLang === null) document.documentElement.removeAttribute("lang");
        else document.documentElement.lang = htmlLang;
        window.Tolem.mount("#place", { provider: "ioka", backendUrl: "/api/checkout", sandboxUrl: "/sandbox", ...options });
        return new Promise((resolve) => {
          const check = () => {
            const el = document.querySelector("#place .tolem-checkout");
            if (el) resolve(el.lang);
            else requestAnimationFrame(check);
          };
          check();
        });
      },
      [htmlLang, { clientSecret, ...options }],
    );
  };
  assert.equal(await mountedIn("languages=en", "ru", { locale: "kk" }), "kk", "the option first");
  assert.equal(await mountedIn("languages=en", "kk-KZ"), "kk", "then <html lang>");
  assert.equal(await mountedIn("languages=de-DE,en-GB,ru", null), "en", "then the first browser language Tolem speaks");
  assert.equal(await mountedIn("languages=de,fr", "de"), "ru", "else Russian");
  assert.equal(await mountedIn("languages=", null), "ru");
});
