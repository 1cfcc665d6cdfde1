//! Replays every saved input under `regressions/<target>/` through its target's code, so a
//! fixed crash stays fixed: `cargo test` in `fuzz/` (no fuzzer, no nightly needed).

use std::fs;
use std::path::Path;

#[test]
fn every_saved_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut replayed = 0;
    for target in fs::read_dir(&root).expect("fuzz/regressions exists") {
        let target = target.expect("readable directory entry").path();
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 target name");
        for input in fs::read_dir(&target).expect("readable target directory") {
            let input = input.expect("readable directory entry").path();
            let data = fs::read(&input).expect("readable input");
            assert!(
                baton_propagation_fuzz::targets::run(name, &data),
                "{}: no fuzz target called {name}",
                input.display()
            );
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no saved input under {}", root.display());
}

#[test]
fn every_seed_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    for name in baton_propagation_fuzz::targets::NAMES {
        let dir = root.join(name);
        let inputs: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .collect();
        assert!(!inputs.is_empty(), "{}: no seed", dir.display());
        for input in inputs {
            let data =
                fs::read(input.expect("readable directory entry").path()).expect("readable seed");
            assert!(baton_propagation_fuzz::targets::run(name, &data));
        }
    }
}
