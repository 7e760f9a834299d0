// Mounts the widget exactly as the README's script-tag snippet does; the query string picks
// the provider, order and language (?provider=ioka&order=A-1001&locale=en), and for the tests
// ioka's token mode (&publicKey=…) and the new-tab presentation (&presentation=new-tab).
const params = new URLSearchParams(location.search);
window.checkout = Tolem.mount("#checkout", {
  provider: params.get("provider") || "ioka",
  backendUrl: "/api/checkout",
  order: { id: params.get("order") || "A-1001", amount: 1500000, currency: "KZT", description: "Order " + (params.get("order") || "A-1001") },
  customer: { id: "u-42", email: "shopper@example.kz" },
  locale: params.get("locale") || "kk",
  sandboxUrl: "/sandbox",
  publicKey: params.get("publicKey") || undefined,
  presentation: params.get("presentation") || undefined,
});
