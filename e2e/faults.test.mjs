// The fault matrix: every provider × every fault a payment can meet, end to end in Chromium
// against the demo process, with faults scripted through the sandbox's control API. Each
// case checks three things: what the shopper finally sees, what the backend reports, and how
// many orders and payments the provider holds (`/sandbox/_control/ledger`). The run writes
// docs/fault-matrix.md (case × provider, pass/fail).
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemo, startBrowser, startRelay } from "./harness.mjs";
import { PROVIDERS, shopperSees, until, sees, toHostedPage, onHostedPage } from "./providers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The cases, in the order the matrix lists them, with what each one proves. */
const CASES = [
  ["provider-5xx", "The provider answers 503 to the call that creates its order once and to three status reads; notifications are lost. The shopper sees the provider error, tries again and pays once."],
  ["provider-timeout", "Two status reads take longer than the backend's provider timeout; notifications are lost."],
  ["malformed-body", "Three status reads come back as cut-off JSON; notifications are lost."],
  ["slow-answer", "Every status read takes 700 ms (under the timeout); notifications are lost."],
  ["connection-refused", "The provider's API refuses connections while the shopper is confirming (a closed port between backend and provider), then comes back."],
  ["backend-down-mid-poll", "The backend process is killed while the shopper is confirming (its status request held, waiting for news) and started again 1.5 s later on the same store; notifications are lost."],
  ["proxy-cuts-wait", "The shop's page reaches the backend through a proxy, which cuts every connection, the held status request's too, while the shopper is confirming, and refuses new ones for a second."],
  ["hidden-mid-wait", "The tab is hidden while its status request is held; the outcome arrives meanwhile and is shown, and the hidden tab sends no new request."],
  ["webhook-lost", "Every notification is dropped: the status comes from the backend's reads."],
  ["webhook-duplicated", "Every notification arrives twice, and the test replays one more time."],
  ["webhook-out-of-order", "A decline's notification is held back and arrives after the second try was paid."],
  ["webhook-forged", "After a decline, the decline notification is re-sent claiming success with the old signature, and a made-up one with a wrong signature."],
  ["return-without-parameters", "The provider's way back is lost; the shopper opens the shop's page with none of the provider's parameters."],
  ["back-button", "The provider's way back is lost; the shopper presses the browser's Back button."],
  ["reload-mid-poll", "The shopper reloads while confirming (status reads failing, notifications lost)."],
  ["close-tab-return-later", "The shopper pays, closes the tab before coming back, and opens the order again in a new tab (notifications lost)."],
  ["double-click-pay", "Pay is clicked three times in one go."],
];

const results = new Map(); // `${case}|${provider}` → "pass" | "fail" | "n/a: why"
const NA = {
  "webhook-lost|oneentry": "n/a: OneEntry sends no notifications",
  "webhook-duplicated|oneentry": "n/a: OneEntry sends no notifications",
  "webhook-out-of-order|oneentry": "n/a: OneEntry sends no notifications",
  "proxy-cuts-wait|oneentry": "n/a: OneEntry sends the shopper back to the payment account's configured successUrl (the demo's own origin), so the way back does not pass the proxy",
};

let demo, browser, relay, front;
const pages = [];
before(async () => {
  relay = await startRelay();
  // The shop's pages may also reach the backend through a proxy of their own (`front`).
  front = await startRelay();
  // The backend reaches the providers' APIs through the relay (so it can be closed), and
  // waits 1.5 s per provider request.
  demo = await startDemo({
    TOLEM_PROVIDER_ORIGIN: relay.origin,
    TOLEM_PROVIDER_TIMEOUT_MS: "1500",
    TOLEM_ALLOWED_ORIGINS: front.origin,
  });
  relay.targetPort = demo.port;
  front.targetPort = demo.port;
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  await relay?.close();
  await front?.close();
  await demo?.stop();
  writeMatrix();
});
afterEach(async () => {
  await demo.clearFaults();
  for (const p of pages.splice(0)) {
    assert.deepEqual(p.problems, [], "no page errors or console errors");
    await p.close();
  }
});

async function newPage() {
  const page = await browser.page();
  pages.push(page);
  return page;
}

const storefront = (provider, order) => `${demo.origin}/?provider=${provider}&locale=en${order ? `&order=${order}` : ""}`;

/** The way back from the provider is lost: navigations to the shop's page go nowhere. */
async function loseWayBack(page) {
  await page.route(
    (url) => url.origin === demo.origin && url.pathname === "/",
    (route) => (route.request().isNavigationRequest() ? route.fulfill({ status: 204 }) : route.continue()),
  );
}

const attemptOf = (page) =>
  page.requests.map((r) => r.split(" ")[1]).filter((u) => u.includes("/api/checkout/status?attemptId=")).map((u) => new URL(u).searchParams.get("attemptId")).at(-1);

async function backendStatus(attemptId) {
  assert.ok(attemptId, "the widget polled an attempt");
  const r = await demo.json(`/api/checkout/status?attemptId=${attemptId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.status;
}

/**
 * Pays `provider` for `order` on its hosted page; returns the page, back on the shop.
 * `onHostedPage` runs once the shopper is there (faults for the confirming phase go in then,
 * so that they meet the backend's status reads, not the calls that prepare the payment).
 */
async function payAndReturn(provider, order, { clicks, whileThere = async () => {} } = {}) {
  const page = await newPage();
  await page.goto(storefront(provider, order));
  const errors = await toHostedPage(page, provider, { clicks });
  await whileThere();
  await onHostedPage(page, provider, "Pay");
  return { page, errors };
}

/** The three checks every case ends with. */
async function expectOutcome(page, provider, order, { shopper = "paid", backend = shopper, orders = 1, paid = shopper === "paid" ? 1 : 0 }) {
  await sees(page, shopper);
  assert.equal(await backendStatus(attemptOf(page)), backend, "the backend's status");
  const ledger = (await demo.ledger(order))[provider];
  assert.deepEqual(ledger, { orders, paid }, "provider orders and payments");
}

/** Pays on the provider's page with the way back lost; waits until the provider has the money. */
async function payWithoutWayBack(provider, order) {
  const page = await newPage();
  await page.goto(storefront(provider, order));
  await toHostedPage(page, provider);
  await loseWayBack(page);
  await onHostedPage(page, provider, "Pay");
  await until("the provider to finish", async () => (await demo.ledger(order))[provider].paid === 1);
  await page.unrouteAll();
  return page;
}

/** Once the shopper is on the provider's page, every status read fails (until cleared). */
async function statusFaultWhenThere(page, provider) {
  await toHostedPage(page, provider);
  await statusFault(provider, { status: 503 });
  await onHostedPage(page, provider, "Pay");
}

/** Paid and back on the shop, confirming, while every status read fails and notifications are lost. */
async function confirmingWhileReadsFail(provider, order) {
  await loseNotifications(provider);
  const { page } = await payAndReturn(provider, order, { whileThere: () => statusFault(provider, { status: 503 }) });
  await sees(page, "confirming");
  return page;
}

const loseNotifications = (provider) => demo.fault({ provider, webhook: "drop" });
const statusFault = (provider, rule) => demo.fault({ provider, ...PROVIDERS[provider].statusRead, ...rule });

/**
 * Declines on the hosted page and waits for the shopper to see it: "declined", or, when the
 * decline's notification has not arrived and the provider's order only says "unpaid",
 * "cancelled" (both say no money was taken).
 */
async function declineOnce(provider, order, seen = ["failed"]) {
  const page = await newPage();
  await page.goto(storefront(provider, order));
  await toHostedPage(page, provider);
  await onHostedPage(page, provider, "Decline");
  await until(`the shopper to see ${seen}`, async () => seen.includes(await shopperSees(page).catch(() => null)));
  return page;
}

const RUN = {
  async "provider-5xx"(provider, order) {
    const p = PROVIDERS[provider];
    if (p.create) await demo.fault({ provider, ...p.create, status: 503, times: 1 });
    await loseNotifications(provider);
    const { page, errors } = await payAndReturn(provider, order, { whileThere: () => statusFault(provider, { status: 503, times: 3 }) });
    assert.deepEqual(errors, p.create ? ["error:PROVIDER_ERROR"] : [], "the create call's 503 reached the shopper as a provider error");
    await expectOutcome(page, provider, order, {});
  },
  async "provider-timeout"(provider, order) {
    await loseNotifications(provider);
    const { page } = await payAndReturn(provider, order, { whileThere: () => statusFault(provider, { latencyMs: 2500, times: 2 }) });
    await expectOutcome(page, provider, order, {});
  },
  async "malformed-body"(provider, order) {
    await loseNotifications(provider);
    const { page } = await payAndReturn(provider, order, { whileThere: () => statusFault(provider, { malformed: true, times: 3 }) });
    await expectOutcome(page, provider, order, {});
  },
  async "slow-answer"(provider, order) {
    await loseNotifications(provider);
    const { page } = await payAndReturn(provider, order, { whileThere: () => statusFault(provider, { latencyMs: 700 }) });
    await expectOutcome(page, provider, order, {});
  },
  async "connection-refused"(provider, order) {
    await loseNotifications(provider);
    const page = await newPage();
    await page.goto(storefront(provider, order));
    await toHostedPage(page, provider);
    await relay.close();
    try {
      await onHostedPage(page, provider, "Pay");
      await sees(page, "confirming");
      // The widget's status request is held by the backend, which meanwhile fails to reach
      // the provider (its own reads, one a second at first): let that go on for a while.
      await until("a status call while refused", async () => page.requests.some((r) => r.includes("/api/checkout/status")));
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await shopperSees(page), "confirming", "no answer is not an answer");
    } finally {
      await relay.open();
    }
    await expectOutcome(page, provider, order, {});
  },
  async "backend-down-mid-poll"(provider, order) {
    const page = await confirmingWhileReadsFail(provider, order);
    const before = page.requests.length;
    await demo.restart(1500); // the new process starts with no scripted faults
    await expectOutcome(page, provider, order, {});
    const after = page.requests.slice(before);
    assert.ok(!after.some((r) => r.includes("/api/checkout/start") || r.includes("/api/checkout/pay")), "no new start or pay:\n" + after.join("\n"));
  },
  async "proxy-cuts-wait"(provider, order) {
    await loseNotifications(provider);
    const page = await newPage();
    await page.goto(`${front.origin}/?provider=${provider}&locale=en&order=${order}`);
    await statusFaultWhenThere(page, provider);
    await sees(page, "confirming");
    const held = () => page.requests.filter((r) => r.includes("/api/checkout/status?")).length;
    await until("a held status request", async () => held() >= 1);
    await new Promise((r) => setTimeout(r, 500));
    const before = held();
    await front.close(); // the held request is cut, and new connections are refused
    await new Promise((r) => setTimeout(r, 1000));
    await front.open();
    await demo.clearFaults(); // the provider can be read again: the next read settles it
    await expectOutcome(page, provider, order, {});
    assert.ok(held() > before, "the widget asked again after the cut");
  },
  async "hidden-mid-wait"(provider, order) {
    const page = await confirmingWhileReadsFail(provider, order);
    await until("a held status request", async () => page.requests.some((r) => r.includes("/api/checkout/status?")));
    await new Promise((r) => setTimeout(r, 500));
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    const sentBefore = page.requests.filter((r) => r.includes("/api/checkout/status?")).length;
    await demo.clearFaults(); // the backend's next read finds the payment; the held request answers it
    await sees(page, "paid");
    const sentAfter = page.requests.filter((r) => r.includes("/api/checkout/status?")).length;
    assert.equal(sentAfter, sentBefore, "a hidden tab sends no new status request");
    await expectOutcome(page, provider, order, {});
  },
  async "webhook-lost"(provider, order) {
    await loseNotifications(provider);
    const { page } = await payAndReturn(provider, order);
    await expectOutcome(page, provider, order, {});
    const log = await demo.deliveries(provider);
    assert.ok(log.length > 0 && log.every((d) => d.status === null), "every notification was dropped: " + JSON.stringify(log.map((d) => d.status)));
  },
  async "webhook-duplicated"(provider, order) {
    await demo.fault({ provider, webhook: "duplicate" });
    const { page } = await payAndReturn(provider, order);
    await expectOutcome(page, provider, order, {});
    const log = await until("both copies delivered", async () => {
      const l = await demo.deliveries(provider);
      return l.length >= 2 && l.every((d) => d.status === 200) ? l : null;
    });
    // A replay, as a retrying provider would send it: acknowledged, and nothing changes.
    const replay = await send(log.at(-1));
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(await backendStatus(attemptOf(page)), "paid");
    assert.deepEqual((await demo.ledger(order))[provider], { orders: 1, paid: 1 });
  },
  async "webhook-out-of-order"(provider, order) {
    await demo.fault({ provider, webhook: "delay", latencyMs: 8000 });
    const first = await declineOnce(provider, order, ["failed", "cancelled"]);
    await demo.clearFaults(); // the held-back decline notification is on its way
    await first.locator(".tolem-result button").click(); // "Try again" or "Choose another way"
    await toHostedPage(first, provider);
    await onHostedPage(first, provider, "Pay");
    await sees(first, "paid");
    const late = await until("the held-back decline notification", async () => {
      const l = await demo.deliveries(provider);
      return l.some((d) => d.status !== null && PROVIDERS[provider].declined.test(d.event)) ? l : null;
    }, 20_000).catch(async (e) => {
      throw new Error(e.message + ": " + JSON.stringify((await demo.deliveries(provider)).map((d) => [d.event, d.status])));
    });
    assert.ok(late.every((d) => d.status === 200), "every notification was acknowledged");
    const orders = provider === "ioka" ? 1 : 2; // ioka keeps one order across tries
    await expectOutcome(first, provider, order, { orders });
  },
  async "webhook-forged"(provider, order) {
    const p = PROVIDERS[provider];
    const page = await declineOnce(provider, order);
    const attemptId = attemptOf(page);
    if (p.webhooks) {
      const real = await until("the decline notification", async () => (await demo.deliveries(provider)).find((d) => d.status === 200 && p.declined.test(d.event)));
      const doctored = p.forge(real);
      assert.notDeepEqual([doctored.url, doctored.body], [real.url, real.body], "the forgery changed the notification");
      const forged = await send(doctored);
      assert.equal(forged.status, 401, "a tampered notification is refused: " + JSON.stringify(forged.body));
      assert.equal(forged.body?.error?.code, "BAD_SIGNATURE");
    }
    const madeUp = await fetch(`${demo.origin}/api/checkout/webhooks/${provider}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": "0".repeat(64) },
      body: JSON.stringify({ status: "paid", order_number: order, payment: { id: order, status: "success" } }),
    });
    assert.ok([400, 401].includes(madeUp.status), `a made-up notification is refused (${madeUp.status})`);
    assert.equal(await backendStatus(attemptId), "failed");
    assert.deepEqual((await demo.ledger(order))[provider], { orders: 1, paid: 0 });
    assert.equal(await shopperSees(page), "failed");
  },
  async "return-without-parameters"(provider, order) {
    const page = await payWithoutWayBack(provider, order);
    await page.goto(storefront(provider)); // the shop's page, nothing from the provider
    await expectOutcome(page, provider, order, {});
  },
  async "back-button"(provider, order) {
    const page = await payWithoutWayBack(provider, order);
    await until("back on the shop", async () => {
      await page.goBack().catch(() => null);
      return new URL(page.url()).pathname === "/";
    }, 10_000);
    await expectOutcome(page, provider, order, {});
  },
  async "reload-mid-poll"(provider, order) {
    const page = await confirmingWhileReadsFail(provider, order);
    const before = page.requests.length;
    await page.reload();
    await sees(page, "confirming");
    await demo.clearFaults();
    await expectOutcome(page, provider, order, {});
    const after = page.requests.slice(before);
    assert.ok(!after.some((r) => r.includes("/api/checkout/start") || r.includes("/api/checkout/pay")), "no new start or pay after the reload:\n" + after.join("\n"));
  },
  async "close-tab-return-later"(provider, order) {
    await loseNotifications(provider);
    const first = await payWithoutWayBack(provider, order);
    await first.close();
    const later = await newPage();
    const started = later.waitForResponse((r) => r.url().includes("/api/checkout/start") && r.status() === 200);
    await later.goto(storefront(provider, order));
    await sees(later, "paid");
    const { attemptId, status } = await (await started).json();
    assert.equal(status, "paid", "start itself answers paid: the provider was read");
    assert.equal(await backendStatus(attemptId), "paid");
    assert.deepEqual((await demo.ledger(order))[provider], { orders: 1, paid: 1 });
  },
  async "double-click-pay"(provider, order) {
    const { page } = await payAndReturn(provider, order, { clicks: 3 });
    const payCalls = page.requests.filter((r) => r.startsWith("POST") && r.includes("/api/checkout/pay"));
    assert.equal(payCalls.length, 1, payCalls.join("\n"));
    await expectOutcome(page, provider, order, {});
  },
};

/** Sends a recorded (or doctored) delivery to the backend as the provider would. */
async function send(d) {
  const r = await fetch(d.url, { method: d.method, headers: Object.fromEntries(d.headers), body: d.method === "POST" ? d.body : undefined });
  return { status: r.status, body: await r.json().catch(() => null) };
}

for (const [name] of CASES) {
  for (const provider of Object.keys(PROVIDERS)) {
    const key = `${name}|${provider}`;
    if (NA[key]) {
      results.set(key, NA[key]);
      continue;
    }
    test(`${name}: ${provider}`, async () => {
      results.set(key, "fail");
      // One order per case and provider (≤ 29 characters, Bereke's limit with room for `~n`):
      // one merchant order is paid once, so two providers must not share one.
      const order = `${`FM-${name}`.slice(0, 28 - provider.length)}-${provider}`.toUpperCase();
      await RUN[name](provider, order);
      results.set(key, "pass");
    });
  }
}

/** Writes docs/fault-matrix.md, only after a full run (a run filtered by name leaves it alone). */
function writeMatrix() {
  const providers = Object.keys(PROVIDERS);
  const missing = CASES.flatMap(([name]) => providers.filter((p) => !results.has(`${name}|${p}`)));
  if (missing.length) {
    console.log(`fault matrix: ${missing.length} cases did not run; docs/fault-matrix.md left as it was`);
    return;
  }
  const cell = (v) => (v === "pass" ? "✅ pass" : v === "fail" ? "❌ fail" : v);
  const lines = [
    "# Fault matrix",
    "",
    "Written by `e2e/faults.test.mjs` on every `make test` run (do not edit by hand). Each case runs",
    "end to end: real Chromium, the real demo process (backend and sandbox), faults scripted through",
    "the sandbox's control API (`/sandbox/_control/faults`). A case passes only when all three hold:",
    "",
    "1. **the shopper** finally sees the right state (paid, or declined where the case declines);",
    "2. **the backend** reports the same status at `GET /api/checkout/status`;",
    "3. **the provider** holds the expected number of orders and exactly one payment that took money",
    "   (none where the case declines), counted by the sandbox at `/sandbox/_control/ledger`.",
    "",
    `| case | ${providers.join(" | ")} |`,
    `|---|${providers.map(() => "---").join("|")}|`,
    ...CASES.map(([name]) => `| ${name} | ${providers.map((p) => cell(results.get(`${name}|${p}`))).join(" | ")} |`),
    "",
    "## The cases",
    "",
    ...CASES.map(([name, what]) => `- **${name}**: ${what}`),
    "",
  ];
  writeFileSync(join(root, "docs/fault-matrix.md"), lines.join("\n"));
}
