// Tolem's JavaScript edge, shared by the script tag (dist/tolem.js, a classic script) and the
// npm package (tolem-checkout, ESM). It loads the wasm once, on the first mount (or on
// `preload()`), keeps `mount` usable before the wasm has arrived, and defines the
// <tolem-checkout> element. Nothing here touches `window`, `document` or `customElements`
// until a widget mounts or the element is defined, so importing the package while rendering
// on a server is safe.
import initWasm, { mount as mountWasm } from "./tolem_glue.js";

// Written by tools/dist.sh: the sha384 SRI hash of tolem_bg.wasm. The wasm is fetched with it,
// so a script tag pinned with `integrity` pins the wasm as well.
const WASM_INTEGRITY = typeof TOLEM_WASM_INTEGRITY === "string" ? TOLEM_WASM_INTEGRITY : "";

let wasmUrl = null;
let loading = null;
let wasm = null;
const live = new Set();

/** Where tolem_bg.wasm is fetched from; set once, before the first mount or preload. */
export function setWasmUrl(url) {
  wasmUrl = String(url);
}

/** Starts fetching and compiling the wasm now instead of on the first mount. */
export function preload() {
  if (!loading) {
    if (!wasmUrl) {
      return Promise.reject(new Error("tolem: no wasm URL"));
    }
    const init = WASM_INTEGRITY ? { integrity: WASM_INTEGRITY } : {};
    loading = initWasm({ module_or_path: fetch(wasmUrl, init) }).then((exports) => {
      wasm = exports;
    });
    // A failed download may be retried by the next mount.
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

function resolveTarget(target) {
  return typeof target === "string" ? document.querySelector(target) : target;
}

function report(target, options, code, message) {
  const detail = { code, message };
  const el = typeof document === "undefined" ? null : resolveTarget(target);
  if (el && typeof el.dispatchEvent === "function") {
    el.dispatchEvent(new CustomEvent("tolem:error", { bubbles: true, composed: true, detail }));
  }
  if (options && typeof options.onError === "function") {
    try {
      options.onError(detail);
    } catch (e) {
      console.error(e);
    }
  }
}

function codedError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

/**
 * Mounts a checkout into `target` (an element or a CSS selector). The handle works at once;
 * `update` calls made before the wasm has arrived are applied in order when it has.
 */
export function mount(target, options) {
  if (typeof document === "undefined") {
    throw codedError("CONFIG_ERROR", "tolem: mount needs a browser page (no document here)");
  }
  let handle = null;
  let pending = [];
  let unmounted = false;
  const checkout = {
    update(partial) {
      if (unmounted) return;
      // Invalid options throw CONFIG_ERROR (and are reported as tolem:error); the old
      // options stay in force.
      if (handle) handle.update(partial);
      else pending.push(partial);
    },
    unmount() {
      if (unmounted) return;
      unmounted = true;
      live.delete(checkout);
      if (handle) {
        handle.unmount();
        handle.free();
        handle = null;
      }
    },
  };
  live.add(checkout);
  checkout.ready = preload().then(
    () => {
      if (unmounted) return checkout;
      try {
        handle = mountWasm(target, options);
      } catch (e) {
        // The widget has already reported it (tolem:error + onError).
        live.delete(checkout);
        unmounted = true;
        throw e;
      }
      for (const p of pending) {
        try {
          handle.update(p);
        } catch {
          // Reported by the widget as tolem:error; the earlier options stay in force.
        }
      }
      pending = [];
      return checkout;
    },
    (e) => {
      live.delete(checkout);
      unmounted = true;
      report(target, options, "NETWORK_ERROR", `tolem: could not load ${wasmUrl}: ${e && e.message ? e.message : e}`);
      throw codedError("NETWORK_ERROR", `tolem: could not load ${wasmUrl}`);
    },
  );
  checkout.ready.catch(() => {});
  return checkout;
}

/** What is alive: mounted widgets and the wasm memory in bytes (for leak checks). */
export function stats() {
  return { mounted: live.size, wasmMemoryBytes: wasm ? wasm.memory.buffer.byteLength : 0 };
}

// Attributes of <tolem-checkout>, flattened from the mount options (docs/architecture.md, "Contracts").
const ATTRIBUTES = {
  provider: ["provider"],
  "backend-url": ["backendUrl"],
  "client-secret": ["clientSecret"],
  "order-id": ["order", "id"],
  amount: ["order", "amount"],
  currency: ["order", "currency"],
  description: ["order", "description"],
  "customer-id": ["customer", "id"],
  "customer-email": ["customer", "email"],
  "customer-phone": ["customer", "phone"],
  "return-url": ["returnUrl"],
  "public-key": ["publicKey"],
  "ioka-tokens-url": ["iokaTokensUrl"],
  presentation: ["presentation"],
  locale: ["locale"],
  theme: ["theme"],
  "sandbox-url": ["sandboxUrl"],
  "redirect-hosts": ["redirectHosts"],
};

function optionsFrom(el) {
  const base = el.tolemOptions || {};
  const options = { ...base, order: { ...base.order }, customer: { ...base.customer } };
  for (const [name, path] of Object.entries(ATTRIBUTES)) {
    let value = el.getAttribute(name);
    if (value === null) {
      // A removed attribute must not linger in the widget's options.
      if (path.length === 1 && !(path[0] in base)) options[path[0]] = undefined;
      continue;
    }
    // Minor units: a whole number. Anything else goes through as written, so the widget's
    // option check names it (CONFIG_ERROR) instead of it silently becoming NaN.
    if (name === "amount" && /^\d+$/.test(value.trim())) value = Number(value.trim());
    // Host names, separated by spaces or commas.
    if (name === "redirect-hosts") value = value.split(/[\s,]+/).filter(Boolean);
    if (path.length === 1) options[path[0]] = value;
    else options[path[0]][path[1]] = value;
  }
  // A session's element names no order: none is sent, so the backend's session decides.
  if (!base.order && Object.keys(options.order).length === 0) options.order = undefined;
  return options;
}

/** Registers <tolem-checkout> (once; later calls do nothing). */
export function defineElement(name = "tolem-checkout") {
  if (typeof customElements === "undefined" || customElements.get(name)) return;
  class TolemCheckoutElement extends HTMLElement {
    static get observedAttributes() {
      return Object.keys(ATTRIBUTES);
    }

    /** Options attributes cannot carry (callbacks, oneentry, userToken); attributes win. */
    get options() {
      return this.tolemOptions || {};
    }

    set options(value) {
      this.tolemOptions = value || {};
      this.tolemSchedule();
    }

    /** Resolves when the widget is mounted (rejects when it could not be). */
    get ready() {
      return this.tolemCheckout ? this.tolemCheckout.ready : Promise.resolve(null);
    }

    connectedCallback() {
      this.tolemSchedule();
    }

    disconnectedCallback() {
      this.tolemSchedule();
    }

    attributeChangedCallback() {
      this.tolemSchedule();
    }

    // One microtask collects everything that changed together: several attributes set in a
    // row are one update, and an element moved in the DOM (removed, then inserted again)
    // keeps its checkout instead of starting over.
    tolemSchedule() {
      if (this.tolemQueued) return;
      this.tolemQueued = true;
      queueMicrotask(() => {
        this.tolemQueued = false;
        this.tolemSync();
      });
    }

    tolemSync() {
      if (!this.isConnected) {
        if (this.tolemCheckout) {
          this.tolemCheckout.unmount();
          this.tolemCheckout = null;
        }
        return;
      }
      const options = optionsFrom(this);
      // A checkout whose options were refused is gone (live no longer holds it): mount
      // again with the corrected attributes.
      if (this.tolemCheckout && live.has(this.tolemCheckout)) {
        try {
          this.tolemCheckout.update(options);
        } catch {
          // Reported by the widget as tolem:error on this element; the old options stay.
        }
      } else {
        this.tolemCheckout = mount(this, options);
      }
    }
  }
  customElements.define(name, TolemCheckoutElement);
}
