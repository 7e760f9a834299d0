// ioka's own merchant guide, unchanged: a shop whose backend is the guide's endpoint
// (e2e/ioka-guide/shop.py, a real Python process, talking to the sandbox's ioka API) and whose
// page mounts Tolem with `iokaTokensUrl`. The widget asks that endpoint in the guide's shape,
// then reads methods (saved cards too) and status from ioka's browser API with the tokens, and
// the shopper pays; no Tolem backend is asked anything.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemo, startBrowser, freePort, hostedWord, API_KEY, PUBLIC_KEY } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let demo, browser, shop, origin;
const logs = [];

before(async () => {
  demo = await startDemo();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  shop = spawn("python3", [join(root, "e2e/ioka-guide/shop.py")], {
    env: {
      ...process.env,
      PORT: String(port),
      IOKA_API_URL: `${demo.origin}/sandbox/ioka`,
      IOKA_API_KEY: API_KEY,
      IOKA_PUBLIC_KEY: PUBLIC_KEY,
      SANDBOX_URL: `${demo.origin}/sandbox`,
      WIDGET_DIR: join(root, "dist"),
      MAX_SECONDS: "600",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  shop.stdout.on("data", (d) => logs.push(String(d)));
  shop.stderr.on("data", (d) => logs.push(String(d)));
  for (let i = 0; i < 100; i++) {
    if (shop.exitCode !== null) throw new Error("the guide's shop stopped:\n" + logs.join(""));
    if (await fetch(origin).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  shop?.kill();
  await demo?.stop();
});

/** The shop's checkout page for an order, recording every URL the page asks for. */
async function checkout(order) {
  const page = await browser.page();
  page.asked = [];
  page.on("request", (r) => page.asked.push(r.url()));
  await page.goto(`${origin}/?order=${order}`);
  return page;
}

test("the guide's endpoint, unchanged: new card saved, paid; the next order offers the saved card", async () => {
  const page = await checkout("GUIDE-1");
  await page.getByRole("radio", { name: "Bank card" }).waitFor();
  assert.equal(await page.getByRole("radio").count(), 1, "no saved card yet");
  await page.locator(".tolem-pay").click();
  await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\/ord_/);
  await page.getByRole("checkbox", { name: await hostedWord(page, "Save card") }).check();
  await page.getByRole("button", { name: await hostedWord(page, "Pay"), exact: true }).click();
  // The guide's orders have no return URLs: ioka's page says it is done, and the shopper comes
  // back to the shop, where the widget finds the order's token in its journal.
  await page.getByText(await hostedWord(page, "Payment successful")).waitFor();
  await page.goto(`${origin}/?order=GUIDE-1`);
  await page.getByText("Payment successful").waitFor();
  const [order] = await demo.iokaOrders("GUIDE-1");
  assert.equal(order.status, "PAID");
  assert.ok(order.customer_id, "the guide links the order to the customer");

  const next = await checkout("GUIDE-2");
  const saved = next.getByRole("radio", { name: "Saved card 555555******5599" });
  await saved.waitFor();
  assert.equal(await saved.isChecked(), true);
  assert.equal(await next.getByRole("button", { name: "Remove" }).count(), 0, "no backend to remove it with");

  const asked = [...page.asked, ...next.asked];
  assert.ok(asked.some((u) => u === `${origin}/startPaymentWithSavedCard`), "the guide's endpoint was asked");
  assert.deepEqual(asked.filter((u) => u.includes("/api/checkout")), [], "no Tolem backend was asked");
  // Token mode is a browser-direct mode: the loader fetched that build, and not the other.
  const widgetFiles = new Set(asked.filter((u) => u.startsWith(`${origin}/tolem/`)).map((u) => u.slice(`${origin}/tolem/`.length)));
  assert.deepEqual([...widgetFiles].sort(), ["tolem-direct.js", "tolem.css", "tolem.js", "tolem_direct_bg.wasm"]);
  assert.equal((await demo.iokaOrders("GUIDE-1")).length, 1, "found again, not made twice");
  for (const p of [page, next]) assert.deepEqual(p.problems, [], "no page errors or console errors");
});

test("the guide's endpoint answering its error shape is a clear BACKEND_ERROR", async () => {
  // ioka refuses the order (the sandbox's fault injection): the guide answers {"status": "error"}.
  await demo.fault({ provider: "ioka", method: "POST", path: "/v2/orders", status: 500, times: 1 });
  const page = await browser.page();
  await page.goto(`${origin}/?order=GUIDE-ERR`);
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.equal(await alert.getAttribute("data-code"), "BACKEND_ERROR");
  await demo.clearFaults();
  page.problems.length = 0; // the widget reports the refusal on the console: expected here
});
