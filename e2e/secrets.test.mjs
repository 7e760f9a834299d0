// Secrets stay secret. (1) No shipped file (the widget's wasm, JS, CSS and types, the npm
// package, the demo's pages) holds a configured secret or anything shaped like a private key.
// (2) A full run through every provider — paid, declined, forged notifications, hostile
// input, sign-in — leaves no secret, token, password or card number in the demo's logs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemo, startBrowser } from "./harness.mjs";
import { PROVIDERS, sees, toHostedPage, onHostedPage, until } from "./providers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let demo, browser, credentials;

before(async () => {
  demo = await startDemo();
  browser = await startBrowser();
  credentials = (await demo.json("/sandbox/credentials.json")).body;
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** Every configured secret: the credentials' secret-named values, the admin token, passwords. */
function secrets() {
  const found = new Set(["tolem-demo-admin-token", "wrong-merchant-key-0000"]);
  const walk = (value, key = "") => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === "object") Object.entries(value).forEach(([k, v]) => walk(v, k));
    // OneEntry's app token is made for browsers (OneEntry's own SDK runs in the page with it,
    // as Tolem's direct mode does): it is a project's publishable key, not a secret.
    else if (typeof value === "string" && /key|secret|password|token/i.test(key) && !/public|appToken/i.test(key)) found.add(value);
  };
  walk(credentials);
  assert.ok(found.size >= 8, "the secrets were found in credentials.json: " + [...found].length);
  return [...found];
}

/** Shapes of private material, whatever its value. */
const KEY_SHAPES = [
  [/shp_[A-Za-z0-9]+_(test|live)_private_[A-Za-z0-9]+/, "an ioka private API key"],
  [/\bsk_(test|live)_[A-Za-z0-9]{8,}/, "a secret key"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/_secret_[0-9a-f]{16,}/, "an ioka access token"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "a JWT"],
];

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test("no shipped file holds a secret or a key-shaped string", () => {
  const shipped = [...filesUnder(join(root, "dist")), ...filesUnder(join(root, "demo"))].filter((f) => /\.(wasm|js|mjs|css|html|json|d\.ts|md)$/.test(f));
  assert.ok(shipped.some((f) => f.endsWith("tolem_bg.wasm")) && shipped.some((f) => f.endsWith("npm/index.js")), "the widget is among them");
  const values = secrets();
  const problems = [];
  for (const file of shipped) {
    const text = readFileSync(file).toString("latin1"); // byte for byte, so the wasm's strings show too
    for (const s of values) if (text.includes(s)) problems.push(`${relative(root, file)}: the secret ${s.slice(0, 6)}…`);
    for (const [shape, what] of KEY_SHAPES) if (shape.test(text)) problems.push(`${relative(root, file)}: ${what}`);
  }
  assert.deepEqual(problems, []);
  // The shapes do catch what they are for.
  assert.ok(KEY_SHAPES[0][0].test(credentials.ioka.apiKey), "the private-key shape matches the real private key");
  assert.ok(!KEY_SHAPES[0][0].test(credentials.ioka.publicKey), "and not the public one");
});

/** A Luhn-valid run of 13–19 digits (what a card number looks like). */
// A card number stands on its own: 13 to 19 digits passing the Luhn check, not part of a longer
// word. The ids Tolem makes (`att_` and 16 random hex digits) are all digits once in a few
// thousand and then pass Luhn one time in ten: such an id is not a card number.
function cardNumbers(text) {
  const out = [];
  for (const m of text.matchAll(/(?<![0-9A-Za-z_])[0-9]{13,19}(?![0-9A-Za-z_])/g)) {
    const digits = m[0].split("").reverse().map(Number);
    const sum = digits.reduce((acc, d, i) => acc + (i % 2 ? ((d * 2) % 10) + Math.floor((d * 2) / 10) : d), 0);
    if (sum % 10 === 0) out.push(m[0]);
  }
  return out;
}

test("a full run through every provider leaves no secret, token, password or card number in the logs", async () => {
  // `make demo` prints the well-known demo credentials when it starts, on purpose (docs/architecture.md, "Contracts");
  // what the running backend and sandbox log comes after that banner.
  const from = demo.logs.length;
  assert.ok(demo.logs.slice(0, from).join("").includes(credentials.ioka.apiKey), "the banner is where the credentials are");
  const tokens = new Set();
  const reachedBrowser = [];
  for (const provider of Object.keys(PROVIDERS)) {
    for (const [button, outcome] of [["Pay", "paid"], ["Decline", "failed"]]) {
      const page = await browser.page();
      page.on("response", async (r) => {
        // The shop's server holds the merchant key; no answer to the page may carry it.
        const text = await r.text().catch(() => "");
        if (text.includes(credentials.tolem.merchantKey)) reachedBrowser.push(r.url());
        if (!r.url().includes("/api/checkout/start")) return;
        const body = await r.json().catch(() => null);
        for (const t of Object.values(body?.tokens ?? {})) if (t && !String(t).includes("_public_")) tokens.add(String(t));
      });
      const order = `SECRETS-${provider}-${button}`.toUpperCase();
      await page.goto(`${demo.origin}/?provider=${provider}&locale=en&order=${order}`);
      await toHostedPage(page, provider);
      await onHostedPage(page, provider, button);
      await sees(page, outcome);
      await page.close();
    }
  }
  // Forged notifications and hostile requests are logged as refusals: with no secret in them.
  for (const provider of ["ioka", "paytone"]) {
    await fetch(`${demo.origin}/api/checkout/webhooks/${provider}`, { method: "POST", headers: { "x-signature": "f".repeat(64) }, body: '{"event":"ORDER_PAID"}' });
  }
  await fetch(`${demo.origin}/api/checkout/webhooks/ecommpay`, { method: "POST", body: '{"payment":{"id":"X","status":"success"},"signature":"forged"}' });
  await fetch(`${demo.origin}/api/checkout/webhooks/bereke?orderNumber=X&operation=deposited&status=1&checksum=FORGED`);
  const { clientSecret } = await demo.session("SECRETS-SIGNIN");
  await fetch(`${demo.origin}/api/checkout/start`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ provider: "oneentry", clientSecret, idempotencyKey: "k-1", signIn: { email: "shopper@example.kz", password: "wrong-password-5555555555555599" } }) });
  await demo.createSession({ order: { id: "SECRETS-KEY", amount: 100, currency: "KZT" }, returnUrl: demo.origin + "/" }, "wrong-merchant-key-0000");
  await until("the logs to settle", async () => demo.logs.slice(from).join("").includes("request refused"));

  const logs = demo.logs.slice(from).join("");
  assert.ok(logs.length > 1000 && /notification|webhook/.test(logs), "the logs are there to read:\n" + logs.slice(0, 500));
  assert.ok(tokens.size >= 2, "ioka's browser tokens were seen, to look for");
  assert.deepEqual(reachedBrowser, [], "the merchant key never reached the browser");
  const problems = [];
  for (const s of [...secrets(), ...tokens, "tolem-demo-password", "wrong-password-5555555555555599"]) {
    if (logs.includes(s)) problems.push(`a secret or token (${s.slice(0, 8)}…)`);
  }
  for (const [shape, what] of KEY_SHAPES) if (shape.test(logs)) problems.push(what);
  assert.deepEqual(cardNumbers("pan=4242424242424242 order 1500000 ts 1764633600000"), ["4242424242424242"], "the card check sees a card number");
  assert.deepEqual(cardNumbers('{"pan":"4242424242424242"} att_4242424242424242 cs_4242424242424242_secret'), ["4242424242424242"], "an id made of digits is not a card number");
  for (const pan of cardNumbers(logs)) problems.push(`a card number ${pan.slice(0, 6)}…${pan.slice(-4)}`);
  assert.deepEqual(problems, [], "found in the logs");
});
