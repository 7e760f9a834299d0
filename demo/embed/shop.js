// The shop's side of a checkout, as a page does it: ask the shop's own server for a checkout
// session (in the demo that server is /shop/checkout, crates/demo/src/shop.rs, which holds the
// merchant key and prices the cart itself) and mount the widget with the client secret it
// answers. The page never sends a price; it only says what is in the cart.
window.demoShop = {
  /** This page, without what a provider appended on the way back. */
  returnUrl() {
    const u = new URL(location.href);
    for (const p of ["tolem_return", "orderId", "lang"]) u.searchParams.delete(p);
    u.hash = "";
    return u.href;
  },
  /**
   * `{clientSecret, orderId, amount, currency}` for the order, the cart holding `items`
   * (default: one tea) and, if given, only `providers`; `shopper` says who is signed in
   * (default `u-42`).
   */
  async checkout(orderId, { items, providers, shopper } = {}) {
    const r = await fetch("/shop/checkout", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId, items, providers, shopper, returnUrl: this.returnUrl() }),
    });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error(`the shop could not start checkout: ${body?.error?.message ?? r.status}`);
    return body;
  },
};
