// Entry of dist/tolem.js, the classic script: <script src=".../tolem.js"> defines window.Tolem
// and <tolem-checkout>, and finds tolem_bg.wasm beside itself (any folder, or a CDN with CORS).
// `data-preload` on the script tag fetches and compiles the wasm at once instead of on the
// first mount.
import { mount, preload, defineElement, stats, setWasmUrl } from "./runtime.js";

const script = document.currentScript;
setWasmUrl(new URL("tolem_bg.wasm", script && script.src ? script.src : location.href).href);
window.Tolem = { mount, preload, defineElement, stats, version: TOLEM_VERSION };
defineElement();
if (script && script.hasAttribute("data-preload")) preload().catch(() => {});
