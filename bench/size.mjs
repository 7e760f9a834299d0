// `make bench`, size: what a shopper downloads for Tolem (dist/: a page with a merchant
// backend loads tolem.js, tolem_bg.wasm and tolem.css, all five providers and three languages)
// next to Adyen Web Drop-in with Card bundled in this run; and what a page with a
// browser-direct mode loads instead (tolem.js, tolem.css, tolem-direct.js, tolem_direct_bg.wasm);
// and the floor: the smallest widget on the design card's libraries (bench/floor, built by
// bench/floor.sh), what any widget on them downloads before its own code.
import { basename, join } from "node:path";
import { adyenVersion, buildAdyen, bytes, root, sum, tolemFiles, writeResult } from "./common.mjs";

const adyen = await buildAdyen();
const tolemParts = tolemFiles.map((f) => ({ file: basename(f), ...bytes(f) }));
const adyenParts = [adyen.js, adyen.css].map((f) => ({ file: basename(f), ...bytes(f) }));
const tolem = sum(tolemParts);
const directParts = ["tolem-direct.js", "tolem_direct_bg.wasm"].map((f) => ({ file: f, ...bytes(join(root, "dist", f)) }));
const direct = sum([...tolemParts.filter((p) => p.file !== "tolem_bg.wasm"), ...directParts]);
const adyenTotal = sum(adyenParts);
const floorParts = ["floor.js", "floor_bg.wasm"].map((f) => ({ file: f, ...bytes(join(root, "target", "floor", "out", f)) }));
const floor = sum(floorParts);
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
for (const p of directParts) console.log(row(`  tolem ${p.file}`, p));
console.log(row("Tolem, browser-direct page", direct));
for (const p of floorParts) console.log(row(`  floor ${p.file}`, p));
console.log(row("the card's libraries alone", floor));
console.log(`floor / Adyen: ${(floor.brotli / adyenTotal.brotli).toFixed(2)}× brotli; Tolem above the floor: ${tolem.brotli - floor.brotli} bytes brotli, Adyen above it: ${adyenTotal.brotli - floor.brotli}`);

writeResult("size", { adyenVersion: adyenVersion(), tolem, tolemParts, adyen: adyenTotal, adyenParts, ratio, direct, directParts, floor, floorParts });
