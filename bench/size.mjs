// `make bench`, size: what a shopper downloads for Tolem (dist/: wasm, js, css, all five
// providers and three languages) next to Adyen Web Drop-in with Card bundled in this run.
import { basename } from "node:path";
import { adyenVersion, buildAdyen, bytes, sum, tolemFiles, writeResult } from "./common.mjs";

const adyen = await buildAdyen();
const tolemParts = tolemFiles.map((f) => ({ file: basename(f), ...bytes(f) }));
const adyenParts = [adyen.js, adyen.css].map((f) => ({ file: basename(f), ...bytes(f) }));
const tolem = sum(tolemParts);
const adyenTotal = sum(adyenParts);
const ratio = {
  raw: tolem.raw / adyenTotal.raw,
  gzip: tolem.gzip / adyenTotal.gzip,
  brotli: tolem.brotli / adyenTotal.brotli,
};

const row = (name, b) => `${name.padEnd(28)} ${String(b.raw).padStart(9)} ${String(b.gzip).padStart(9)} ${String(b.brotli).padStart(9)}`;
console.log(`size: bytes a shopper downloads (Adyen Web ${adyenVersion()} Drop-in + Card, esbuild --minify)`);
console.log(`${"".padEnd(28)} ${"raw".padStart(9)} ${"gzip -9".padStart(9)} ${"brotli 11".padStart(9)}`);
for (const p of tolemParts) console.log(row(`  tolem ${p.file}`, p));
console.log(row("Tolem", tolem));
for (const p of adyenParts) console.log(row(`  adyen ${p.file}`, p));
console.log(row("Adyen Drop-in + Card", adyenTotal));
console.log(`Tolem / Adyen: ${ratio.raw.toFixed(2)}× raw, ${ratio.gzip.toFixed(2)}× gzip, ${ratio.brotli.toFixed(2)}× brotli`);

writeResult("size", { adyenVersion: adyenVersion(), tolem, tolemParts, adyen: adyenTotal, adyenParts, ratio });
