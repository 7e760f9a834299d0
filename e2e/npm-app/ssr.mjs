// Server-side rendering: importing the package must not touch browser globals. Every global
// a browser would have is a trap here; the script prints what was touched and what mount did.
const touched = [];
for (const name of ["window", "document", "customElements", "HTMLElement", "location", "self", "navigator"]) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      touched.push(name);
      return undefined;
    },
  });
}
const tolem = await import("tolem-checkout");
const afterImport = [...touched];
// The element entry registers <tolem-checkout> where there is a registry, and does nothing here.
const element = await import("tolem-checkout/element");
let mountError = null;
try {
  tolem.mount("#checkout", { provider: "ioka", backendUrl: "/api", order: { id: "A", amount: 1, currency: "KZT" } });
} catch (e) {
  mountError = { code: e.code, message: e.message };
}
tolem.defineElement();
console.log(JSON.stringify({ afterImport, exports: Object.keys(tolem).sort(), element: Object.keys(element), mountError, version: tolem.version }));
