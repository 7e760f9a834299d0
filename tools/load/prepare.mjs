// Prepares what `make load` cycles through: N attempts started (ioka), their pay calls, their
// status reads, and ioka webhooks for their orders signed with the demo webhook key (bodies
// written already in the canonical form ioka signs, so raw body = signed text).
// Usage: node prepare.mjs ORIGIN N OUTDIR
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const [origin, count, out] = [process.argv[2], Number(process.argv[3] || 200), process.argv[4]];
const creds = await (await fetch(`${origin}/sandbox/credentials.json`)).json();
const key = creds.ioka.webhookKey;
const merchantKey = creds.tolem.merchantKey;
const run = `PREP-${Date.now()}`;
const attempts = [];
for (let i = 0; i < count; i += 20) {
  const batch = Array.from({ length: Math.min(20, count - i) }, async (_, j) => {
    const order = `${run}-${i + j}`;
    // The shop's server makes the checkout session (merchant key); the widget starts with its secret.
    const session = await fetch(`${origin}/api/checkout/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${merchantKey}` },
      body: JSON.stringify({ order: { id: order, amount: 150000, currency: "KZT" }, returnUrl: origin + "/" }),
    });
    if (!session.ok) throw new Error(`session ${order}: ${session.status} ${await session.text()}`);
    const { clientSecret } = await session.json();
    const r = await fetch(`${origin}/api/checkout/start`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "ioka", clientSecret, idempotencyKey: "k-" + order }),
    });
    if (!r.ok) throw new Error(`start ${order}: ${r.status} ${await r.text()}`);
    return { order, attempt: (await r.json()).attemptId };
  });
  attempts.push(...(await Promise.all(batch)));
}
// ioka order ids, for the webhooks.
const orders = await Promise.all(
  attempts.map(async (a) => {
    const r = await fetch(`${origin}/sandbox/ioka/v2/orders?external_id=${a.order}`, { headers: { "API-KEY": creds.ioka.apiKey } });
    return (await r.json())[0].id;
  }),
);
// Python's json.dumps(sort_keys=True, ensure_ascii=False): ", " and ": " separators.
const canonical = (event) =>
  `{"event": "${event.event}", "order": {"amount": ${event.amount}, "currency": "KZT", "id": "${event.id}", "status": "${event.status}"}}`;
const lines = (f) => attempts.map(f).join("\n") + "\n";
writeFileSync(join(out, "pay.txt"), lines((a) => `POST /api/checkout/pay {"attemptId":"${a.attempt}","methodId":"card"}`));
writeFileSync(join(out, "status.txt"), lines((a) => `GET /api/checkout/status?attemptId=${a.attempt}`));
writeFileSync(
  join(out, "webhooks.txt"),
  orders
    .map((id) => {
      const body = canonical({ event: "ORDER_PAID", amount: 150000, id, status: "PAID" });
      return `POST /api/checkout/webhooks/ioka sig=${createHmac("sha256", key).update(body).digest("hex")} ${body}`;
    })
    .join("\n") + "\n",
);
writeFileSync(join(out, "attempts.json"), JSON.stringify(attempts));
console.log(`prepared ${attempts.length} attempts`);
