//! A run's `config.json`: any bytes give a validated configuration or an error naming the file;
//! a configuration that parses writes back to JSON that parses to the same configuration.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let origin = Path::new("config.json");
    if let Ok(config) = ae_lab::run::parse_config(data, origin) {
        let json = serde_json::to_vec(&config).expect("a valid configuration serialises");
        let again = ae_lab::run::parse_config(&json, origin).expect("and parses back");
        assert_eq!(config, again);
    }
});
