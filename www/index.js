// Entry of the npm package `tolem-checkout` (ESM). Importing it has no side effects and
// touches no browser global, so it is safe during server-side rendering; the wasm is
// fetched beside this file (bundlers copy it) when the first widget mounts.
import { setWasmUrl } from "./runtime.js";

setWasmUrl(new URL("./tolem_bg.wasm", import.meta.url).href);

export { mount, preload, defineElement, stats, setWasmUrl } from "./runtime.js";

/** This package's version. */
export const version = TOLEM_VERSION;
