// Writes docs/benchmarks.md from the figures the benchmarks left in target/bench/ in this run,
// with the date, the machine and the versions of everything measured.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { chromiumVersion, readResult, root } from "./common.mjs";

const size = readResult("size");
const methods = readResult("methods");
const polling = readResult("polling");
const backend = readResult("backend");

const run = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", cwd: root }).trim();
  } catch {
    return "unknown";
  }
};
const osName = (() => {
  try {
    return readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)"?/m)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
})();
const esbuildVersion = JSON.parse(readFileSync(join(root, "bench", "node_modules", "esbuild", "package.json"), "utf8")).version;
const tolemVersion = JSON.parse(readFileSync(join(root, "www", "package.json"), "utf8")).version;

const x = (r) => `${r.toFixed(2)}×`;
const n = (v) => v.toLocaleString("en-US").replace(/,/g, " ");
const ms = (v) => `${v.toFixed(1)} ms`;
const s = (v) => (v == null ? "—" : `${(v / 1000).toFixed(1)} s`);
const clock = (v) => (v == null ? "" : ` at ${Math.floor(v / 60000)}:${String(Math.floor(v / 1000) % 60).padStart(2, "0")}`);
const shown = (r) => ({
  outcome: `outcome${clock(r.first.stopped_at_ms)}`,
  still_pending: `"still being confirmed"${clock(r.first.stopped_at_ms)}`,
  expired: `"expired"${clock(r.first.stopped_at_ms)}`,
  still_polling: "still polling",
})[r.ending] ?? "—";

// The size before this diet, measured with the same tools at the commit named.
const BEFORE_DIET = { commit: "ce33008", raw: 441058, gzip: 181619, brotli: 147770 };

const d0 = methods.delays["0"];
const d50 = methods.delays["50"];
const never = polling.filter((r) => r.settles.startsWith("never"));
const neverOf = (name) => never.find((r) => r.one.schedule === name);

const lines = [];
const add = (...l) => lines.push(...l);
add(
  "# Benchmarks",
  "",
  "Written by `make bench` — do not edit by hand. Every figure below was measured in the run that wrote this",
  "file, on the machine described, all on loopback. The benchmarks print figures and ratios; they assert",
  "nothing about time (the size budget is a separate gate in `make test`, `tools/sizes.sh`).",
  "",
  `- **Date:** ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
  `- **Machine:** ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${osName}, Linux ${run("uname", ["-r"])}`,
  `- **Versions:** Tolem ${tolemVersion} (commit ${run("git", ["rev-parse", "--short", "HEAD"])}${run("git", ["status", "--porcelain", "--", ".", ":!docs/benchmarks.md"]) ? ", uncommitted changes" : ""}); ${run("rustc", ["--version"])}; Node ${process.version}; ${chromiumVersion()}; Adyen Web ${size.adyenVersion}; esbuild ${esbuildVersion}; wrk ${backend.wrk}`,
  "",
  "## Headline",
  "",
  `| | Tolem / Adyen Web Drop-in |`,
  `|---|---|`,
  `| bytes a shopper downloads, brotli | **${x(size.ratio.brotli)}** (${n(size.tolem.brotli)} vs ${n(size.adyen.brotli)}) |`,
  `| bytes a shopper downloads, gzip | ${x(size.ratio.gzip)} (${n(size.tolem.gzip)} vs ${n(size.adyen.gzip)}) |`,
  `| mount → methods usable, backend answers at once | **${x(d0.ratio)}** (${ms(d0.tolem.medianFromMount)} vs ${ms(d0.adyen.medianFromMount)}) |`,
  `| mount → methods usable, backend answers after 50 ms | **${x(d50.ratio)}** (${ms(d50.tolem.medianFromMount)} vs ${ms(d50.adyen.medianFromMount)}) |`,
  `| status requests, provider never settles (15 min), one shopper | **${x(neverOf("Tolem").one.first.requests / neverOf("Adyen").one.first.requests)}** (${neverOf("Tolem").one.first.requests} vs ${neverOf("Adyen").one.first.requests}; Hyperswitch ${neverOf("Hyperswitch").one.first.requests}) |`,
  "",
  "## 1. Size",
  "",
  "What a shopper downloads. Tolem: `make dist`'s script-tag files, with all five providers and the",
  `three languages inside. Adyen: \`@adyen/adyen-web\` ${size.adyenVersion} from npm, \`import { AdyenCheckout, Dropin, Card }\``,
  "(its tree-shakable entry), bundled and minified by esbuild into one script in this run, and its",
  "stylesheet minified by esbuild. Compressed with `gzip -9` and `brotli -q 11`, as `tools/sizes.sh` does.",
  "",
  "| file | raw | gzip -9 | brotli -q 11 |",
  "|---|---:|---:|---:|",
  ...size.tolemParts.map((p) => `| Tolem \`${p.file}\` | ${n(p.raw)} | ${n(p.gzip)} | ${n(p.brotli)} |`),
  `| **Tolem** | **${n(size.tolem.raw)}** | **${n(size.tolem.gzip)}** | **${n(size.tolem.brotli)}** |`,
  ...size.adyenParts.map((p) => `| Adyen \`${p.file}\` | ${n(p.raw)} | ${n(p.gzip)} | ${n(p.brotli)} |`),
  `| **Adyen Drop-in + Card** | **${n(size.adyen.raw)}** | **${n(size.adyen.gzip)}** | **${n(size.adyen.brotli)}** |`,
  `| Tolem / Adyen | ${x(size.ratio.raw)} | ${x(size.ratio.gzip)} | ${x(size.ratio.brotli)} |`,
  "",
  "Neither count includes what comes after the choice of a method: Adyen's card fields are iframes",
  "served from Adyen's servers (`securedFields`, with their own scripts), and Tolem sends the shopper",
  "to the provider's hosted page.",
  "",
  `Before this issue's size work (commit ${BEFORE_DIET.commit}) Tolem was ${n(BEFORE_DIET.raw)} raw, ${n(BEFORE_DIET.gzip)} gzip, ${n(BEFORE_DIET.brotli)} brotli;`,
  `now ${n(size.tolem.raw)}, ${n(size.tolem.gzip)}, ${n(size.tolem.brotli)}: ${n(BEFORE_DIET.brotli - size.tolem.brotli)} bytes brotli less (${((1 - size.tolem.brotli / BEFORE_DIET.brotli) * 100).toFixed(1)} %).`,
  `The aim is 0.6× Adyen's brotli bytes (${n(Math.floor(size.adyen.brotli * 0.6))}); see [size work](#size-work) for where the bytes are and what is left.`,
  "",
  "## 2. Time to methods",
  "",
  `Headless Chromium on loopback; every run is a fresh browser context (cold cache); ${methods.runs} runs of each, Tolem`,
  "and Adyen alternating, after one warm-up each. One loopback server serves both pages and answers",
  "the methods request after a fixed delay: Tolem's `POST /start` (a recorded answer: Bereke, one card",
  "method), and for Adyen the merchant's `/paymentMethods` returning a static `paymentMethodsResponse`",
  "(`scheme`), given to `AdyenCheckout` with analytics off. *Mount → usable* runs from the page's",
  "mount call to the first moment (a MutationObserver) the methods are laid out: for Tolem, its method",
  "radio and an enabled Pay button — which includes fetching and compiling the wasm; for Adyen, its",
  "method list. Adyen's card fields and Pay button wait on iframes from Adyen's servers, which cannot",
  "load here, so Adyen's figure stops earlier than it would for a shopper. *Page → usable* counts from",
  "navigation, so it includes downloading and parsing each widget's code.",
  "",
  "| backend delay | widget | mount → usable (median) | p90 | page → usable (median) |",
  "|---|---|---:|---:|---:|",
  ...Object.entries(methods.delays).flatMap(([delay, r]) => [
    `| ${delay} ms | Tolem | ${ms(r.tolem.medianFromMount)} | ${ms(r.tolem.p90FromMount)} | ${ms(r.tolem.medianFromNavigation)} |`,
    `| ${delay} ms | Adyen | ${ms(r.adyen.medianFromMount)} | ${ms(r.adyen.p90FromMount)} | ${ms(r.adyen.medianFromNavigation)} |`,
    `| ${delay} ms | Tolem / Adyen | **${x(r.ratio)}** | | ${x(r.ratioFromNavigation)} |`,
  ]),
  "",
  `Requests refused because they left loopback: Adyen ${[...new Set(Object.values(methods.delays).flatMap((r) => r.refused.adyen))].join(", ") || "none"} (even with analytics off); Tolem ${[...new Set(Object.values(methods.delays).flatMap((r) => r.refused.tolem))].join(", ") || "none"}.`,
  "",
  "## 3. Polling",
  "",
  "A simulated provider settles 5 s, 30 s or 5 min after the shopper is back, or not within 15 minutes.",
  "The clock is simulated (`crates/bench`, nothing waits). **Tolem** is its real checkout flow",
  "(`tolem_core::flow::step`, default poll policy: 1 s, ×1.5 up to 10 s, ±20 % jitter, a 5-minute budget,",
  "then \"still being confirmed\" with a Check again button). **Adyen** is `usePaymentStatusTimer` from",
  "Adyen Web 6, read in the npm package: a request at once, then 2 s after each answer, 10 s once 60 s have",
  "passed, \"expired\" at 15 min. **Hyperswitch** is every 2 s after each answer with no cap, as the issue",
  "describes it (its code was not in reach to check). Each status request takes 200 ms; the provider",
  "decides at its midpoint. *Requests* and *seen after* are one shopper's; the crowd is 1 000 shoppers back",
  "within 10 s, each provider settling within ±10 % of the scenario's time.",
  "",
  "| settles after | schedule | requests | seen after settling | shopper is shown | crowd: seen p50 / p95 | crowd: most in flight | crowd: requests |",
  "|---|---|---:|---:|---|---:|---:|---:|",
  ...polling.map((r) => `| ${r.settles} | ${r.one.schedule} | ${r.one.first.requests} | ${s(r.one.first.seen_after_settle_ms)} | ${shown(r.one)} | ${s(r.crowd.seen_after_p50_ms)} / ${s(r.crowd.seen_after_p95_ms)} | ${r.crowd.max_in_flight} | ${n(r.crowd.total_requests)} |`),
  "",
  "No schedule ever has two requests of one shopper in flight. The crowd's peak is set by the shoppers",
  "coming back (about 100 a second), alike for all three. Tolem trades a few seconds of delay on slow",
  "settlements for far fewer requests, and stops asking after 5 minutes: the shopper is told the payment",
  "is still being confirmed (money is never shown as failed) and can check again; the merchant's backend",
  "keeps following the provider. A tick or a tab shown again after the budget asks once more before",
  "saying so (which is why the 5-minute settlement is still shown).",
  "",
  "## 4. Backend",
  "",
  `The release demo process (reference backend + sandbox, over loopback HTTP) driven by wrk for ${backend.seconds} s per`,
  `level, both on the same ${backend.cores} cores. \`start\` is a new merchant order each time, as a shop makes it: the`,
  "shop's `POST /sessions`, then the widget's `POST /start`, which makes a new ioka order at the sandbox (the row counts",
  "both requests); `status` reads the ioka order at the sandbox on every request (200 prepared attempts).",
  "Rate limits are off for the run.",
  "",
  "| route | concurrency | requests/s | p50 | p99 | errors | RSS after |",
  "|---|---:|---:|---:|---:|---:|---:|",
  ...backend.rows.map((r) => `| \`${r.route}\` | ${r.concurrency} | ${n(Math.round(r.rps))} | ${r.p50Ms.toFixed(2)} ms | ${r.p99Ms.toFixed(2)} ms | ${r.errors} | ${(r.rssKiB / 1024).toFixed(1)} MiB |`),
  "",
  `Peak memory (VmHWM) of the process over the whole run: **${(backend.peakRssKiB / 1024).toFixed(1)} MiB**.`,
  "",
  "## Size work",
  "",
  readFileSync(join(root, "bench", "size-work.md"), "utf8").trim(),
  "",
);
writeFileSync(join(root, "docs", "benchmarks.md"), lines.join("\n"));
console.log(`report: docs/benchmarks.md (size ${x(size.ratio.brotli)} brotli, methods ${x(d0.ratio)} / ${x(d50.ratio)}, polling ${neverOf("Tolem").one.first.requests} vs ${neverOf("Adyen").one.first.requests} requests)`);
