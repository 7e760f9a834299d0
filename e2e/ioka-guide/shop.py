"""A shop's own site, with the merchant backend ioka's guide describes ("Подготовка бэкенда":
an endpoint, /startPaymentWithSavedCard in the guide, that takes customer_external_id, email,
phone, order_external_id and amount, and answers the order's and the customer's access tokens),
and a checkout page that mounts Tolem against it with iokaTokensUrl. No Tolem backend is
involved: the widget reads methods and status from ioka's browser API with those tokens.

The endpoint takes the guide's steps in the guide's order. Where the guide's sample code reads
ioka's answers differently from ioka's OpenAPI 2.12.0 (docs/providers.md, "ioka's merchant
guide"), it reads them as the OpenAPI (and the sandbox) answers: a search that finds nothing is
200 with an empty list (the guide expects 404), a create is 201 with the object inside
(`{"customer": …, "customer_access_token": …}`; the guide expects the object itself, 200), and an
order found by search carries no access_token (read by id for it).

Standard library only. Settings from the environment: PORT, IOKA_API_URL, IOKA_API_KEY,
IOKA_PUBLIC_KEY, SANDBOX_URL (the widget's sandboxUrl), WIDGET_DIR (dist/ of `make dist`),
MAX_SECONDS (it stops by itself after this long; default 900).
"""

import json
import os
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_URL = os.environ["IOKA_API_URL"].rstrip("/")
API_KEY = os.environ["IOKA_API_KEY"]
PUBLIC_KEY = os.environ["IOKA_PUBLIC_KEY"]
SANDBOX_URL = os.environ.get("SANDBOX_URL", "")
WIDGET_DIR = os.environ["WIDGET_DIR"]


class IokaError(Exception):
    pass


def ioka(method, path, params=None, body=None):
    """One call to ioka's API with the shop's API-KEY: (status, parsed body)."""
    url = API_URL + path + ("?" + urllib.parse.urlencode(params) if params else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"API-KEY": API_KEY})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def found(status, items):
    """The first search result, or None: 404 (the guide's reading) or an empty list (the OpenAPI's)."""
    if status == 200 and items:
        return items[0]
    if status in (200, 404):
        return None
    raise IokaError(f"search answered {status}")


def create(path, body, name):
    """Creates a customer or an order: the object, with the access token its 201 answers beside it."""
    status, created = ioka("POST", path, body=body)
    if status not in (200, 201):
        raise IokaError(f"create {name} answered {status}")
    return dict(created[name], access_token=created[f"{name}_access_token"])


def start_payment_with_saved_card(payload):
    # 1. The customer: found by external_id, else created.
    status, items = ioka("GET", "/v2/customers", {"external_id": payload["customer_external_id"]})
    customer = found(status, items)
    if customer is None:
        customer = create("/v2/customers", {
            "external_id": payload["customer_external_id"],
            "email": payload["email"],
            "phone": payload["phone"],
        }, "customer")

    # 2. The order: found by external_id (so one shop order is never two ioka orders), else
    #    created with the customer's id, so that a new card can be saved for them.
    status, items = ioka("GET", "/v2/orders", {"external_id": payload["order_external_id"]})
    order = found(status, items)
    if order is not None and "access_token" not in order:
        status, order = ioka("GET", f"/v2/orders/{order['id']}")
        if status != 200:
            raise IokaError(f"get order answered {status}")
    if order is None:
        order = create("/v2/orders", {
            "external_id": payload["order_external_id"],
            "amount": payload["amount"],
            "customer_id": customer["id"],
        }, "order")

    # 3. Both access tokens, exactly as the guide answers them.
    return {"order_access_token": order["access_token"], "customer_access_token": customer["access_token"]}


PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>A shop on ioka's guide</title>
  <link rel="icon" href="/favicon.ico">
  <link rel="stylesheet" href="/tolem/tolem.css">
  <script src="/tolem/tolem.js"></script>
  <script src="/checkout.js" defer></script>
</head>
<body>
  <h1>Checkout</h1>
  <div id="checkout"></div>
</body>
</html>
"""

CHECKOUT_JS = """const settings = %s;
const order = new URLSearchParams(location.search).get("order") || "GUIDE-1";
window.checkout = Tolem.mount("#checkout", {
  provider: "ioka",
  iokaTokensUrl: "/startPaymentWithSavedCard",
  publicKey: settings.publicKey,
  iokaApiUrl: settings.apiUrl,
  sandboxUrl: settings.sandboxUrl || undefined,
  order: { id: order, amount: 1500000, currency: "KZT" },
  customer: { id: "u-guide", email: "guide@example.kz", phone: "+77010000001" },
  locale: "en",
});
"""


class Shop(BaseHTTPRequestHandler):
    def send(self, status, body, content_type):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        api_origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(API_URL))
        self.send_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
            f"connect-src 'self' {api_origin}",
        )
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/":
            return self.send(200, PAGE, "text/html; charset=utf-8")
        if path == "/favicon.ico":
            return self.send(204, b"", "image/x-icon")
        if path == "/checkout.js":
            settings = {"publicKey": PUBLIC_KEY, "apiUrl": API_URL, "sandboxUrl": SANDBOX_URL}
            return self.send(200, CHECKOUT_JS % json.dumps(settings), "text/javascript")
        name = path.removeprefix("/tolem/")
        if path.startswith("/tolem/") and name in ("tolem.js", "tolem_bg.wasm", "tolem.css", "tolem-direct.js", "tolem_direct_bg.wasm"):
            with open(os.path.join(WIDGET_DIR, name), "rb") as f:
                kind = {"js": "text/javascript", "wasm": "application/wasm", "css": "text/css"}
                return self.send(200, f.read(), kind[name.rsplit(".", 1)[1]])
        self.send(404, "not found", "text/plain")

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/startPaymentWithSavedCard":
            return self.send(404, "not found", "text/plain")
        try:
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            answer = start_payment_with_saved_card(payload)
        except (ValueError, KeyError, TypeError, IokaError) as e:
            print(f"startPaymentWithSavedCard: {e!r}", file=sys.stderr, flush=True)
            return self.send(200, json.dumps({"status": "error"}), "application/json")
        self.send(200, json.dumps(answer), "application/json")

    def log_message(self, fmt, *args):
        print(fmt % args, file=sys.stderr, flush=True)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8095"))), Shop)
    threading.Timer(float(os.environ.get("MAX_SECONDS", "900")), server.shutdown).start()
    print(f"ioka guide shop on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
