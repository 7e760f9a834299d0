// Mounts the widget exactly as the README's script-tag snippet does: the shop's server makes
// the checkout session (shop.js), the page mounts with its client secret. The query string
// picks the provider, order, cart and language (?provider=ioka&order=A-1001&quantity=2&locale=en),
// and for the tests ioka's token mode (&publicKey=…) and the new-tab presentation (&presentation=new-tab).
const params = new URLSearchParams(location.search);
const orderId = params.get("order") || "A-1001";
const quantity = Number(params.get("quantity") || 1);
window.checkout = null;
window.checkoutReady = demoShop.checkout(orderId, { items: [{ productId: 1, quantity }] }).then((session) => {
  const publicKey = params.get("publicKey") || undefined;
  window.checkout = Tolem.mount("#checkout", {
    provider: params.get("provider") || "ioka",
    backendUrl: "/api/checkout",
    clientSecret: session.clientSecret,
    // The order the shop's server priced: the widget checks every answer against it (and, in
    // token mode, where the backend answers only tokens, shows its amount).
    order: { id: session.orderId, amount: session.amount, currency: session.currency },
    locale: params.get("locale") || "kk",
    sandboxUrl: "/sandbox",
    publicKey,
    presentation: params.get("presentation") || undefined,
  });
  return window.checkout;
});
