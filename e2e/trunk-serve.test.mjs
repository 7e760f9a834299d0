// `trunk serve`, the widget's dev loop (README, "Working on the widget"): trunk builds the
// widget from the sources (a debug build), serves the storefront under the strict CSP and
// proxies the backend, the sandbox and the shop's server to a running demo, which accepts the
// page's origin through TOLEM_ALLOWED_ORIGINS. A shopper pays through it in Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemo, startBrowser, freePort, hostedWord } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Trunk.toml with this run's ports (and its own output folder, so the release build that
// `make dist` packaged stays as it is); trunk resolves paths from the config's folder.
const config = join(root, "Trunk.e2e.toml");
let demo, browser, trunk, origin;
const logs = [];

before(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  demo = await startDemo({ TOLEM_ALLOWED_ORIGINS: origin });
  const text = readFileSync(join(root, "Trunk.toml"), "utf8")
    .replaceAll("http://127.0.0.1:8080", demo.origin)
    .replace("port = 8090", `port = ${port}`)
    .replace('dist = "target/trunk"', 'dist = "target/trunk-serve"');
  assert.notEqual(text, readFileSync(join(root, "Trunk.toml"), "utf8"));
  writeFileSync(config, text);
  trunk = spawn("trunk", ["serve", "--config", config], {
    cwd: root,
    env: { ...process.env, PATH: `${join(root, "e2e/node_modules/.bin")}:${process.env.PATH}` },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  trunk.stdout.on("data", (d) => logs.push(String(d)));
  trunk.stderr.on("data", (d) => logs.push(String(d)));
  // The first build compiles the widget: allow it minutes on 2 cores.
  for (let i = 0; i < 600; i++) {
    if (trunk.exitCode !== null) throw new Error("trunk serve stopped:\n" + logs.join(""));
    const ok = await fetch(`${origin}/tolem/tolem.js`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  if (trunk && trunk.exitCode === null) process.kill(-trunk.pid, "SIGTERM");
  rmSync(config, { force: true });
  await demo?.stop();
});

test("trunk serve: the storefront from the sources, under the strict CSP, pays through the demo", async () => {
  const head = await fetch(`${origin}/`);
  assert.equal(head.status, 200, logs.join(""));
  const csp = head.headers.get("content-security-policy") ?? "";
  for (const directive of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  const page = await browser.page();
  await page.goto(`${origin}/?provider=ioka&locale=en&order=E2E-TRUNK`);
  await page.getByRole("radiogroup").waitFor({ timeout: 60_000 });
  await page.locator(".tolem-pay").click();
  await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\/ord_/);
  await page.getByRole("button", { name: await hostedWord(page, "Pay"), exact: true }).click();
  await page.waitForURL((url) => url.origin === origin && url.search.includes("tolem_return=success"));
  await page.getByText("Payment successful").waitFor();
  assert.deepEqual(page.problems, [], "no page errors or console errors");
  assert.equal((await demo.iokaOrders("E2E-TRUNK"))[0].status, "PAID");
  await page.close();
});

test("trunk serve: a change to the widget's files is rebuilt and served", async () => {
  // The stylesheet goes through the whole rebuild (trunk's watch, cargo, wasm-bindgen, the
  // post-build hook) without recompiling Rust, so the test stays short. It is put back after.
  const css = join(root, "www/tolem.css");
  const original = readFileSync(css, "utf8");
  const marker = `/* trunk-serve e2e ${Date.now()} */`;
  try {
    writeFileSync(css, original + marker + "\n");
    let served = "";
    for (let i = 0; i < 240 && !served.includes(marker); i++) {
      await new Promise((r) => setTimeout(r, 500));
      served = await fetch(`${origin}/tolem/tolem.css`).then((r) => r.text(), () => "");
    }
    assert.ok(served.includes(marker), "the changed stylesheet is served after the rebuild:\n" + logs.slice(-20).join(""));
  } finally {
    writeFileSync(css, original);
  }
});
