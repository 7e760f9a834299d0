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
window.checkout = mount("#checkout", {
  provider: "ioka",
  backendUrl: "/api/checkout",
  order: { id: params.get("order") || "NPM-1", amount: 1500000, currency: "KZT", description: "npm order" },
  customer: { id: "u-42" },
  locale: params.get("locale") || "kk",
  sandboxUrl: "/sandbox",
  onStatus: (s) => {
    if (s.final) document.title = "final: " + s.status;
  },
});
