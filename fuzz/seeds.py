#!/usr/bin/env python3
"""Writes the committed seed corpora (fuzz/seeds/<target>/) from the providers' test vectors
in crates/core/vectors and a few signed samples. Run it again after changing a target's
input layout; `make fuzz` only reads the seeds."""
import base64, hashlib, hmac, json, os, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "crates", "core", "vectors")
OUT = os.path.join(HERE, "seeds")

def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def status(code, body):
    return struct.pack(">H", code) + (body if isinstance(body, bytes) else body.encode())

def vector(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        return f.read()

# ioka: the canonical body with its published signature, and two events signed the same way
# (HMAC-SHA256 over Python's json.dumps(sort_keys=True, ensure_ascii=False)).
IOKA_KEY = b"11cf6a7d5999eac284b117ebb7a443c6da9af8904cf99d5601e9c5287af6874b"
body = vector("ioka_webhook_canonical_body.txt").rstrip("\n")
put("ioka_webhook", "vector", "65d3668da6a3568b75afeb7a3663e593a160b8f6d2d23a33a400a85d69d7fa44\n" + body)
for i, event in enumerate([
    {"event": "ORDER_PAID", "order": {"id": "ord_1", "status": "PAID", "amount": 1500000, "currency": "KZT"}},
    {"event": "PAYMENT_DECLINED", "order": {"id": "ord_1", "status": "UNPAID"},
     "payment": {"id": "pay_1", "order_id": "ord_1", "status": "DECLINED", "error": {"code": "X", "message": "нет средств"}}},
]):
    canonical = json.dumps(event, sort_keys=True, ensure_ascii=False).encode()
    sig = hmac.new(IOKA_KEY, canonical, hashlib.sha256).hexdigest()
    put("ioka_webhook", f"signed-{i}", sig + "\n" + json.dumps(event, ensure_ascii=False))
order = json.loads(body)["order"]
put("ioka_responses", "order", status(200, json.dumps(order, ensure_ascii=False)))
put("ioka_responses", "created", status(201, json.dumps({"order": order, "order_access_token": "ord_1_secret_x"})))
put("ioka_responses", "error", status(409, '{"code":"OrderExists","message":"external_id taken"}'))
put("ioka_responses", "cards", status(200, '[{"id":"crd_1","pan_masked":"555555******5599","expiry_date":"12/30","status":"APPROVED"}]'))

# Paytone: the callback vector (SHA-1 of secret + body + secret, base64).
PT = '{"data":{"type":"payment-invoices","id":"cpi_UoIW6RdSYyIRj8vR","attributes":{"status":"processed","resolution":"ok","amount":4,"currency":"UAH","reference_id":"e2041fe2-44da-44da-0090-4ffe9d2f25d0","test_mode":true}}}'
sig = base64.b64encode(hashlib.sha1(b"test_secret_key" + PT.encode() + b"test_secret_key").digest()).decode()
assert sig == "aVFNhpSS6VwvPthuiY6BxZa/tko=", sig
put("paytone_callback", "vector", sig + "\n" + PT)
put("paytone_responses", "invoice", status(200, PT))
put("paytone_responses", "prerequest", status(200, json.dumps({"data": {"type": "payment-prerequest", "attributes": {
    "currency": "KZT", "test_mode": True,
    "services": {"bank_card_kzt_hpp": {"code": "bank_card_kzt_hpp", "method": "bank_card", "flow": "hpp", "currency": "KZT", "fields": [], "status": "available"},
                 "wallet_kzt_hpp": {"code": "wallet_kzt_hpp", "method": "wallet", "flow": "hpp", "currency": "KZT",
                                    "fields": [{"key": "phone", "type": "string", "label": {"en": "Phone"}, "regexp": "^\\+7[0-9]{10}$", "required": True}], "status": "available"}},
    "methods": {"bank_card": {"code": "bank_card", "name": "Bank card", "logo": "https://com.paycore.io/logos/bank_card.svg"}}}}})))
put("paytone_responses", "error", status(422, '{"errors":[{"status":"422","title":"Invalid","detail":"reference_id taken"}]}'))

# ECommPay: the SDK vectors, as callbacks with their signature in the body.
for v in json.loads(vector("ecommpay_signature_vectors.json")):
    if v.get("secret") == "qwerty":
        data = dict(v["data"])
        data["signature"] = v["signature"]
        put("ecommpay_callback", v["name"], json.dumps(data, ensure_ascii=False))
put("ecommpay_responses", "status", status(200, '{"project_id":240001,"payment":{"id":"A-1","status":"success","sum":{"amount":1500000,"currency":"KZT"}},"operations":[{"type":"sale","status":"success"}],"signature":"x"}'))
put("ecommpay_responses", "error", status(400, '{"status":"error","code":"3061","message":"Transaction not found"}'))

# Bereke (RBS): the verbatim status answers, and a callback signed like RBS does
# (HMAC-SHA256 over the sorted `name;value;` pairs, upper-case hex).
for i, line in enumerate(l for l in vector("rbs_samples.txt").splitlines() if l.startswith("{")):
    put("bereke_responses", f"sample-{i}", status(200, line))
params = {"mdOrder": "66c0640d-c88c-76e6-9dfa-c4ff5e34c9d9", "orderNumber": "A-1001", "operation": "deposited", "status": "1"}
signed = "".join(f"{k};{params[k]};" for k in sorted(params))
checksum = hmac.new(b"fuzz-callback-token", signed.encode(), hashlib.sha256).hexdigest().upper()
put("bereke_callback", "deposited", "&".join(f"{k}={v}" for k, v in params.items()) + "&checksum=" + checksum)
put("bereke_callback", "declined", "mdOrder=1&orderNumber=A-1~2&operation=declinedByTimeout&status=0&checksum=00")

# OneEntry: sessions (object or array), accounts, a created order, tokens.
put("oneentry_responses", "sessions", status(200, '[{"id":7,"orderId":55,"status":"waiting","paymentUrl":null},{"id":8,"orderId":55,"status":"paid","paymentUrl":"https://x"}]'))
put("oneentry_responses", "session", status(200, '{"id":7,"orderId":55,"status":"completed","paymentUrl":"https://x"}'))
put("oneentry_responses", "accounts", status(200, '[{"id":1,"identifier":"stripe","type":"stripe","isVisible":true,"localizeInfos":{"en_US":{"title":"Card"}}}]'))
put("oneentry_responses", "order", status(201, '{"id":55,"formIdentifier":"orderForm","paymentAccountIdentifier":"stripe","totalSum":15000,"statusIdentifier":"inProgress"}'))
put("oneentry_responses", "tokens", status(200, '{"accessToken":"a","refreshToken":"r"}'))
put("oneentry_responses", "statuses", status(200, "refunded=refunded,hold=authorized"))

# The way back and the journal.
put("return_url", "bereke", "https://shop.kz/checkout?orderId=66c0640d-c88c-76e6-9dfa-c4ff5e34c9d9&lang=kk#top")
put("return_url", "hint", "success")
put("return_url", "journal", json.dumps({"v": 1, "provider": "ioka", "attemptId": "att_1", "orderId": "A-1", "idempotencyKey": "k",
                                         "createdMs": 1764633000000, "expiresMs": 1764636600000, "orderAccessToken": "ord_1_secret_x"}))

# Mount options.
put("options", "ioka", json.dumps({"provider": "ioka", "backendUrl": "/api/checkout", "order": {"id": "A-1001", "amount": 1500000, "currency": "KZT", "description": "Заказ"},
                                   "customer": {"id": "u-42", "email": "shopper@example.kz"}, "locale": "kk", "theme": "dark", "presentation": "new-tab"}, ensure_ascii=False))
put("options", "oneentry-direct", json.dumps({"provider": "oneentry", "order": {"id": "A-1", "amount": 1, "currency": "KZT", "items": [{"productId": 1, "quantity": 1}]},
                                              "oneentry": {"projectUrl": "https://x.oneentry.cloud", "appToken": "t", "direct": True}}))

# What the widget reads (tolem_core::wire): backend answers, ioka's browser API, the journal.
put("wire_answers", "start", json.dumps({"attemptId": "att_1", "status": "pending", "methods": [
    {"id": "card", "kind": "card", "label": "Bank card"},
    {"id": "w", "kind": "wallet", "label": "Wallet", "fields": [{"key": "phone", "label": "Phone", "pattern": "^\\+7\\d{10}$", "required": True}]}],
    "tokens": {"orderAccessToken": "ord_1_secret_2"}}))
put("wire_answers", "ioka-tokens", json.dumps({"order_access_token": "ord_1_secret_2", "customer_access_token": "cus_1_secret_2"}))
put("wire_answers", "pay", json.dumps({"redirect": {"url": "https://pay.example/p", "method": "POST", "fields": [["a", "1"]]}}))
put("wire_answers", "status", json.dumps({"attemptId": "att_1", "status": "paid", "final": True}))
put("wire_answers", "ioka-order", json.dumps({"id": "ord_1", "status": "UNPAID", "amount": 150000, "currency": "KZT", "capture_method": "AUTO"}))
put("wire_answers", "ioka-cards", json.dumps([{"id": "crd_1", "pan_masked": "555555******5599", "payment_system": "MASTERCARD"}]))
put("wire_answers", "journal", json.dumps({"v": 1, "provider": "ioka", "attemptId": "att_1", "orderId": "A-1", "idempotencyKey": "k",
                                           "createdMs": 1764633000000, "expiresMs": 1764636600000}))
print("seeds written to", OUT, file=sys.stderr)
