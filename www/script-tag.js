// Entry of dist/tolem.js, the classic script: <script src=".../tolem.js"> defines window.Tolem
// and <tolem-checkout>, and finds tolem_bg.wasm beside itself (any folder, or a CDN with CORS).
// `data-preload` on the script tag fetches and compiles the wasm at once instead of on the
// first mount. A page whose options need the browser-direct build gets tolem-direct.js (its
// glue, pinned by its SRI hash) and tolem_direct_bg.wasm from beside it too.
import { mount, preload, defineElement, stats, setWasmUrl, setDirectGlue } from "./runtime.js";

// Written by tools/bundle.sh: the SRI hash of tolem-direct.js.
const DIRECT_SCRIPT_INTEGRITY = typeof TOLEM_DIRECT_SCRIPT_INTEGRITY === "string" ? TOLEM_DIRECT_SCRIPT_INTEGRITY : "";

const script = document.currentScript;
const base = script && script.src ? script.src : location.href;
setWasmUrl(new URL("tolem_bg.wasm", base).href);

// tolem-direct.js hands its glue to `Tolem._directBuild` when it runs.
let directLoading = null;
let handOver = null;
setDirectGlue(() => {
  if (!directLoading) {
    directLoading = new Promise((resolve, reject) => {
      handOver = resolve;
      const url = new URL("tolem-direct.js", base).href;
      const tag = document.createElement("script");
      tag.src = url;
      if (DIRECT_SCRIPT_INTEGRITY) {
        tag.integrity = DIRECT_SCRIPT_INTEGRITY;
        tag.crossOrigin = "anonymous";
      }
      tag.onerror = () => {
        directLoading = null;
        reject(new Error(`could not load ${url}`));
      };
      document.head.appendChild(tag);
    });
  }
  return directLoading;
});

window.Tolem = {
  mount,
  preload,
  defineElement,
  stats,
  version: TOLEM_VERSION,
  _directBuild: (glue) => handOver && handOver(glue),
};
defineElement();
if (script && script.hasAttribute("data-preload")) preload().catch(() => {});
