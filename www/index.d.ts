// Types of the npm package `tolem-checkout` and of `window.Tolem` (the script tag).
// The contract is docs/architecture.md, "Contracts"; amounts are integers in minor units (tiyn for KZT).

/** The five providers. */
export type Provider = "ioka" | "bereke" | "ecommpay" | "paytone" | "oneentry";

/** Languages the widget speaks; without one it follows `<html lang>`, then the browser, then `ru`. */
export type Locale = "kk" | "ru" | "en";

/** Currencies (ISO 4217). */
export type Currency = "KZT" | "RUB" | "UZS" | "KGS" | "USD" | "EUR";

/** One status model for every provider. Only `paid`, `authorized` and `refunded` mean money moved. */
export type PaymentStatus = "pending" | "authorized" | "paid" | "failed" | "cancelled" | "expired" | "refunded";

/** `tolem:error` codes. */
export type ErrorCode =
  | "NETWORK_ERROR"
  | "BACKEND_ERROR"
  | "PROVIDER_ERROR"
  | "CONFIG_ERROR"
  | "REDIRECT_BLOCKED"
  | "INTERNAL";

/** The merchant's order. */
export interface Order {
  /** The merchant's order id (1–64 characters; letters, digits, `-_.:`). */
  id: string;
  /** Minor units, a positive integer: 1500000 is 15 000 ₸. */
  amount: number;
  currency: Currency;
  /** Shown on the provider's page. */
  description?: string;
  /** Products, for providers that price the order themselves (OneEntry). */
  items?: { productId: number; quantity: number }[];
}

/** The shopper as the merchant knows them; every field is optional. */
export interface Customer {
  id?: string;
  email?: string;
  /** Preferably E.164, e.g. `+77010000000`. */
  phone?: string;
}

/** A signed-in OneEntry user's tokens, handed over by the page. */
export interface UserToken {
  accessToken: string;
  refreshToken?: string;
}

/** A OneEntry project the browser talks to directly (sign-in only, or everything). */
export interface OneEntryProject {
  /** e.g. `https://shop.oneentry.cloud` */
  projectUrl: string;
  /** The project's public app token. */
  appToken: string;
  /** Everything straight from the browser, with no merchant backend. */
  direct?: boolean;
  /** Orders storage marker (direct mode), default `orders`. */
  ordersStorage?: string;
  /** Order form identifier (direct mode), default `orderForm`. */
  orderForm?: string;
}

export interface ReadyDetail { provider: Provider }
export interface MethodDetail { methodId: string }
export interface RedirectDetail { url: string }
export interface PlacedDetail { methodId: string }
export interface StatusDetail { status: PaymentStatus; final: boolean }
export interface ErrorDetail { code: ErrorCode; message: string }

/** The events dispatched on the host element (bubbling, composed, so they cross shadow roots). */
export interface TolemEventMap {
  /** The methods are on screen (dispatched after the render that shows them). */
  "tolem:ready": CustomEvent<ReadyDetail>;
  "tolem:method": CustomEvent<MethodDetail>;
  "tolem:redirect": CustomEvent<RedirectDetail>;
  "tolem:placed": CustomEvent<PlacedDetail>;
  "tolem:status": CustomEvent<StatusDetail>;
  "tolem:error": CustomEvent<ErrorDetail>;
}

/** `mount` options (the element's attributes are the same, flattened and kebab-cased). */
export interface MountOptions {
  provider: Provider;
  /** The merchant backend (`{backendUrl}/start`, `/pay`, `/status`); optional only for OneEntry `direct`. */
  backendUrl?: string;
  /**
   * The checkout session's client secret (`cs_…_secret_…`), which the shop's server got from
   * `POST {backend}/sessions` with its merchant key. The backend takes the order, amount,
   * shopper and return URL from the session; the widget shows the amount the backend answers.
   */
  clientSecret?: string;
  /**
   * With `clientSecret`: the order this page expects the session to be for (an answer about
   * another order or amount is refused with `BACKEND_ERROR`, never shown as paid). Without
   * one (ioka token mode against a backend of ioka's guide, OneEntry `direct`): the order.
   */
  order?: Order;
  /** The shopper; sent only without `clientSecret` (the session names the shopper). */
  customer?: Customer;
  /** Default: `<html lang>`, then the browser's languages, then `ru`. */
  locale?: Locale;
  /** `auto` (default) follows `prefers-color-scheme`; `light` or `dark` forces one (docs/theming.md). */
  theme?: "auto" | "light" | "dark";
  /** Where the provider sends the shopper back, without `clientSecret`; default: this page. */
  returnUrl?: string;
  /** ioka public key, when the backend answers with ioka's tokens only. */
  publicKey?: string;
  /** Open the provider's page in this window (default) or a new tab. */
  presentation?: "redirect" | "new-tab";
  /** The local sandbox (`make demo`), whose origin is then allowed as a redirect target. */
  sandboxUrl?: string;
  /**
   * More hosts the shopper may be sent to, besides the provider's own (a white-label or
   * custom payment page): host names only (`pay.mybank.kz`), compared exactly, `https:` only.
   * Attribute: `redirect-hosts="pay.mybank.kz hpp.example.kz"`.
   */
  redirectHosts?: string[];
  /** ioka API base for token mode (default: from the public key). */
  iokaApiUrl?: string;
  /**
   * Your endpoint of ioka's own merchant guide (`/startPaymentWithSavedCard`), in place of a
   * Tolem backend: the widget posts it `{customer_external_id, email, phone,
   * order_external_id, amount}` from `order` and `customer`, and takes
   * `{order_access_token, customer_access_token}`. Needs `order` and `publicKey`.
   */
  iokaTokensUrl?: string;
  userToken?: UserToken;
  oneentry?: OneEntryProject;
  onReady?: (detail: ReadyDetail) => void;
  onMethod?: (detail: MethodDetail) => void;
  onRedirect?: (detail: RedirectDetail) => void;
  onPlaced?: (detail: PlacedDetail) => void;
  onStatus?: (detail: StatusDetail) => void;
  onError?: (detail: ErrorDetail) => void;
}

/** A mounted checkout. It works at once; calls made before the wasm has arrived are queued. */
export interface CheckoutHandle {
  /**
   * Changes options (merged over the current ones). Changing `provider`, `clientSecret` or the
   * order starts a new checkout. Invalid options throw a `CONFIG_ERROR` and the old ones stay.
   */
  update(partial: Partial<MountOptions>): void;
  /** Removes the widget and cancels its timers, listeners and requests. */
  unmount(): void;
  /** Resolves when the widget is on the page; rejects (with `code`) when it could not be. */
  readonly ready: Promise<CheckoutHandle>;
}

/**
 * Mounts a checkout into `target` (an element or a CSS selector).
 * @throws `CONFIG_ERROR` when called outside a browser page.
 */
export function mount(target: Element | string, options: MountOptions): CheckoutHandle;

/**
 * Fetches and compiles a build of the widget now instead of on the first mount: the
 * backend-only build, or with `"direct"` the one with the browser-direct modes (ioka token
 * mode, OneEntry's sign-in and direct mode), which a mount whose options have `publicKey`,
 * `iokaTokensUrl` or `oneentry` uses.
 */
export function preload(which?: "direct"): Promise<void>;

/** Registers `<tolem-checkout>` (or another name); does nothing when already defined or on a server. */
export function defineElement(name?: string): void;

/**
 * Where `tolem_bg.wasm` is fetched from, and `tolem_direct_bg.wasm` (default: beside `url`);
 * by default both come from beside the package's entry file.
 */
export function setWasmUrl(url: string | URL, directUrl?: string | URL): void;

/** Mounted widgets and wasm memory, for leak checks. */
export function stats(): { mounted: number; wasmMemoryBytes: number };

/** The package version. */
export const version: string;

/** The `<tolem-checkout>` element. */
export interface TolemCheckoutElement extends HTMLElement {
  /** Options attributes cannot carry (callbacks, `oneentry`, `userToken`); attributes win. */
  options: Partial<MountOptions>;
  /** Resolves when the widget is mounted. */
  readonly ready: Promise<CheckoutHandle | null>;
  addEventListener<K extends keyof TolemEventMap>(
    type: K,
    listener: (this: TolemCheckoutElement, ev: TolemEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

/** `window.Tolem`, defined by the script tag. */
export interface TolemGlobal {
  mount: typeof mount;
  preload: typeof preload;
  defineElement: typeof defineElement;
  stats: typeof stats;
  version: string;
}

declare global {
  interface HTMLElementTagNameMap {
    "tolem-checkout": TolemCheckoutElement;
  }
  interface HTMLElementEventMap extends TolemEventMap {}
  interface Window {
    Tolem?: TolemGlobal;
  }
}
