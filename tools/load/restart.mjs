// `make load`, last part: the demo (backend + sandbox) is killed (SIGKILL) twice in the middle
// of a stream of checkouts and started again on the same store. Clients retry what failed the
// way the widget does (same order, same idempotency key). Afterwards every attempt a client was
// given still exists, and no merchant order has more than one provider order.
import { startDemo } from "../../e2e/harness.mjs";

const WORKERS = 8;
const RUN_MS = Number(process.env.LOAD_RESTART_MS || 6000);
const demo = await startDemo({ TOLEM_RATE_LIMIT_PER_MINUTE: "0" });
const origin = demo.origin;
let retries = 0;

async function call(path, body) {
  for (let tries = 0; ; tries++) {
    try {
      const r = await fetch(origin + path, body ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {});
      if (r.status < 500) return { status: r.status, body: await r.json() };
    } catch {
      // connection refused or cut: the process is down
    }
    if (tries > 600) throw new Error(`${path}: no answer after ${tries} tries`);
    retries++;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const given = new Map(); // order → attempt ids answered (all must be one and the same)
async function worker(w, until) {
  let flows = 0;
  for (let n = 0; Date.now() < until; n++) {
    const order = `RESTART-${w}-${n}`;
    const start = await call("/api/checkout/start", { provider: "ioka", order: { id: order, amount: 150000, currency: "KZT" }, returnUrl: origin + "/", idempotencyKey: "k-" + order });
    if (start.status !== 200) throw new Error(`start ${order}: ${start.status} ${JSON.stringify(start.body)}`);
    const again = await call("/api/checkout/start", { provider: "ioka", order: { id: order, amount: 150000, currency: "KZT" }, returnUrl: origin + "/", idempotencyKey: "k-" + order });
    given.set(order, new Set([start.body.attemptId, again.body.attemptId]));
    const pay = await call("/api/checkout/pay", { attemptId: start.body.attemptId, methodId: "card" });
    if (pay.status !== 200) throw new Error(`pay ${order}: ${pay.status} ${JSON.stringify(pay.body)}`);
    flows++;
  }
  return flows;
}

const until = Date.now() + RUN_MS;
const running = Array.from({ length: WORKERS }, (_, w) => worker(w, until));
const kills = [];
for (const at of [RUN_MS / 3, (2 * RUN_MS) / 3]) {
  kills.push(
    // The clients are not told: they see refused and cut connections, and retry.
    new Promise((r) => setTimeout(r, at)).then(() => demo.restart(300)),
  );
}
const flows = (await Promise.all(running)).reduce((a, b) => a + b, 0);
await Promise.all(kills);

let lost = 0;
let split = 0;
let duplicates = 0;
for (const [order, attempts] of given) {
  if (attempts.size !== 1) split++;
  for (const attempt of attempts) {
    const r = await fetch(`${origin}/api/checkout/status?attemptId=${attempt}`);
    if (r.status !== 200) lost++;
  }
  const ledger = await (await fetch(`${origin}/sandbox/_control/ledger?order=${order}`)).json();
  if (ledger.ioka.orders !== 1) duplicates++;
}
await demo.stop();
console.log(`restart: ${flows} checkouts (start, start again, pay) by ${WORKERS} clients over ${RUN_MS} ms, the process killed twice;`);
console.log(`restart: ${retries} requests retried; attempts lost ${lost}; orders answered with two attempts ${split}; orders with other than one provider order ${duplicates}`);
if (lost || split || duplicates || flows === 0) process.exit(1);
