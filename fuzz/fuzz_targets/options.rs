//! The widget's mount options, as JSON from the merchant's page, read the way the widget reads
//! them (serde, through `tolem_core::wire::read`), then checked.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::options::MountOptions;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let read = tolem_core::wire::read::<MountOptions, _>(&mut serde_json::Deserializer::from_str(text));
    match read {
        Ok(options) => {
            if let Ok(checked) = options.check() {
                if let Some(order) = &checked.raw.order {
                    assert!(order.amount.0 > 0, "a non-positive amount passed the checks");
                    assert!(tolem_core::api::check_id("order.id", &order.id).is_ok());
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
