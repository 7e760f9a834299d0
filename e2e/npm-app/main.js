// A merchant's app: `npm install tolem-checkout`, then the README's ESM snippet.
import { mount, version } from "tolem-checkout";
import "tolem-checkout/element";
import "tolem-checkout/tolem.css";

const params = new URLSearchParams(location.search);
document.getElementById("version").textContent = version;
for (const name of ["ready", "method", "redirect", "status", "error"]) {
  document.addEventListener("tolem:" + name, (e) => {
    const li = document.createElement("li");
    li.dataset.event = name;
    li.textContent = `tolem:${name} ${JSON.stringify(e.detail)}`;
    document.getElementById("log").append(li);
  });
}
// The shop's server makes the checkout session (the demo's /shop/checkout prices the cart and
// holds the merchant key); the page mounts with the client secret it answers.
async function checkoutSession() {
  const returnUrl = new URL(location.href);
  returnUrl.searchParams.delete("tolem_return");
  const answer = await fetch("/shop/checkout", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId: params.get("order") || "NPM-1", returnUrl: returnUrl.href }),
  });
  return (await answer.json()).clientSecret;
}
checkoutSession().then((clientSecret) => {
  window.checkout = mount("#checkout", {
    provider: "ioka",
    backendUrl: "/api/checkout",
    clientSecret,
    locale: params.get("locale") || "kk",
    sandboxUrl: "/sandbox",
    onStatus: (s) => {
      if (s.final) document.title = "final: " + s.status;
    },
  });
});
