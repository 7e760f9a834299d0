//! `GET /_control/ledger?order=…`: what each provider holds for one merchant order — how
//! many provider orders (orders, invoices, payments, one per try) exist and how many of them
//! took money. Tests use it to prove a fault never made a second payment.

use serde::Serialize;
use serde_json::Value;

use crate::Sandbox;

/// One provider's count for one merchant order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Provider-side orders (ioka orders, RBS orders, ECommPay payments, Paytone invoices,
    /// OneEntry orders) created for the merchant order or one of its later tries.
    pub orders: usize,
    /// Payments that took or hold money (paid, held, or paid then refunded).
    pub paid: usize,
}

/// The ledgers of all five providers for `order`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Ledgers {
    /// What ioka holds for the order.
    pub ioka: Ledger,
    /// What Bereke holds for the order.
    pub bereke: Ledger,
    /// What ECommPay holds for the order.
    pub ecommpay: Ledger,
    /// What Paytone holds for the order.
    pub paytone: Ledger,
    /// What OneEntry holds for the order.
    pub oneentry: Ledger,
}

fn status_in(doc: &Value, field: &str, money: &[&str]) -> bool {
    doc[field].as_str().is_some_and(|s| money.contains(&s))
}

/// Counts what the sandbox holds for `order` (a merchant order id, as the backend sends it
/// in `external_id` / `orderNumber` / `payment_id` / `reference_id` / `order_number`).
pub fn ledgers(sb: &Sandbox, order: &str) -> Ledgers {
    let store = &sb.store;
    let ioka_orders = store.list("order", Some(order), None).unwrap_or_default();
    let ioka_paid = ioka_orders
        .iter()
        .filter_map(|o| o["id"].as_str())
        .flat_map(|id| store.list("payment", None, Some(id)).unwrap_or_default())
        .filter(|p| status_in(p, "status", &["APPROVED", "CAPTURED", "REFUNDED"]))
        .count();

    let rbs = store.tries(crate::bereke::KIND, order, false).unwrap_or_default();
    let rbs_paid = rbs.iter().filter(|o| matches!(o["orderStatus"].as_i64(), Some(1 | 2 | 4))).count();

    let ep = store.tries(crate::ecommpay::KIND, &crate::ecommpay::key(order), true).unwrap_or_default();
    let ep_paid = ep.iter().filter(|p| status_in(p, "status", &["success", "awaiting capture", "refunded"])).count();

    let pt = store.tries(crate::paytone::KIND, order, false).unwrap_or_default();
    let pt_paid = pt.iter().filter(|i| status_in(i, "status", &["processed", "refunded"])).count();

    // OneEntry keeps the merchant's order number in the order's form data.
    let is_try = |v: &str| v == order || v.strip_prefix(order).is_some_and(|rest| rest.starts_with('~'));
    let oe: Vec<Value> = store
        .list(crate::oneentry::ORDER, None, None)
        .unwrap_or_default()
        .into_iter()
        .filter(|o| {
            o["formData"].as_array().is_some_and(|entries| {
                entries.iter().any(|e| e["marker"] == "order_number" && e["value"].as_str().is_some_and(is_try))
            })
        })
        .collect();
    let oe_paid = oe
        .iter()
        .map(|o| o["id"].to_string())
        .flat_map(|id| store.list(crate::oneentry::SESSION, None, Some(&id)).unwrap_or_default())
        .filter(|s| s["status"] == "paid")
        .count();

    Ledgers {
        ioka: Ledger { orders: ioka_orders.len(), paid: ioka_paid },
        bereke: Ledger { orders: rbs.len(), paid: rbs_paid },
        ecommpay: Ledger { orders: ep.len(), paid: ep_paid },
        paytone: Ledger { orders: pt.len(), paid: pt_paid },
        oneentry: Ledger { orders: oe.len(), paid: oe_paid },
    }
}
