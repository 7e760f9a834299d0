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
const settle = readResult("settle");
const guide = readResult("guide");

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

// The size before this issue's diet, measured with the same tools at the commit named.
const BEFORE_DIET = { commit: "ce33008", raw: 441058, gzip: 181619, brotli: 147770 };

const d0 = methods.delays["0"];
const d50 = methods.delays["50"];
const d150 = methods.delays["150"];
const mobile = methods.delays.mobile;
const conditionName = (name) => (name === "mobile" ? "slow mobile link, backend 50 ms" : `${name} ms`);
const never = polling.filter((r) => r.settles.startsWith("never"));
const neverOf = (name) => never.find((r) => r.one.schedule === name);

const tolemLongPoll = neverOf("TolemLongPoll");
const scheduleName = (schedule) => ({ TolemLongPoll: "Tolem, long poll", Tolem: "Tolem, polling" })[schedule] ?? schedule;
const guideAt = (c) => guide.ratios.find((r) => r.connections === c);
const guideLow = Math.min(...guide.ratios.map((r) => r.connections));
const guideHigh = Math.max(...guide.ratios.map((r) => r.connections));

/** The headline rows, shared by docs/benchmarks.md and the README's "How it compares". */
function compareRows() {
  return [
    `| bytes a shopper downloads, brotli | **${x(size.ratio.brotli)}** (${n(size.tolem.brotli)} vs ${n(size.adyen.brotli)}) |`,
    ...Object.entries(methods.delays).map(([name, r]) =>
      `| mount → methods usable, ${name === "mobile" ? "slow mobile link (150 ms RTT, 1.6 Mbit/s), backend 50 ms" : name === "0" ? "backend answers at once" : `backend answers after ${name} ms`} | **${x(r.ratio)}** (${ms(r.tolem.medianFromMount)} vs ${ms(r.adyen.medianFromMount)}); from navigation ${x(r.ratioFromNavigation)} |`),
    `| status requests while a payment stays pending 15 min, one shopper | **${x(tolemLongPoll.one.first.requests / neverOf("Adyen").one.first.requests)}** (${tolemLongPoll.one.first.requests} vs ${neverOf("Adyen").one.first.requests}; Hyperswitch ${neverOf("Hyperswitch").one.first.requests}) |`,
    `| provider's notification at the backend → \`tolem:status\` in the page, p50 / p95 (real processes) | ${ms(settle.longPoll.p50Ms)} / ${ms(settle.longPoll.p95Ms)} (Tolem polling instead: ${ms(settle.polling.p50Ms)} / ${ms(settle.polling.p95Ms)}) |`,
    `| Tolem's \`start\` next to ioka's own guide on gunicorn, orders/s at ${guideLow} / ${guideHigh} connections | ${x(guideAt(guideLow).throughput)} / **${x(guideAt(guideHigh).throughput)}** (p99 ${x(guideAt(guideLow).p99)} / ${x(guideAt(guideHigh).p99)}) |`,
  ];
}

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
  `- **Versions:** Tolem ${tolemVersion} (commit ${run("git", ["rev-parse", "--short", "HEAD"])}${run("git", ["status", "--porcelain", "--", ".", ":!docs/benchmarks.md", ":!README.md"]) ? ", uncommitted changes" : ""}); ${run("rustc", ["--version"])}; Node ${process.version}; ${chromiumVersion()}; Adyen Web ${size.adyenVersion}; esbuild ${esbuildVersion}; wrk ${backend.wrk}`,
  "",
  "## Headline",
  "",
  `| | Tolem / Adyen Web Drop-in |`,
  `|---|---|`,
  `| bytes a shopper downloads, gzip | ${x(size.ratio.gzip)} (${n(size.tolem.gzip)} vs ${n(size.adyen.gzip)}) |`,
  ...compareRows(),
  "",
  "## 1. Size",
  "",
  "What a shopper downloads. Tolem: `make dist`'s script-tag files a page with a merchant backend loads",
  "(`tolem.js`, `tolem_bg.wasm`, `tolem.css`), with all five providers and the three languages inside; a page",
  "that uses a browser-direct mode (ioka token mode, OneEntry's sign-in or direct mode) loads `tolem-direct.js` and",
  `\`tolem_direct_bg.wasm\` in place of \`tolem_bg.wasm\` (rows below the Adyen ones). Adyen: \`@adyen/adyen-web\` ${size.adyenVersion} from npm, \`import { AdyenCheckout, Dropin, Card }\``,
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
  ...(size.directParts || []).map((p) => `| Tolem \`${p.file}\` | ${n(p.raw)} | ${n(p.gzip)} | ${n(p.brotli)} |`),
  ...(size.direct ? [`| **Tolem, a page with a browser-direct mode** | **${n(size.direct.raw)}** | **${n(size.direct.gzip)}** | **${n(size.direct.brotli)}** |`] : []),
  "",
  "Neither count includes what comes after the choice of a method: Adyen's card fields are iframes",
  "served from Adyen's servers (`securedFields`, with their own scripts), and Tolem sends the shopper",
  "to the provider's hosted page.",
  "",
  `Before the first size work (commit ${BEFORE_DIET.commit}) Tolem was ${n(BEFORE_DIET.raw)} raw, ${n(BEFORE_DIET.gzip)} gzip, ${n(BEFORE_DIET.brotli)} brotli;`,
  `now ${n(size.tolem.raw)}, ${n(size.tolem.gzip)}, ${n(size.tolem.brotli)}: ${n(BEFORE_DIET.brotli - size.tolem.brotli)} bytes brotli less (${((1 - size.tolem.brotli / BEFORE_DIET.brotli) * 100).toFixed(1)} %).`,
  `The goal is no more than Adyen's brotli bytes, aiming at 0.8× (${n(Math.floor(size.adyen.brotli * 0.8))}); see [size work](#size-work) for where the bytes are and what is left.`,
  ...(size.floor ? [
    "",
    "**The floor of the design card's libraries.** `bench/floor` is the smallest widget built on them: one Yew",
    "component that posts `start` with gloo-net, reads the amount and methods through serde-wasm-bindgen and shows",
    "radio buttons and a Pay button, built as the widget is (`bench/floor.sh`: the same profile, allocator,",
    "wasm-bindgen, wasm-opt passes and esbuild). It has no providers, languages, journal or error model.",
    "",
    "| file | raw | gzip -9 | brotli -q 11 |",
    "|---|---:|---:|---:|",
    ...size.floorParts.map((p) => `| floor \`${p.file}\` | ${n(p.raw)} | ${n(p.gzip)} | ${n(p.brotli)} |`),
    `| **the card's libraries alone** | **${n(size.floor.raw)}** | **${n(size.floor.gzip)}** | **${n(size.floor.brotli)}** |`,
    `| floor / Adyen | ${x(size.floor.raw / size.adyen.raw)} | ${x(size.floor.gzip / size.adyen.gzip)} | ${x(size.floor.brotli / size.adyen.brotli)} |`,
    "",
    `Above that floor, Tolem's own code, texts and styles are ${n(size.tolem.brotli - size.floor.brotli)} bytes brotli; Adyen's whole Drop-in + Card`,
    `leaves ${n(size.adyen.brotli - size.floor.brotli)} above it. Reaching 1.0× on these libraries means ${((1 - (size.adyen.brotli - size.floor.brotli) / (size.tolem.brotli - size.floor.brotli)) * 100).toFixed(0)} % less of Tolem's own.`,
  ] : []),
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
  "The slow mobile link is Chromium's network emulation (150 ms added round trip, 1.6 Mbit/s down,",
  "0.75 Mbit/s up) with the backend answering after 50 ms. Every file is served brotli-compressed",
  "(quality 11), as a CDN serves it. Tolem's page mounts with a checkout session's client secret, so",
  "its loader sends `start` while the wasm downloads and compiles, and it names the wasm in a preload link as",
  "the README's snippet does, so the wasm downloads beside `tolem.js`. Both pages call mount as soon as",
  "their script has run; Adyen's code (one script) is then all there, while Tolem's wasm may still be on",
  "its way, so *mount → usable* counts part of Tolem's download and none of Adyen's. Where bytes count",
  "(the slow link), *page → usable* is the like-for-like figure.",
  "",
  "| condition | widget | mount → usable (median) | p90 | page → usable (median) |",
  "|---|---|---:|---:|---:|",
  ...Object.entries(methods.delays).flatMap(([delay, r]) => [
    `| ${conditionName(delay)} | Tolem | ${ms(r.tolem.medianFromMount)} | ${ms(r.tolem.p90FromMount)} | ${ms(r.tolem.medianFromNavigation)} |`,
    `| ${conditionName(delay)} | Adyen | ${ms(r.adyen.medianFromMount)} | ${ms(r.adyen.p90FromMount)} | ${ms(r.adyen.medianFromNavigation)} |`,
    `| ${conditionName(delay)} | Tolem / Adyen | **${x(r.ratio)}** | | ${x(r.ratioFromNavigation)} |`,
  ]),
  "",
  `Chromium resolves only 127.0.0.1 (\`--host-resolver-rules\`): nothing leaves loopback, and no request is intercepted, which would add the driver's round trip to every request timed. Requests that failed because they left loopback: Adyen ${[...new Set(Object.values(methods.delays).flatMap((r) => r.refused.adyen))].join(", ") || "none"} (even with analytics off); Tolem ${[...new Set(Object.values(methods.delays).flatMap((r) => r.refused.tolem))].join(", ") || "none"}.`,
  "",
  "## 3. Polling",
  "",
  "A simulated provider settles 5 s, 30 s or 5 min after the shopper is back, or not within 15 minutes.",
  "The clock is simulated (`crates/bench`, nothing waits). **Tolem** is its real checkout flow",
  "(`tolem_core::flow::step`), fed what the widget is fed. *Tolem, long poll*: the backend holds each",
  "status request until the status changes or 25 s pass (Tolem's reference backend). *Tolem, polling*:",
  "a backend that answers at once, so the flow keeps its poll policy (1 s, ×1.5 up to 10 s, ±20 % jitter).",
  "Both stop after a 5-minute budget with \"still being confirmed\" and a Check again button. **Adyen** is `usePaymentStatusTimer` from",
  "Adyen Web 6, read in the npm package: a request at once, then 2 s after each answer, 10 s once 60 s have",
  "passed, \"expired\" at 15 min. **Hyperswitch** is every 2 s after each answer with no cap, as the issue",
  "describes it (its code was not in reach to check). Each status request takes 200 ms; the provider",
  "decides at its midpoint. *Requests* and *seen after* are one shopper's; the crowd is 1 000 shoppers back",
  "within 10 s, each provider settling within ±10 % of the scenario's time.",
  "",
  "| settles after | schedule | requests | seen after settling | shopper is shown | crowd: seen p50 / p95 | crowd: most in flight | crowd: requests |",
  "|---|---|---:|---:|---|---:|---:|---:|",
  ...polling.map((r) => `| ${r.settles} | ${scheduleName(r.one.schedule)} | ${r.one.first.requests} | ${s(r.one.first.seen_after_settle_ms)} | ${shown(r.one)} | ${s(r.crowd.seen_after_p50_ms)} / ${s(r.crowd.seen_after_p95_ms)} | ${r.crowd.max_in_flight} | ${n(r.crowd.total_requests)} |`),
  "",
  "No schedule ever has two requests of one shopper in flight. For the polling schedules the crowd's peak",
  "is set by the shoppers coming back (about 100 a second); with the long poll every waiting shopper holds",
  "one request at the backend, so *most in flight* is the crowd itself: connections the backend keeps",
  "open (a waiter is a task and a socket, woken by the status change; where several processes share one",
  "SQLite file it also looks at the store once a second) in place of requests it would answer. Polling,",
  "Tolem trades a few seconds of delay on slow settlements for fewer requests; the long poll removes the",
  "trade: the outcome within one request's way back, at about one request per 25 s. Both stop asking after",
  "5 minutes: the shopper is told the payment",
  "is still being confirmed (money is never shown as failed) and can check again; the merchant's backend",
  "keeps following the provider. A tick or a tab shown again after the budget asks once more before",
  "saying so (which is why the 5-minute settlement is still shown).",
  "",
  "## 4. From the provider's notification to the page",
  "",
  `Real processes: the release demo (backend and sandbox over loopback HTTP), headless Chromium, the widget`,
  `from \`dist/\`. ${settle.runs} ioka payments per way of waiting, alternating. The shopper pays on the sandbox's`,
  "hosted page and comes back while the payment still looks pending to the backend (its notification is",
  `held back and every provider read fails); ${settle.settlesAfterMs / 1000} s later the held notification is delivered to the`,
  "backend. The figure runs from sending it to the page's `tolem:status` event. *Long poll* is the widget as",
  "shipped (`GET /status?wait=25`); *polling* is the same widget with every status request's `wait` rewritten",
  "to 0 on its way out, so it falls back to its polling schedule, as with a backend that ignores `wait`.",
  "",
  "| waiting | p50 | p95 | max | status requests before settling (median) |",
  "|---|---:|---:|---:|---:|",
  ...["longPoll", "polling"].map((m) => `| ${m === "longPoll" ? "long poll" : "polling"} | ${ms(settle[m].p50Ms)} | ${ms(settle[m].p95Ms)} | ${ms(settle[m].maxMs)} | ${settle[m].statusRequestsBeforeSettling} |`),
  "",
  `Long poll / polling, p50: **${x(settle.ratioP50)}**.`,
  "",
  "## 5. Backend",
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
  "## 6. Next to ioka's own guide",
  "",
  "What a merchant would write instead: ioka's merchant-backend guide (\"Подготовка бэкенда\"), its Flask endpoint",
  "with `requests`, in `bench/guide/app.py` (the guide's four sequential ioka calls; ioka's answers read as its",
  `OpenAPI says, where the guide's sample reads them otherwise), served by gunicorn with ${guide.workers} sync workers`,
  `(${guide.versions}), against the same sandbox in the same run. The unit is the widget's one request that makes`,
  "an order ready to pay: Tolem's `POST /start` (a new ioka order at the sandbox), for a checkout session the shop's",
  "server made beforehand (`POST /sessions`, which prices the order; made between levels and not timed), and the",
  "guide's `POST /startPaymentWithSavedCard` (customer looked up, order looked up, order created; the price comes",
  `from the browser, as in the guide). A closed loop of N connections for ${guide.seconds} s per level, in Node, on the`,
  "same cores as both servers and the sandbox.",
  "",
  "| connections | backend | orders/s | p50 | p99 | errors |",
  "|---:|---|---:|---:|---:|---:|",
  ...guide.rows.map((r) => `| ${r.connections} | ${r.name === "tolem" ? "Tolem" : "ioka's guide"} | ${n(Math.round(r.ordersPerSecond))} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${r.errors} |`),
  ...guide.ratios.map((r) => `| ${r.connections} | Tolem / guide | **${x(r.throughput)}** | | ${x(r.p99)} | |`),
  "",
  "## Size work",
  "",
  readFileSync(join(root, "bench", "size-work.md"), "utf8").trim(),
  "",
);
writeFileSync(join(root, "docs", "benchmarks.md"), lines.join("\n"));

// The README's "How it compares": the headline of this run, between its markers.
const readmePath = join(root, "README.md");
const readme = readFileSync(readmePath, "utf8");
const begin = "<!-- compare: written by make bench -->";
const end = "<!-- /compare -->";
const from = readme.indexOf(begin);
const to = readme.indexOf(end);
if (from < 0 || to < from) throw new Error("README.md lacks the compare markers");
const table = [
  begin,
  `Measured by \`make bench\` on ${new Date().toISOString().slice(0, 10)} ([docs/benchmarks.md](docs/benchmarks.md) has the machine, the method and every figure).`,
  "",
  "| | Tolem / Adyen Web Drop-in (or as named) |",
  "|---|---|",
  ...compareRows(),
  end,
].join("\n");
writeFileSync(readmePath, readme.slice(0, from) + table + readme.slice(to + end.length));
console.log(`report: docs/benchmarks.md and README.md (size ${x(size.ratio.brotli)} brotli, methods ${x(d0.ratio)} / ${x(d50.ratio)} / ${x(d150.ratio)} / mobile ${x(mobile.ratio)}, settle p50 ${ms(settle.longPoll.p50Ms)}, polling ${tolemLongPoll.one.first.requests} vs ${neverOf("Adyen").one.first.requests} requests, guide ${x(guideAt(guideHigh).throughput)})`);
