// What the benchmarks share: where results go, the Adyen bundle, byte counts, Chromium.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Results of one `make bench` run, one JSON file per benchmark, read by report.mjs. */
export const results = join(root, "target", "bench");
mkdirSync(results, { recursive: true });

export function writeResult(name, value) {
  writeFileSync(join(results, `${name}.json`), JSON.stringify(value, null, 2) + "\n");
}

export function readResult(name) {
  return JSON.parse(readFileSync(join(results, `${name}.json`), "utf8"));
}

/** The Tolem files a shopper downloads (script tag build, `make dist`). */
export const tolemFiles = ["tolem_bg.wasm", "tolem.js", "tolem.css"].map((f) => join(root, "dist", f));

/** The Adyen Web version in bench/package.json's lockfile. */
export function adyenVersion() {
  return JSON.parse(readFileSync(join(root, "bench", "node_modules", "@adyen", "adyen-web", "package.json"), "utf8")).version;
}

/**
 * Adyen Web Drop-in with Card as a merchant ships it: the npm package's tree-shakable entry,
 * bundled and minified by esbuild (one classic script, like tolem.js), and its stylesheet
 * minified by esbuild too. Returns the two file paths.
 */
export async function buildAdyen() {
  const out = join(results, "adyen");
  mkdirSync(out, { recursive: true });
  const entry = join(out, "entry.js");
  writeFileSync(entry, [
    'import { AdyenCheckout, Dropin, Card } from "@adyen/adyen-web";',
    "window.AdyenBench = { AdyenCheckout, Dropin, Card };",
    "",
  ].join("\n"));
  const js = join(out, "adyen.js");
  const css = join(out, "adyen.css");
  await esbuild.build({
    entryPoints: [entry], bundle: true, minify: true, format: "iife", target: "es2020",
    nodePaths: [join(root, "bench", "node_modules")], outfile: js, logLevel: "warning", legalComments: "none",
  });
  await esbuild.build({
    entryPoints: [join(root, "bench", "node_modules", "@adyen", "adyen-web", "styles", "adyen.css")],
    bundle: true, minify: true, outfile: css, logLevel: "warning",
  });
  return { js, css };
}

/** raw, gzip -9 and brotli -q 11 bytes of a file (the same tools as tools/sizes.sh). */
export function bytes(file) {
  const count = (cmd, args) => execFileSync(cmd, args, { maxBuffer: 1 << 28 }).length;
  return {
    raw: statSync(file).size,
    gzip: count("gzip", ["-9", "-c", file]),
    brotli: count("brotli", ["-q", "11", "-c", file]),
  };
}

export function sum(list) {
  return list.reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli }), { raw: 0, gzip: 0, brotli: 0 });
}

/** Debian's Chromium, headless, with a throw-away profile. */
/**
 * Headless Debian Chromium. With `loopbackOnly`, every host name but 127.0.0.1 fails to resolve
 * inside Chromium, so nothing leaves loopback and no request waits on the driver: Playwright's
 * request interception (`route`) would carry every request to this Node process and back,
 * adding its own latency to the very requests a timing measures.
 */
export async function launchChromium({ loopbackOnly = false } = {}) {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
      ...(loopbackOnly ? ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"] : [])],
  });
  return browser;
}

export function chromiumVersion() {
  try {
    return execFileSync("/usr/bin/chromium", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
}
