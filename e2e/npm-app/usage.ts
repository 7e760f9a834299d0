// Type-checked by `tsc --noEmit` against the installed package: what a TypeScript merchant
// writes must compile, and the mistakes marked @ts-expect-error must not.
import { mount, preload, defineElement, setWasmUrl, stats, version } from "tolem-checkout";
import type { CheckoutHandle, ErrorCode, MountOptions, PaymentStatus, StatusDetail } from "tolem-checkout";
import "tolem-checkout/element";

const options: MountOptions = {
  provider: "ioka",
  backendUrl: "/api/checkout",
  clientSecret: "cs_00c0ffee00c0ffee_secret_0123456789abcdef0123456789abcdef",
  locale: "kk",
  presentation: "new-tab",
  onStatus: (s: StatusDetail) => {
    const final: boolean = s.final;
    const status: PaymentStatus = s.status;
    console.log(final, status);
  },
  onError: (e) => {
    const code: ErrorCode = e.code;
    console.log(code, e.message);
  },
};

const checkout: CheckoutHandle = mount("#checkout", options);
checkout.update({ locale: "ru" });
checkout.ready.then((c) => c.unmount());
preload().then(() => stats().mounted + stats().wasmMemoryBytes);
defineElement();
setWasmUrl(new URL("https://cdn.example/tolem_bg.wasm"));
const v: string = version;

const el = document.createElement("tolem-checkout");
el.options = { onStatus: (s) => console.log(s.status) };
el.addEventListener("tolem:status", (e) => console.log(e.detail.status, e.detail.final, v));
el.addEventListener("tolem:error", (e) => console.log(e.detail.code));
document.querySelector("tolem-checkout")?.ready.then((h) => h?.unmount());
window.Tolem?.mount(el, options);

// @ts-expect-error: amounts are integers in minor units, not strings
mount("#c", { ...options, order: { id: "A", amount: "15000", currency: "KZT" } });
// @ts-expect-error: an unknown provider
mount("#c", { ...options, provider: "stripe" });
// @ts-expect-error: an unsupported language
mount("#c", { ...options, locale: "de" });
// @ts-expect-error: an unknown currency
mount("#c", { ...options, order: { id: "A", amount: 1, currency: "GBP" } });
// @ts-expect-error: provider is required
mount("#c", { backendUrl: "/api", clientSecret: "cs_1_secret_2" });
// @ts-expect-error: a client secret is a string
mount("#c", { ...options, clientSecret: 42 });
// The order the page expects (token mode: the order itself).
mount("#c", { ...options, order: { id: "A-1001", amount: 1500000, currency: "KZT", description: "Order A-1001" } });
// @ts-expect-error: statuses are the seven of the one status model
const wrong: PaymentStatus = "succeeded";
console.log(wrong);
