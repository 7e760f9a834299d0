// The npm package as a merchant gets it: `make dist` packed dist/tolem-checkout-<v>.tgz; here it
// is installed into a scratch project, type-checked with tsc, imported in Node (server-side
// rendering), bundled with Vite, and the bundle runs a real round trip in Chromium under the
// strict CSP, served by the demo at /embed/npm/.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { demoSuite, watchCsp, STRICT_CSP, hostedWord } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const bin = join(here, "node_modules/.bin");
const version = JSON.parse(readFileSync(join(root, "www/package.json"), "utf8")).version;
const tarball = join(root, `dist/tolem-checkout-${version}.tgz`);
const scratch = mkdtempSync(join(tmpdir(), "tolem-npm-app-"));
const built = join(scratch, "out");
after(() => rmSync(scratch, { recursive: true, force: true }));

const suite = demoSuite({ TOLEM_NPM_APP_DIR: built });

function run(cmd, args, cwd = scratch, env = {}) {
  return execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

test("npm pack ships exactly the package's files", () => {
  const files = run("tar", ["-tzf", tarball]).trim().split("\n").sort();
  assert.deepEqual(files, [
    "package/LICENSE-APACHE",
    "package/LICENSE-MIT",
    "package/README.md",
    "package/direct.js",
    "package/element.d.ts",
    "package/element.js",
    "package/index.d.ts",
    "package/index.js",
    "package/package.json",
    "package/tolem.css",
    "package/tolem_bg.wasm",
    "package/tolem_direct_bg.wasm",
  ]);
  for (const wasm of ["tolem_bg.wasm", "tolem_direct_bg.wasm"]) {
    const shipped = readFileSync(join(root, "dist/npm", wasm));
    assert.deepEqual(shipped, readFileSync(join(root, "dist", wasm)), `the same ${wasm} as the script tag`);
  }
});

test("the tarball installs into a fresh project and its types check (tsc --noEmit)", () => {
  cpSync(join(here, "npm-app"), scratch, { recursive: true });
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "shop", private: true, type: "module" }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball]);
  const pkg = JSON.parse(readFileSync(join(scratch, "node_modules/tolem-checkout/package.json"), "utf8"));
  assert.equal(pkg.version, version);
  // usage.ts holds correct uses and @ts-expect-error mistakes: loose types would fail too.
  try {
    run(join(bin, "tsc"), ["-p", "tsconfig.json"]);
  } catch (e) {
    assert.fail("tsc --noEmit failed:\n" + e.stdout + e.stderr);
  }
});

test("importing the package in Node touches no browser global; mount says it needs a page", () => {
  const out = JSON.parse(run("node", ["ssr.mjs"]).trim());
  assert.deepEqual(out.afterImport, [], "nothing browser-only is read at import time");
  assert.deepEqual(out.exports, ["defineElement", "mount", "preload", "setWasmUrl", "stats", "version"]);
  assert.equal(out.mountError.code, "CONFIG_ERROR");
  assert.match(out.mountError.message, /browser page/);
  assert.equal(out.version, version);
});

test("Vite bundles it and the bundle pays a round trip in Chromium under the strict CSP", async () => {
  run("node", [join(here, "node_modules/vite/bin/vite.js"), "build"], scratch, { OUT_DIR: built });
  const assets = readdirSync(join(built, "assets"));
  assert.ok(assets.some((f) => /^tolem_bg-.+\.wasm$/.test(f)), "Vite emitted the wasm as an asset: " + assets);
  assert.ok(assets.some((f) => /^tolem_direct_bg-.+\.wasm$/.test(f)), "and the browser-direct build's: " + assets);
  assert.ok(assets.some((f) => /^direct-.+\.js$/.test(f)), "the browser-direct glue is a chunk of its own: " + assets);

  const page = await suite.page();
  await watchCsp(page);
  const response = await page.goto(suite.demo.origin + "/embed/npm/?order=NPM-1&locale=en");
  assert.equal(response.headers()["content-security-policy"], STRICT_CSP);
  await page.getByRole("radiogroup").waitFor();
  assert.equal(await page.locator("#version").textContent(), version);
  assert.equal(await page.evaluate(() => typeof customElements.get("tolem-checkout")), "function", "tolem-checkout/element registered it");
  const wasm = page.requests.filter((r) => r.includes(".wasm"));
  assert.equal(wasm.length, 1, "a page with a backend loads the backend-only build alone");
  assert.match(wasm[0], /\/embed\/npm\/assets\/tolem_bg-.+\.wasm$/);
  assert.ok(!page.requests.some((r) => /\/assets\/direct-.+\.js$/.test(r)), "nor its glue: " + page.requests.join("\n"));
  await page.locator(".tolem-pay").click();
  await page.waitForURL(/\/sandbox\/ioka\/checkout\/orders\/ord_/);
  await page.getByRole("button", { name: await hostedWord(page, "Pay"), exact: true }).click();
  await page.waitForURL(/\/embed\/npm\/.*tolem_return=success/);
  await page.getByText("Payment successful").waitFor();
  assert.equal(await page.title(), "final: paid");
  assert.deepEqual(page.cspViolations, []);
  const orders = await suite.demo.iokaOrders("NPM-1");
  assert.equal(orders.length, 1);
  assert.equal(orders[0].status, "PAID");
});
