//! The widget's mount options, as JSON from the merchant's page, read the way the widget reads
//! them (`tolem_core::wire::mount_options`), then checked.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Ok(options) = tolem_core::wire::mount_options(&value) {
        if let Ok(checked) = options.check() {
            assert!(checked.raw.order.amount.0 > 0, "a non-positive amount passed the checks");
            assert!(tolem_core::api::check_id("order.id", &checked.raw.order.id).is_ok());
        }
    }
});
