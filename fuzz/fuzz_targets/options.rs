//! The widget's mount options, as JSON from the merchant's page.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::options::MountOptions;

fuzz_target!(|data: &[u8]| {
    if let Ok(options) = serde_json::from_slice::<MountOptions>(data) {
        if let Ok(checked) = options.check() {
            assert!(checked.raw.order.amount.0 > 0, "a non-positive amount passed the checks");
            assert!(tolem_core::api::check_id("order.id", &checked.raw.order.id).is_ok());
        }
    }
});
