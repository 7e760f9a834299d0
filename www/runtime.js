// Tolem's JavaScript edge, shared by the script tag (dist/tolem.js, a classic script) and the
// npm package (tolem-checkout, ESM). It loads a wasm build once, on the first mount that needs
// it (or on `preload()`), keeps `mount` usable before the wasm has arrived, and defines the
// <tolem-checkout> element. Nothing here touches `window`, `document` or `customElements`
// until a widget mounts or the element is defined, so importing the package while rendering
// on a server is safe.
//
// Two builds of the widget: tolem_bg.wasm, the backend-only build every page that talks to a
// merchant backend uses, whose glue is bundled here; and tolem_direct_bg.wasm, with the modes in
// which the browser calls a provider's API itself (ioka token mode, OneEntry's sign-in and
// direct mode), fetched with its own glue only by a page whose options ask for them.
import initWasm, { mount as mountWasm } from "./tolem_glue.js";

// Written by tools/bundle.sh: the sha384 SRI hashes of the two wasm files. Each is fetched with
// its hash, so a script tag pinned with `integrity` pins the wasm as well.
const WASM_INTEGRITY = typeof TOLEM_WASM_INTEGRITY === "string" ? TOLEM_WASM_INTEGRITY : "";
const DIRECT_WASM_INTEGRITY = typeof TOLEM_DIRECT_WASM_INTEGRITY === "string" ? TOLEM_DIRECT_WASM_INTEGRITY : "";

let wasmUrl = null;
let directWasmUrl = null;
let directGlue = () => Promise.reject(new Error("tolem: this package has no browser-direct build"));
const builds = {
  backend: { loading: null, exports: null, mount: mountWasm },
  direct: { loading: null, exports: null, mount: null },
};
const live = new Set();

/**
 * Where tolem_bg.wasm is fetched from, and tolem_direct_bg.wasm (beside it unless given); set
 * once, before the first mount or preload.
 */
export function setWasmUrl(url, directUrl) {
  wasmUrl = String(url);
  directWasmUrl = directUrl ? String(directUrl) : null;
}

/** How the entry loads the direct build's glue (a module with `default` init and `mount`). */
export function setDirectGlue(load) {
  directGlue = load;
}

/** True when `options` ask for a mode only tolem_direct_bg.wasm has. */
function needsDirect(options) {
  return Boolean(options && (options.publicKey || options.iokaTokensUrl || options.oneentry));
}

function load(kind) {
  const build = builds[kind];
  if (!build.loading) {
    if (!wasmUrl) {
      return Promise.reject(new Error("tolem: no wasm URL"));
    }
    const direct = kind === "direct";
    const url = direct ? directWasmUrl || new URL("tolem_direct_bg.wasm", wasmUrl).href : wasmUrl;
    const integrity = direct ? DIRECT_WASM_INTEGRITY : WASM_INTEGRITY;
    // The wasm downloads while the direct build's glue does.
    const response = fetch(url, integrity ? { integrity } : {});
    const glue = direct ? directGlue() : Promise.resolve({ default: initWasm, mount: mountWasm });
    build.loading = glue
      .then((g) => g.default({ module_or_path: response }).then((exports) => [g, exports]))
      .then(([g, exports]) => {
        build.exports = exports;
        build.mount = g.mount;
      });
    // A failed download may be retried by the next mount.
    build.loading.catch(() => {
      build.loading = null;
    });
    response.catch(() => {});
  }
  return build.loading;
}

/**
 * Starts fetching and compiling a build now instead of on the first mount: the backend-only
 * build, or with `"direct"` the one with the browser-direct modes.
 */
export function preload(which) {
  return load(which === "direct" ? "direct" : "backend");
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

// The language the widget will speak, decided as it decides (tolem-i18n's `negotiate`): the
// option, else the page's <html lang>, else the first browser language it knows, else Russian.
// `null` for an option it does not speak (the widget refuses those options).
function widgetLocale(option) {
  const known = (tag) => {
    const primary = String(tag).trim().split(/[-_]/)[0].toLowerCase();
    return ["kk", "ru", "en"].includes(primary) ? primary : null;
  };
  if (option !== undefined && option !== null) return known(option);
  const page = known(document.documentElement.getAttribute("lang") || "");
  return page || (navigator.languages || []).map(known).find(Boolean) || "ru";
}

// A v4 UUID from crypto.getRandomValues, like the widget's own idempotency keys.
function freshKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// True when this tab keeps a journal record of a checkout with `provider` (src/browser.rs): the
// widget may resume that payment (it decides), and a `start` sent now could begin another
// attempt behind its back (after a decline, `start` makes a new one).
function journaled(provider) {
  try {
    for (let i = 0; i < sessionStorage.length; i++) {
      if ((sessionStorage.key(i) || "").startsWith(`tolem:attempt:${provider}:`)) return true;
    }
  } catch {
    // No storage: the widget keeps no journal either.
  }
  return false;
}

/**
 * The widget's first request, sent now, while the wasm downloads and compiles: `POST
 * {backendUrl}/start` with a checkout session's client secret (www/backend-api.md). Sent only
 * where the widget would send exactly that as its first request (Tolem's backend API with a
 * session; not ioka's guide, not OneEntry's sign-in or direct modes, not a page the provider
 * sent the shopper back to or one whose tab journaled a payment, where the widget reads the
 * status instead). The widget takes the
 * answer only when its own request would have been this one byte for byte, and aborts it
 * otherwise (src/effects.rs, `start`).
 */
function earlyStart(options) {
  if (!options || typeof options.backendUrl !== "string" || typeof options.clientSecret !== "string") return null;
  if (typeof options.provider !== "string" || options.iokaTokensUrl || options.oneentry || options.userToken) return null;
  const query = new URLSearchParams(location.search);
  if (query.has("tolem_return") || query.has("orderId") || journaled(options.provider)) return null;
  const locale = widgetLocale(options.locale);
  if (!locale || typeof crypto === "undefined" || typeof AbortController === "undefined") return null;
  const key = freshKey();
  const url = `${options.backendUrl.replace(/\/+$/, "")}/start`;
  // Members in the order the widget writes them.
  const body = JSON.stringify({ provider: options.provider, clientSecret: options.clientSecret, idempotencyKey: key, locale });
  const controller = new AbortController();
  const response = fetch(url, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json" },
    body,
    signal: controller.signal,
  });
  response.catch(() => {});
  return { url, body, key, response, controller };
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
  let early = earlyStart(options);
  const dropEarly = () => {
    if (early) early.controller.abort();
    early = null;
  };
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
      dropEarly();
      if (handle) {
        handle.unmount();
        handle.free();
        handle = null;
      }
    },
  };
  live.add(checkout);
  const kind = needsDirect(options) ? "direct" : "backend";
  checkout.direct = kind === "direct";
  checkout.ready = load(kind).then(
    () => {
      if (unmounted) return checkout;
      try {
        // The widget owns the early request from here (it aborts what it does not use).
        const handoff = early;
        early = null;
        handle = builds[kind].mount(target, options, handoff);
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
      dropEarly();
      const what = kind === "direct" ? "the browser-direct build" : wasmUrl;
      report(target, options, "NETWORK_ERROR", `tolem: could not load ${what}: ${e && e.message ? e.message : e}`);
      throw codedError("NETWORK_ERROR", `tolem: could not load ${what}`);
    },
  );
  checkout.ready.catch(() => {});
  return checkout;
}

/** What is alive: mounted widgets and the wasm memory in bytes (for leak checks). */
export function stats() {
  const memory = (b) => (b.exports ? b.exports.memory.buffer.byteLength : 0);
  return { mounted: live.size, wasmMemoryBytes: memory(builds.backend) + memory(builds.direct) };
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
      // again with the corrected attributes. Attributes that change which build the widget
      // needs (public-key, ioka-tokens-url) mount it again in the other build.
      if (this.tolemCheckout && this.tolemCheckout.direct !== needsDirect(options)) {
        this.tolemCheckout.unmount();
        this.tolemCheckout = null;
      }
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
