// The demo storefront: mounts the widget the way a merchant would, with the script tag's
// window.Tolem (dist/tolem.js, served at /tolem/) and a checkout session from the shop's
// server (/embed/shop.js), and logs every tolem:* event.
const params = new URLSearchParams(location.search);
const provider = params.get("provider") || "ioka";
const locale = params.get("locale") || sessionStorage.getItem("tolem-demo-locale") || document.documentElement.lang || "kk";
sessionStorage.setItem("tolem-demo-locale", locale);
// The theme switcher: auto follows the system, light/dark force one, "steppe" is the shop's
// own colours set through the --tolem-* custom properties (storefront.css), on light.
const THEMES = ["auto", "light", "dark", "steppe"];
let theme = params.get("theme") || sessionStorage.getItem("tolem-demo-theme") || "auto";
if (!THEMES.includes(theme)) theme = "auto";
function applyTheme(name) {
  theme = name;
  sessionStorage.setItem("tolem-demo-theme", name);
  document.documentElement.dataset.theme = name;
  return name === "steppe" ? "light" : name;
}
const widgetTheme = applyTheme(theme);
// A provider that sends every shopper back to one fixed URL (OneEntry's account settings)
// returns without ?order=: the shop remembers its current order, as a real cart would.
// How the OneEntry checkout is wired (?signin=direct, ?oneentry=direct) is remembered too.
const oneentryMode =
  (params.get("oneentry") === "direct" && "direct") || (params.get("signin") === "direct" && "signin") ||
  (params.has("order") ? "" : sessionStorage.getItem("tolem-demo-oneentry-mode")) || "";
sessionStorage.setItem("tolem-demo-oneentry-mode", oneentryMode);
if (oneentryMode === "direct") params.set("oneentry", "direct");
if (oneentryMode === "signin") params.set("signin", "direct");
const remembered = "tolem-demo-order-" + provider;
let orderId = params.get("order") || sessionStorage.getItem(remembered);
if (!orderId) orderId = "DEMO-" + Math.random().toString(36).slice(2, 8).toUpperCase();
sessionStorage.setItem(remembered, orderId);
params.set("order", orderId);
if (location.search !== "?" + params.toString()) history.replaceState(null, "", location.pathname + "?" + params.toString());
document.documentElement.lang = locale;
document.getElementById("order-id").textContent = orderId;
document.getElementById("provider").value = provider;
document.getElementById("locale").value = locale;
document.getElementById("theme").value = theme;
document.getElementById("theme").addEventListener("change", (e) => {
  window.checkout?.update({ theme: applyTheme(e.target.value) });
});

function navigateWith(changes) {
  const next = new URLSearchParams(location.search);
  next.delete("tolem_return");
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) next.delete(k); else next.set(k, v);
  }
  location.search = next.toString();
}
document.getElementById("provider").addEventListener("change", (e) => navigateWith({ provider: e.target.value }));
document.getElementById("locale").addEventListener("change", (e) => navigateWith({ locale: e.target.value }));
document.getElementById("new-order").addEventListener("click", () => {
  sessionStorage.removeItem(remembered);
  navigateWith({ order: null });
});

const log = document.getElementById("events");
for (const name of ["ready", "method", "redirect", "placed", "status", "error"]) {
  document.addEventListener("tolem:" + name, (e) => {
    const li = document.createElement("li");
    li.textContent = "tolem:" + name + " " + JSON.stringify(e.detail);
    log.append(li);
  });
}

// The cart: one kilo of apple tea. The shop's server prices it (crates/demo/src/shop.rs) and
// answers a checkout session's client secret; only OneEntry's direct mode, which has no
// backend, names the order to the widget itself (OneEntry prices it from the products).
const cart = [{ productId: 1, quantity: 1 }];

async function start(tolem) {
  const direct = oneentryMode === "direct";
  // ?shopper=u-7: who is signed in at the shop (their saved cards are theirs).
  const shopper = params.get("shopper") || undefined;
  const session = direct ? null : await demoShop.checkout(orderId, { items: cart, shopper });
  window.checkout = tolem.mount("#checkout", {
    provider,
    backendUrl: "/api/checkout",
    ...(session
      ? {
          clientSecret: session.clientSecret,
          // What the shop's server said it priced: the widget refuses answers about anything else.
          order: { id: session.orderId, amount: session.amount, currency: session.currency },
        }
      : {
          order: { id: orderId, amount: 1500000, currency: "KZT", description: "Almaty apple tea, 1 kg", items: cart },
          customer: { id: "u-42", email: "shopper@example.kz", phone: "+77010000000" },
        }),
    locale,
    theme: widgetTheme,
    // The shop's server says where its sandbox is (under `trunk serve` the page is on another port).
    sandboxUrl: session?.sandboxUrl ?? location.origin + "/sandbox",
    // ?redirectHosts=pay.mybank.example: more payment page hosts the widget may send the shopper to.
    ...(params.get("redirectHosts") ? { redirectHosts: params.get("redirectHosts").split(",") } : {}),
    // OneEntry: ?signin=direct signs in straight at OneEntry (the rest through the backend);
    // ?oneentry=direct does everything straight at OneEntry, with no merchant backend at all.
    ...(oneentryMode === "signin" || direct
      ? {
          oneentry: {
            projectUrl: location.origin + "/sandbox/oneentry",
            appToken: "oe_app_TOLEMDEMO0000000000000001",
            direct,
          },
        }
      : {}),
  });
}

start(window.Tolem).catch((e) => {
  const p = document.createElement("p");
  p.setAttribute("role", "alert");
  p.textContent = e.message;
  document.getElementById("checkout").append(p);
});
