// Mounts the widget exactly as DESIGN §3's script-tag snippet does.
const params = new URLSearchParams(location.search);
window.checkout = Tolem.mount("#checkout", {
  provider: params.get("provider") || "ioka",
  backendUrl: "/api/checkout",
  order: { id: params.get("order") || "TAG-1", amount: 250000, currency: "KZT", description: "Script-tag order" },
  customer: { id: "u-7" },
  locale: params.get("locale") || "ru",
  sandboxUrl: location.origin + "/sandbox",
  publicKey: params.get("publicKey") || undefined,
  presentation: params.get("presentation") || undefined,
});
