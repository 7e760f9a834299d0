// ---- Tolem script-tag loader ----
// Finds tolem_bg.wasm beside this script (works from any folder or a CDN with CORS),
// compiles it (streaming) when the first widget mounts, and defines window.Tolem.
var tolemScript = document.currentScript;
var tolemBase = tolemScript && tolemScript.src ? tolemScript.src : location.href;
var tolemWasmUrl = new URL("tolem_bg.wasm", tolemBase).href;
var tolemLoading = null;

function tolemLoad() {
  if (!tolemLoading) {
    tolemLoading = wasm_bindgen({ module_or_path: tolemWasmUrl });
  }
  return tolemLoading;
}

function tolemElement(target) {
  return typeof target === "string" ? document.querySelector(target) : target;
}

function tolemFail(target, options, code, message) {
  var detail = { code: code, message: message };
  var el = tolemElement(target);
  if (el) {
    el.dispatchEvent(new CustomEvent("tolem:error", { bubbles: true, composed: true, detail: detail }));
  }
  if (options && typeof options.onError === "function") {
    try { options.onError(detail); } catch (e) { console.error(e); }
  }
}

function tolemMount(target, options) {
  var handle = null;
  var pending = [];
  var unmounted = false;
  var api = {
    update: function (partial) {
      if (handle) { handle.update(partial); } else { pending.push(partial); }
    },
    unmount: function () {
      unmounted = true;
      if (handle) { handle.unmount(); handle.free(); handle = null; }
    }
  };
  api.ready = tolemLoad().then(function () {
    if (unmounted) { return api; }
    handle = wasm_bindgen.mount(target, options);
    pending.forEach(function (p) { handle.update(p); });
    pending = [];
    return api;
  }, function (e) {
    tolemFail(target, options, "NETWORK_ERROR", "could not load " + tolemWasmUrl + ": " + e);
    throw e;
  });
  api.ready.catch(function () {});
  return api;
}

window.Tolem = { mount: tolemMount, preload: tolemLoad };
