//! The facts cache's encoding gives back exactly the facts it was given, for every fixture
//! of the extraction tests at every call detail.
//!
//! postcard is not self-describing: a field left out when serializing (`skip_serializing_if`)
//! would shift every later one, so the facts types must serialize every field.

use ssot_facts::{CallDetail, FileFacts};

#[test]
fn facts_types_serialize_every_field() {
    let source = include_str!("../../ssot_facts/src/lib.rs");
    assert!(
        !source.contains("skip_serializing_if ="),
        "a facts field is skipped when serialized: the facts cache (postcard) cannot read that"
    );
}

#[test]
fn every_fixture_round_trips_through_the_cache_encoding() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ssot_python/tests/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for detail in [CallDetail::Nothing, CallDetail::Names, CallDetail::Sites] {
            let Ok(facts) = ssot_python::facts_from_bytes_with(
                &bytes,
                ssot_python::SourceKind::from_path(&name),
                detail,
            ) else {
                continue;
            };
            let encoded = postcard::to_stdvec(&facts).unwrap();
            let decoded: FileFacts = postcard::from_bytes(&encoded)
                .unwrap_or_else(|err| panic!("{name} ({detail:?}) does not decode: {err}"));
            assert_eq!(decoded, facts, "{name} ({detail:?})");
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} fixtures read");
}
