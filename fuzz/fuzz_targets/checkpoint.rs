//! A checkpoint's `trainer.json` and a safetensors weights file: any bytes give a checked
//! checkpoint or specs, or an error naming the file; never a panic. The first two bytes split
//! the input into the two files.
#![no_main]

use std::path::Path;

use ae_models::checkpoint::Checkpoint;
use ae_models::weights;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let cut = (usize::from(data[0]) << 8 | usize::from(data[1])).min(data.len() - 2);
    let (json, tensors) = data[2..].split_at(cut);
    if let Ok(ck) = Checkpoint::parse(Path::new("checkpoint"), json) {
        assert!(ck.epoch() <= ck.train_config().epochs);
    }
    let origin = Path::new("checkpoint/weights.safetensors");
    if let Ok(found) = weights::read_specs(tensors, origin) {
        let model = [
            ("enc0.bias".to_owned(), vec![4]),
            ("enc0.weight".to_owned(), vec![4, 8]),
        ];
        let same = weights::compare(&model, &found, origin).is_ok();
        assert_eq!(same, found == model);
    }
});
