// Hostile redirect targets, in a real browser: whatever the backend (or something between it
// and the shopper) answers to `pay`, the widget sends the shopper only to the provider's own
// hosted-page hosts over https (or the configured sandbox origin). Everything else is refused
// with REDIRECT_BLOCKED, and the page stays where it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite } from "./harness.mjs";

const suite = demoSuite();

// Parsed by Chromium's URL parser exactly as navigation would parse them.
const HOSTILE = [
  ["javascript: URL", "javascript:alert(document.domain)"],
  ["javascript: in mixed case", "JaVaScRiPt:alert(1)"],
  ["javascript: after spaces", "   javascript:alert(1)"],
  ["javascript: with a tab inside", "java\tscript:alert(1)"],
  ["data: URL", "data:text/html,<script>alert(1)</script>"],
  ["vbscript: URL", "vbscript:msgbox(1)"],
  ["plain http to the provider's host", "http://checkout.ioka.kz/orders/ord_1"],
  ["a foreign host", "https://evil.example/orders/ord_1"],
  ["the provider's host as a subdomain of a foreign one", "https://checkout.ioka.kz.evil.example/orders/ord_1"],
  ["https://good@evil", "https://checkout.ioka.kz@evil.example/orders/ord_1"],
  ["credentials on the right host", "https://user:pass@checkout.ioka.kz/orders/ord_1"],
  ["protocol-relative", "//evil.example/orders/ord_1"],
  ["backslashes for slashes", "https:\\\\evil.example\\orders\\ord_1"],
  ["a backslash before @", "https://evil.example\\@checkout.ioka.kz/orders/ord_1"],
  ["look-alike Unicode (Cyrillic с)", "https://\u0441heckout.ioka.kz/orders/ord_1"],
  ["look-alike Unicode (fullwidth dot)", "https://checkout\uff0eioka\uff0ekz.evil.example/"],
  ["an encoded dot in the host", "https://checkout.ioka.kz%2eevil.example/"],
  ["the sandbox host on another port", "http://127.0.0.1:1/sandbox/ioka/checkout/orders/ord_1"],
  ["https to the sandbox's http origin", "https://127.0.0.1/sandbox/ioka/checkout/orders/ord_1"],
  ["a POST form to a foreign host", "https://evil.example/collect", "POST"],
];

for (const [name, url, method = "GET"] of HOSTILE) {
  test(`redirect refused: ${name}`, async () => {
    const page = await suite.page();
    await page.route("**/api/checkout/pay", (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ redirect: { url, method, fields: method === "POST" ? [["card", "4111"]] : [] } }) }),
    );
    const order = "E2E-HOSTILE-" + HOSTILE.findIndex((h) => h[1] === url);
    await page.goto(`${suite.demo.origin}/?provider=ioka&locale=en&order=${order}`);
    const before = page.url();
    const pay = page.locator(".tolem-pay");
    await pay.waitFor();
    await pay.click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.equal(await alert.getAttribute("data-code"), "REDIRECT_BLOCKED");
    assert.equal(page.url(), before, "the page did not move");
    const log = await page.locator("#events li").allTextContents();
    assert.ok(log.some((l) => l.includes("tolem:error") && l.includes("REDIRECT_BLOCKED")), log.join("\n"));
    assert.ok(!log.some((l) => l.includes("tolem:redirect")), "no redirect event");
    assert.equal(await page.evaluate(() => document.querySelectorAll("form[action]:not(.tolem-methods)").length), 0, "no form was built to post");
    // Trying again offers the methods, not the hostile page.
    await page.getByRole("button", { name: "Try again" }).click();
    await page.locator(".tolem-pay").waitFor();
  });
}

// A host the merchant adds (the widget's redirectHosts, or its backend's redirectHosts in the
// start answer) is allowed exactly: that host over https, not a subdomain of it.
for (const [name, via, url, allowed] of [
  ["the merchant's redirectHosts", "option", "https://pay.mybank.example/orders/1", true],
  ["the backend's redirectHosts", "backend", "https://pay.mybank.example/orders/1", true],
  ["a subdomain of an added host", "option", "https://evil.pay.mybank.example/orders/1", false],
  ["an added host over http", "backend", "http://pay.mybank.example/orders/1", false],
]) {
  test(`added host: ${name} (${allowed ? "allowed" : "refused"})`, async () => {
    const page = await suite.page();
    const order = `E2E-HOSTS-${via}-${allowed}-${name.length}`;
    if (via === "backend") {
      await page.route("**/api/checkout/start", async (route) => {
        const answer = await (await route.fetch()).json();
        await route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ ...answer, redirectHosts: ["pay.mybank.example"] }) });
      });
    }
    await page.route("**/api/checkout/pay", (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ redirect: { url, method: "GET", fields: [] } }) }),
    );
    // Where the shopper would land: answered here, so nothing leaves the machine.
    await page.route("**://*.mybank.example/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<title>bank</title>" }));
    await page.route("**://pay.mybank.example/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<title>bank</title>" }));
    const hosts = via === "option" ? "&redirectHosts=pay.mybank.example" : "";
    await page.goto(`${suite.demo.origin}/?provider=ioka&locale=en&order=${order}${hosts}`);
    await page.locator(".tolem-pay").click();
    if (allowed) {
      await page.waitForURL(url);
    } else {
      const alert = page.getByRole("alert");
      await alert.waitFor();
      assert.equal(await alert.getAttribute("data-code"), "REDIRECT_BLOCKED");
    }
  });
}

test("the provider's real hosted page is still allowed (the refusals are not a blanket no)", async () => {
  const page = await suite.page();
  await page.goto(`${suite.demo.origin}/?provider=ioka&locale=en&order=E2E-HOSTILE-OK`);
  await page.locator(".tolem-pay").click();
  await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\//);
});
