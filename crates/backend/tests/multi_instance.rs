//! Several `tolem-backend` processes sharing one PostgreSQL (and, on one machine, one SQLite
//! file), behind no load balancer but the test itself: each request goes to the instance the test picks. The sandbox runs in the test
//! process on loopback and sends every webhook to instance B, whoever started the payment.
//!
//! What must hold, whichever instance a request lands on:
//! - concurrent `start`s (and `pay`s) for one order create one provider order;
//! - a webhook on one instance updates the attempt every instance reads;
//! - an instance killed in the middle of `start` or `pay` leaves nothing a retry cannot finish,
//!   and still at most one payment;
//! - SIGTERM finishes the requests in flight, readiness turns 503 first, the process exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tolem_backend::store::Engine;
use tolem_sandbox::demo_credentials as creds;
use tolem_sandbox::{DemoCallbacks, Sandbox, SandboxConfig};

const SHOP: &str = "https://shop.kz";
/// Two merchant keys, as while the shop moves from the old to the new one.
const MERCHANT_KEYS: &str = "tolem-test-key-old, tolem-test-key-new";

/// One backend process.
struct Instance {
    name: &'static str,
    child: Option<Child>,
    origin: String,
    log: PathBuf,
}

impl Instance {
    fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// SIGKILL: no shutdown, no cleanup, requests cut off where they are.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// The port the instance logged as bound (`tolem-backend listening addr=127.0.0.1:…`).
    async fn bound_port(&self) -> u16 {
        for _ in 0..600 {
            let log = without_colours(&std::fs::read_to_string(&self.log).unwrap_or_default());
            let port = log
                .lines()
                .filter(|l| l.contains("tolem-backend listening"))
                .find_map(|l| l.split("addr=127.0.0.1:").nth(1)?.split_whitespace().next()?.parse().ok());
            if let Some(port) = port {
                return port;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("instance {} never said where it listens:\n{}", self.name, self.log_tail());
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- instance {} log ---\n{}", self.name, self.log_tail());
        }
        self.kill();
    }
}

/// `text` without ANSI colour sequences (`ESC [ … m`), as a terminal would show it.
fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for skipped in chars.by_ref() {
                if skipped.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The sandbox, N instances on one fresh PostgreSQL database, and a client.
struct Cluster {
    db: common::TestDb,
    sandbox: String,
    instances: Vec<Instance>,
    http: reqwest::Client,
    dir: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.instances.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const NAMES: [&str; 3] = ["A", "B", "C"];

impl Cluster {
    async fn launch(engine: Engine, n: usize, extra_env: &[(&str, &str)]) -> Cluster {
        Cluster::launch_with_clocks(engine, n, extra_env, &[]).await
    }

    /// [`Cluster::launch`], with instance `i`'s wall clock moved by `clock_offsets[i]` (a
    /// libfaketime offset such as `+10s`, from Debian's `faketime`; monotonic time is left
    /// alone, so timers run normally).
    async fn launch_with_clocks(
        engine: Engine,
        n: usize,
        extra_env: &[(&str, &str)],
        clock_offsets: &[Option<&str>],
    ) -> Cluster {
        let db = common::fresh(engine).await;
        let dir = std::env::temp_dir().join(common::unique("tolem-cluster"));
        std::fs::create_dir_all(&dir).unwrap();
        // The sandbox's port first (instances need its URL); it serves once it knows where
        // instance B takes webhooks.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());

        let mut instances = Vec::new();
        for (i, name) in NAMES.into_iter().take(n).enumerate() {
            let log = dir.join(format!("{}.log", name));
            let mut command = match clock_offsets.get(i).copied().flatten() {
                Some(offset) => {
                    let mut faked = Command::new("faketime");
                    faked.arg("-f").arg(offset).arg(env!("CARGO_BIN_EXE_tolem-backend"));
                    faked
                }
                None => Command::new(env!("CARGO_BIN_EXE_tolem-backend")),
            };
            command
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
                .env("TOLEM_ADDR", "127.0.0.1:0")
                .env("DATABASE_URL", db.options.url.expose())
                .env("TOLEM_ALLOWED_ORIGINS", SHOP)
                .env("TOLEM_PROVIDER_TIMEOUT_MS", "4000")
                .env("TOLEM_LEASE_MS", "1000")
                .env("TOLEM_RATE_LIMIT_PER_MINUTE", "0")
                .env("TOLEM_MERCHANT_KEYS", MERCHANT_KEYS)
                .env("TOLEM_MAX_SECONDS", "180")
                .env("TOLEM_IOKA_API_URL", format!("{sandbox}/sandbox/ioka"))
                .env("TOLEM_IOKA_API_KEY", creds::IOKA_API_KEY)
                .env("TOLEM_IOKA_PUBLIC_KEY", creds::IOKA_PUBLIC_KEY)
                .env("TOLEM_IOKA_WEBHOOK_KEY", creds::IOKA_WEBHOOK_KEY)
                .env("TOLEM_BEREKE_API_URL", format!("{sandbox}/sandbox/bereke/payment/rest"))
                .env("TOLEM_BEREKE_USERNAME", creds::BEREKE_USER_NAME)
                .env("TOLEM_BEREKE_PASSWORD", creds::BEREKE_PASSWORD)
                .env("TOLEM_BEREKE_CALLBACK_TOKEN", creds::BEREKE_CALLBACK_TOKEN)
                .env("TOLEM_PAYTONE_API_URL", format!("{sandbox}/sandbox/paytone"))
                .env("TOLEM_PAYTONE_SECRET_KEY", creds::PAYTONE_SECRET_KEY)
                .env("TOLEM_PAYTONE_API_KEY", creds::PAYTONE_API_KEY)
                .env("TOLEM_PAYTONE_ACCOUNT_ID", creds::PAYTONE_ACCOUNT_ID)
                .env("TOLEM_PAYTONE_PUBLIC_KEY", creds::PAYTONE_PUBLIC_KEY);
            for (k, v) in extra_env {
                command.env(k, v);
            }
            let child = command
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(std::fs::File::create(dir.join(format!("{}.err", name))).unwrap())
                .spawn()
                .unwrap();
            instances.push(Instance { name, child: Some(child), origin: String::new(), log });
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        // Each instance binds a port of the system's choosing and logs it: no two tests can
        // be handed the same one.
        for instance in &mut instances {
            instance.origin = format!("http://127.0.0.1:{}", instance.bound_port().await);
        }
        let webhook_base = format!("{}/api/checkout/webhooks", instances[1.min(n - 1)].origin);
        let sb = Sandbox::open(SandboxConfig::demo(
            format!("{sandbox}/sandbox"),
            None,
            DemoCallbacks {
                ioka: Some(format!("{webhook_base}/ioka")),
                bereke: Some(format!("{webhook_base}/bereke")),
                ecommpay: Some(format!("{webhook_base}/ecommpay")),
                paytone: Some(format!("{webhook_base}/paytone")),
                oneentry_return: None,
            },
        ))
        .unwrap();
        let router = axum::Router::new().nest("/sandbox", tolem_sandbox::app(Arc::clone(&sb)));
        tokio::spawn(async move { axum::serve(listener, router).await });
        let cluster = Cluster { db, sandbox, instances, http, dir };
        for i in 0..n {
            cluster.wait_ready(i).await;
        }
        cluster
    }

    async fn wait_ready(&self, i: usize) {
        let url = format!("{}/api/checkout/ready", self.instances[i].origin);
        for _ in 0..400 {
            if let Ok(r) = self.http.get(&url).send().await {
                if r.status().as_u16() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("instance {} never became ready:\n{}", NAMES[i], self.instances[i].log_tail());
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn post(&self, i: usize, path: &str, body: &Value) -> (u16, Value) {
        let url = format!("{}/api/checkout{path}", self.instances[i].origin);
        self.call(self.http.post(url).header("content-type", "application/json").body(body.to_string())).await
    }

    /// Sends a POST without waiting for it: for a request an instance is killed or stopped
    /// in the middle of.
    fn post_in_background(
        &self,
        i: usize,
        path: &str,
        body: &Value,
    ) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
        let url = format!("{}/api/checkout{path}", self.instances[i].origin);
        let request = self.http.post(url).header("content-type", "application/json").body(body.to_string());
        tokio::spawn(request.send())
    }

    /// The `start` body the widget sends for a client secret.
    fn start_body_with(provider: &str, client_secret: &str, order_id: &str) -> Value {
        json!({
            "provider": provider,
            "clientSecret": client_secret,
            "locale": "kk",
            "idempotencyKey": format!("key-{order_id}"),
        })
    }

    /// The shop's server makes the order's session on instance `i` (with either merchant key:
    /// the old one on even instances, the new one on odd, as during a key rotation) and the
    /// widget's `start` body for it.
    async fn start_body(&self, i: usize, provider: &str, order_id: &str) -> Value {
        let key = MERCHANT_KEYS.split(',').map(str::trim).nth(i % 2).unwrap_or_default();
        let session = json!({
            "order": {"id": order_id, "amount": 1_500_000, "currency": "KZT", "description": "Тапсырыс"},
            "customer": {"id": "u-42", "email": "shopper@example.kz"},
            "returnUrl": format!("{SHOP}/checkout"),
        });
        let url = format!("{}/api/checkout/sessions", self.instances[i].origin);
        let request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {key}"))
            .body(session.to_string());
        let (code, body) = self.call(request).await;
        assert_eq!(code, 200, "session on {}: {body}", NAMES[i]);
        Cluster::start_body_with(provider, body["clientSecret"].as_str().unwrap_or_default(), order_id)
    }

    async fn start(&self, i: usize, provider: &str, order_id: &str) -> Value {
        let (code, body) = self.post(i, "/start", &self.start_body(i, provider, order_id).await).await;
        assert_eq!(code, 200, "start on {}: {body}", NAMES[i]);
        body
    }

    async fn pay(&self, i: usize, attempt: &str, method: &str) -> (u16, Value) {
        self.post(i, "/pay", &json!({"attemptId": attempt, "methodId": method})).await
    }

    async fn pay_url(&self, i: usize, attempt: &str, method: &str) -> String {
        let (code, body) = self.pay(i, attempt, method).await;
        assert_eq!(code, 200, "pay on {}: {body}", NAMES[i]);
        body["redirect"]["url"].as_str().unwrap().to_owned()
    }

    async fn status(&self, i: usize, attempt: &str) -> String {
        let url = format!("{}/api/checkout/status?attemptId={attempt}", self.instances[i].origin);
        let (code, body) = self.call(self.http.get(url)).await;
        assert_eq!(code, 200, "status on {}: {body}", NAMES[i]);
        body["status"].as_str().unwrap().to_owned()
    }

    /// `GET /status?wait=` on instance `i`: the status, the HTTP code and how long it was held.
    async fn status_waiting(&self, i: usize, attempt: &str, wait: &str) -> (u16, Value, Duration) {
        let url = format!("{}/api/checkout/status?attemptId={attempt}&wait={wait}", self.instances[i].origin);
        let asked = Instant::now();
        let (code, body) = self.call(self.http.get(url)).await;
        (code, body, asked.elapsed())
    }

    async fn fault(&self, rule: Value) {
        let url = format!("{}/sandbox/_control/faults", self.sandbox);
        let (code, body) =
            self.call(self.http.post(url).header("content-type", "application/json").body(rule.to_string())).await;
        assert_eq!(code, 201, "{body}");
    }

    async fn clear_faults(&self) {
        let r = self.http.delete(format!("{}/sandbox/_control/faults", self.sandbox)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }

    /// `{orders, paid}` the provider holds for a merchant order (and its later tries).
    async fn ledger(&self, provider: &str, order: &str) -> (u64, u64) {
        let url = format!("{}/sandbox/_control/ledger?order={order}", self.sandbox);
        let (code, body) = self.call(self.http.get(url)).await;
        assert_eq!(code, 200, "{body}");
        (body[provider]["orders"].as_u64().unwrap(), body[provider]["paid"].as_u64().unwrap())
    }

    async fn wait_ledger(&self, provider: &str, order: &str, orders: u64) {
        for _ in 0..200 {
            if self.ledger(provider, order).await.0 >= orders {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the sandbox never held {orders} {provider} orders for {order}");
    }

    /// The webhooks the sandbox delivered so far.
    async fn deliveries(&self) -> Vec<Value> {
        let (_, log) = self.call(self.http.get(format!("{}/sandbox/_control/webhooks", self.sandbox))).await;
        log.as_array().cloned().unwrap_or_default()
    }

    async fn wait_delivered(&self, provider: &str, n: usize) -> Vec<Value> {
        for _ in 0..400 {
            let done: Vec<Value> = self
                .deliveries()
                .await
                .into_iter()
                .filter(|d| d["provider"] == provider && d["status"].as_u64().is_some_and(|s| s != 0))
                .collect();
            if done.len() >= n {
                return done;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("fewer than {n} {provider} webhooks answered");
    }

    /// The shopper on a hosted page: submits its form, answers the redirect target.
    async fn hosted(&self, url: &str, extra: &[(&str, &str)]) -> String {
        let mut form =
            vec![("action", "pay"), ("pan", "5555555555555599"), ("exp", "12/30"), ("cvc", "123"), ("holder", "TEST")];
        form.extend_from_slice(extra);
        let r = self.http.post(url).form(&form).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap_or_default());
        r.headers().get("location").unwrap().to_str().unwrap().to_owned()
    }

    async fn pay_bereke_page(&self, form_url: &str) -> String {
        let md_order = form_url.split("mdOrder=").nth(1).unwrap().to_owned();
        self.hosted(form_url, &[("mdOrder", &md_order)]).await
    }
}

/// Fires `n` requests at once, round-robin over the instances, and answers their results in
/// order.
async fn all_at_once<F, Fut>(n: usize, instances: usize, f: F) -> Vec<(u16, Value)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = (u16, Value)> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|k| tokio::spawn(f(k % instances))).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

on_both_engines!(concurrent_starts_and_pays_on_three_instances_make_one_provider_order);
async fn concurrent_starts_and_pays_on_three_instances_make_one_provider_order(engine: Engine) {
    let cluster = Arc::new(Cluster::launch(engine, 3, &[]).await);
    // Slow provider creates, so the racing requests overlap for certain. RBS takes twice the
    // lease's life (1 s) to register: the holder's renewals must keep the others out.
    cluster.fault(json!({"provider": "ioka", "method": "POST", "path": "/v2/orders", "latencyMs": 300})).await;
    cluster.fault(json!({"provider": "bereke", "path": "/payment/rest/register.do", "latencyMs": 2000})).await;

    let (orders, starts_per_order) = (5, 12);
    for o in 0..orders {
        let order = format!("D-{o}");
        let started = Instant::now();
        let answers = all_at_once(starts_per_order, 3, |i| {
            let (c, order) = (Arc::clone(&cluster), order.clone());
            async move { c.post(i, "/start", &c.start_body(i, "ioka", &order).await).await }
        })
        .await;
        let attempts: std::collections::BTreeSet<String> = answers
            .iter()
            .map(|(code, body)| {
                assert_eq!(*code, 200, "{body}");
                body["attemptId"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(attempts.len(), 1, "{order}: one attempt for {starts_per_order} starts: {attempts:?}");
        let tokens: std::collections::BTreeSet<String> =
            answers.iter().map(|(_, b)| b["tokens"]["orderAccessToken"].as_str().unwrap().to_owned()).collect();
        assert_eq!(tokens.len(), 1, "every shopper tab got the same ioka order");
        assert_eq!(cluster.ledger("ioka", &order).await, (1, 0), "{order}: one ioka order");
        println!(
            "[{}] duplicate start: ioka {order}: {starts_per_order} concurrent starts over 3 instances → 1 attempt, 1 ioka order ({} ms)",
            engine.as_str(),
            started.elapsed().as_millis()
        );
    }

    // Bereke creates its order at `pay`: racing starts, then racing pays.
    let order = "D-RBS";
    let answers = all_at_once(starts_per_order, 3, |i| {
        let c = Arc::clone(&cluster);
        async move { c.post(i, "/start", &c.start_body(i, "bereke", order).await).await }
    })
    .await;
    let attempt = answers[0].1["attemptId"].as_str().unwrap().to_owned();
    assert!(answers.iter().all(|(code, b)| *code == 200 && b["attemptId"] == attempt.as_str()), "{answers:?}");
    let pays = all_at_once(starts_per_order, 3, |i| {
        let (c, attempt) = (Arc::clone(&cluster), attempt.clone());
        async move { c.pay(i, &attempt, "card").await }
    })
    .await;
    let urls: std::collections::BTreeSet<String> = pays
        .iter()
        .map(|(code, body)| {
            assert_eq!(*code, 200, "{body}");
            body["redirect"]["url"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(urls.len(), 1, "every pay got the same page: {urls:?}");
    assert_eq!(cluster.ledger("bereke", order).await, (1, 0), "one RBS order for {starts_per_order} pays");
    println!(
        "[{}] duplicate start: bereke {order}: {starts_per_order} starts + {starts_per_order} pays over 3 instances → 1 attempt, 1 RBS order, 1 page",
        engine.as_str()
    );

    // The shopper pays; every instance agrees, and paying again is refused everywhere.
    cluster.clear_faults().await;
    cluster.pay_bereke_page(urls.first().unwrap()).await;
    cluster.wait_delivered("bereke", 1).await;
    for (i, name) in NAMES.iter().enumerate() {
        assert_eq!(cluster.status(i, &attempt).await, "paid", "instance {name}");
        let (code, body) = cluster.pay(i, &attempt, "card").await;
        assert_eq!(code, 409, "{body}");
    }
    assert_eq!(cluster.ledger("bereke", order).await, (1, 1), "one order, one payment");
}

on_both_engines!(a_webhook_on_one_instance_is_seen_by_every_instance);
async fn a_webhook_on_one_instance_is_seen_by_every_instance(engine: Engine) {
    let cluster = Cluster::launch(engine, 3, &[]).await;
    let started = cluster.start(0, "ioka", "W-1").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    let page = cluster.pay_url(0, &attempt, "card").await;
    // ioka cannot be read from here on: what A and C answer is what the store holds.
    cluster.fault(json!({"provider": "ioka", "method": "GET", "path": "/v2/orders/*", "status": 500})).await;
    assert_eq!(cluster.status(0, &attempt).await, "pending");

    cluster.hosted(&page, &[]).await;
    let delivered = cluster.wait_delivered("ioka", 1).await;
    let b = &cluster.instances[1].origin;
    assert!(delivered.iter().all(|d| d["url"].as_str().unwrap().starts_with(b.as_str())), "{delivered:?}");
    assert!(delivered.iter().any(|d| d["status"] == 200), "B accepted it: {delivered:?}");
    for i in [0, 2] {
        assert_eq!(cluster.status(i, &attempt).await, "paid", "instance {} reads B's webhook", NAMES[i]);
    }

    // The same delivery replayed at C is a duplicate there too: the receipt is shared.
    let d = delivered.iter().find(|d| d["status"] == 200).unwrap();
    let mut replay = cluster.http.post(format!("{}/api/checkout/webhooks/ioka", cluster.instances[2].origin));
    for pair in d["headers"].as_array().unwrap() {
        let (k, v) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        if !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("host") {
            replay = replay.header(k, v);
        }
    }
    let (code, body) = cluster.call(replay.body(d["body"].as_str().unwrap().to_owned())).await;
    assert_eq!((code, body["duplicate"].as_bool()), (200, Some(true)), "{body}");
    assert_eq!(cluster.ledger("ioka", "W-1").await, (1, 1));
}

on_both_engines!(a_waiting_status_request_answers_when_any_instance_learns_the_outcome);
/// The long poll: `status?wait=` on every instance is held while the attempt is pending and
/// answered when the webhook lands on B: on B from its own write, on A and C through
/// PostgreSQL's NOTIFY, or through the store re-check where processes share a SQLite file.
/// Nobody reads ioka meanwhile (its reads fail), so only the webhook can settle it.
async fn a_waiting_status_request_answers_when_any_instance_learns_the_outcome(engine: Engine) {
    let cluster = Arc::new(Cluster::launch(engine, 3, &[]).await);
    let started = cluster.start(0, "ioka", "W-9").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    let page = cluster.pay_url(0, &attempt, "card").await;
    cluster.fault(json!({"provider": "ioka", "method": "GET", "path": "/v2/orders/*", "status": 500})).await;

    // Nothing happens: held for the whole wait, then the current status.
    let (code, body, held) = cluster.status_waiting(1, &attempt, "2").await;
    assert_eq!((code, body["status"].as_str()), (200, Some("pending")), "{body}");
    assert!(held >= Duration::from_millis(1900), "held {held:?}, not the 2 s asked for");

    let waiters: Vec<_> = (0..3)
        .map(|i| {
            let (cluster, attempt) = (cluster.clone(), attempt.clone());
            tokio::spawn(async move { cluster.status_waiting(i, &attempt, "25").await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(waiters.iter().all(|w| !w.is_finished()), "a waiter answered before anything happened");
    cluster.hosted(&page, &[]).await;
    for (i, waiter) in waiters.into_iter().enumerate() {
        let (code, body, held) = waiter.await.unwrap();
        assert_eq!((code, body["status"].as_str(), body["final"].as_bool()), (200, Some("paid"), Some(true)), "{body}");
        assert!(held < Duration::from_secs(20), "instance {} answered at the end of the wait ({held:?})", NAMES[i]);
    }

    // Not pending: answered at once, whatever the wait; a wait that is not a number is refused.
    let (code, body, held) = cluster.status_waiting(2, &attempt, "25").await;
    assert_eq!((code, body["status"].as_str()), (200, Some("paid")));
    assert!(held < Duration::from_secs(5), "{held:?}");
    let (code, body, _) = cluster.status_waiting(0, &attempt, "soon").await;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("INVALID_REQUEST")), "{body}");
}

/// A provider whose order is made at `pay`, as the kill-mid-pay scenario drives it.
struct PaidAtPay {
    provider: &'static str,
    method: &'static str,
    /// The create call, under the provider's prefix.
    create_path: &'static str,
    /// What the provider calls the order.
    noun: &'static str,
}

const RBS: PaidAtPay =
    PaidAtPay { provider: "bereke", method: "card", create_path: "/payment/rest/register.do", noun: "RBS order" };
const PAYTONE: PaidAtPay = PaidAtPay {
    provider: "paytone",
    method: "bank_card_kzt_hpp",
    create_path: "/api/payment-invoices",
    noun: "invoice",
};

impl Cluster {
    /// The shopper pays on the page `url` of `p`.
    async fn pay_page(&self, p: &PaidAtPay, url: &str) -> String {
        match p.provider {
            "bereke" => self.pay_bereke_page(url).await,
            _ => {
                let cpi = url.split("cpi=").nth(1).unwrap().to_owned();
                self.hosted(&format!("{}/sandbox/paytone/hpp/", self.sandbox), &[("cpi", &cpi)]).await
            }
        }
    }
}

on_both_engines!(an_instance_killed_in_the_middle_of_pay_leaves_nothing_a_retry_cannot_finish);
async fn an_instance_killed_in_the_middle_of_pay_leaves_nothing_a_retry_cannot_finish(engine: Engine) {
    for (p, order) in [(&RBS, "K-1"), (&PAYTONE, "K-3")] {
        killed_mid_pay(engine, p, order).await;
    }
}

async fn killed_mid_pay(engine: Engine, p: &PaidAtPay, order: &str) {
    let mut cluster = Cluster::launch(engine, 3, &[]).await;
    let attempt = cluster.start(0, p.provider, order).await["attemptId"].as_str().unwrap().to_owned();
    // The provider makes the order, and its answer never reaches A.
    cluster
        .fault(json!({"provider": p.provider, "method": "POST", "path": p.create_path, "answerAfterMs": 60000, "times": 1}))
        .await;
    let doomed = cluster.post_in_background(0, "/pay", &json!({"attemptId": attempt, "methodId": p.method}));
    cluster.wait_ledger(p.provider, order, 1).await;
    let killed_at = Instant::now();
    cluster.instances[0].kill();
    assert!(doomed.await.unwrap().is_err(), "A died before answering");

    // The shopper presses Pay again; the load balancer sends it to B.
    let url = cluster.pay_url(1, &attempt, p.method).await;
    let waited = killed_at.elapsed();
    let (orders, paid) = cluster.ledger(p.provider, order).await;
    assert_eq!((orders, paid), (2, 0), "the dead try's {} (no page anywhere) and the retry's", p.noun);
    // Nobody has the first try's page; asking again anywhere gives the retry's page.
    assert_eq!(cluster.pay_url(2, &attempt, p.method).await, url);
    assert_eq!(cluster.pay_url(1, &attempt, p.method).await, url);
    assert_eq!(cluster.ledger(p.provider, order).await.0, 2, "no third {}", p.noun);

    let back = cluster.pay_page(p, &url).await;
    assert!(back.starts_with(&format!("{SHOP}/checkout")), "{back}");
    cluster.wait_delivered(p.provider, 1).await;
    assert_eq!(cluster.status(2, &attempt).await, "paid");
    assert_eq!(cluster.status(1, &attempt).await, "paid");
    assert_eq!(cluster.ledger(p.provider, order).await, (2, 1), "one payment");
    println!(
        "[{}] kill mid-pay: {} {order}: A killed after the provider made try 1's {noun}; B's retry answered after {} ms with try 2's page; 2 {noun}s, 1 payment, status paid on B and C",
        engine.as_str(),
        p.provider,
        waited.as_millis(),
        noun = p.noun,
    );
}

on_both_engines!(an_instance_killed_in_the_middle_of_start_leaves_one_ioka_order);
async fn an_instance_killed_in_the_middle_of_start_leaves_one_ioka_order(engine: Engine) {
    let mut cluster = Cluster::launch(engine, 2, &[]).await;
    let order = "K-2";
    cluster
        .fault(json!({"provider": "ioka", "method": "POST", "path": "/v2/orders", "answerAfterMs": 60000, "times": 1}))
        .await;
    let body = cluster.start_body(0, "ioka", order).await;
    let doomed = cluster.post_in_background(0, "/start", &body);
    cluster.wait_ledger("ioka", order, 1).await;
    let killed_at = Instant::now();
    cluster.instances[0].kill();
    let answer = doomed.await.unwrap();
    assert!(answer.is_err(), "A died before answering: {answer:?}");

    let started = cluster.start(1, "ioka", order).await;
    let waited = killed_at.elapsed();
    assert_eq!(cluster.ledger("ioka", order).await, (1, 0), "B found the order A made: still one");
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    let page = cluster.pay_url(1, &attempt, "card").await;
    cluster.hosted(&page, &[]).await;
    cluster.wait_delivered("ioka", 1).await;
    assert_eq!(cluster.status(1, &attempt).await, "paid");
    assert_eq!(cluster.ledger("ioka", order).await, (1, 1));
    println!(
        "[{}] kill mid-start: ioka {order}: A killed after ioka made the order; B's start answered after {} ms with that order; 1 ioka order, 1 payment",
        engine.as_str(),
        waited.as_millis()
    );
}

/// An instance whose clock runs 10 s ahead must not think a live holder's lease has run out:
/// leases are judged by the database's clock. A holds the start of an ioka order while ioka
/// answers slowly; B, 10 s ahead, asks for the same order meanwhile. Still one ioka order.
/// PostgreSQL only: instances sharing a SQLite file share the host's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_whose_clock_runs_10_s_ahead_waits_for_the_lease() {
    let cluster = Cluster::launch_with_clocks(Engine::Postgres, 2, &[], &[None, Some("+10s")]).await;
    let order = "SKEW-1";
    cluster
        .fault(json!({"provider": "ioka", "method": "POST", "path": "/v2/orders", "latencyMs": 2500, "times": 1}))
        .await;
    let first = cluster.start_body(0, "ioka", order).await;
    let held = cluster.post_in_background(0, "/start", &first);
    tokio::time::sleep(Duration::from_millis(700)).await; // A holds the lease, ioka is slow
    let (code, second) = cluster.post(1, "/start", &cluster.start_body(1, "ioka", order).await).await;
    let first = held.await.unwrap().unwrap();
    assert_eq!(first.status().as_u16(), 200);
    let first: Value = serde_json::from_str(&first.text().await.unwrap()).unwrap();
    assert_eq!(code, 200, "B waited for A's lease: {second}");
    assert_eq!(first["attemptId"], second["attemptId"], "one attempt");
    assert_eq!(cluster.ledger("ioka", order).await, (1, 0), "one ioka order");
    // ioka's external_id would have merged a second create; the point is that B never made
    // one: it waited for A's lease instead of judging it expired by its own clock.
    let (_, requests) = cluster.call(cluster.http.get(format!("{}/sandbox/_control/requests", cluster.sandbox))).await;
    assert_eq!(requests["ioka POST /v2/orders"], 1, "one instance talked to ioka: {requests}");
}

on_both_engines!(sigterm_finishes_requests_in_flight_then_exits);
async fn sigterm_finishes_requests_in_flight_then_exits(engine: Engine) {
    let mut cluster = Cluster::launch(engine, 1, &[("TOLEM_DRAIN_MS", "1000")]).await;
    let attempt = cluster.start(0, "bereke", "G-1").await["attemptId"].as_str().unwrap().to_owned();
    cluster.fault(json!({"provider": "bereke", "path": "/payment/rest/register.do", "latencyMs": 1500})).await;
    let in_flight = cluster.post_in_background(0, "/pay", &json!({"attemptId": attempt, "methodId": "card"}));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let term = Command::new("kill").arg("-TERM").arg(cluster.instances[0].pid().to_string()).status().unwrap();
    assert!(term.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ready = format!("{}/api/checkout/ready", cluster.instances[0].origin);
    let (code, body) = cluster.call(cluster.http.get(&ready)).await;
    assert_eq!((code, body.as_str()), (503, Some("draining")), "out of the load balancer while draining");

    let answer = in_flight.await.unwrap().unwrap();
    let code = answer.status().as_u16();
    let body = answer.text().await.unwrap();
    assert_eq!(code, 200, "the request in flight was finished: {body}");
    assert!(body.contains("formUrl") || body.contains("mdOrder"), "{body}");

    let mut child = cluster.instances[0].child.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 10 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "exit {exit:?}\n{}", cluster.instances[0].log_tail());
    assert!(cluster.http.get(&ready).send().await.is_err(), "nothing listens any more");
    let log = cluster.instances[0].log_tail();
    assert!(log.contains("finishing requests in flight") && log.contains("stopped"), "{log}");
}

/// Readiness follows the database: an instance whose PostgreSQL database is gone answers 503
/// (and is taken out of the load balancer) while liveness still answers 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readiness_is_503_while_the_database_is_gone() {
    let cluster = Cluster::launch(Engine::Postgres, 1, &[]).await;
    let origin = cluster.instances[0].origin.clone();
    let ready = format!("{origin}/api/checkout/ready");
    assert_eq!(cluster.call(cluster.http.get(&ready)).await.0, 200);
    let url = cluster.db.options.url.expose().to_owned();
    let name = url.rsplit('/').next().unwrap().to_owned();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&common::postgres_url()).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).execute(&mut admin).await.unwrap();
    let (code, body) = cluster.call(cluster.http.get(&ready)).await;
    assert_eq!((code, body.as_str()), (503, Some("store unavailable")));
    assert_eq!(cluster.call(cluster.http.get(format!("{origin}/api/checkout/health"))).await.0, 200, "alive");
    let secret = "cs_0000000000000000_secret_00000000000000000000000000000000";
    let (code, body) = cluster.post(0, "/start", &Cluster::start_body_with("ioka", secret, "R-1")).await;
    assert_eq!((code, body["error"]["code"].as_str()), (500, Some("INTERNAL")), "a clear error, no details: {body}");
}
