// Entry of the npm package `tolem-checkout` (ESM). Importing it has no side effects and
// touches no browser global, so it is safe during server-side rendering; the wasm is
// fetched beside this file (bundlers copy it) when the first widget mounts. The
// browser-direct build (direct.js and tolem_direct_bg.wasm) is imported only by a page whose
// options need it: bundlers split it into its own chunk.
import { setWasmUrl, setDirectGlue } from "./runtime.js";

setWasmUrl(new URL("./tolem_bg.wasm", import.meta.url).href, new URL("./tolem_direct_bg.wasm", import.meta.url).href);
setDirectGlue(() => import("./direct.js"));

export { mount, preload, defineElement, stats, setWasmUrl } from "./runtime.js";

/** This package's version. */
export const version = TOLEM_VERSION;
