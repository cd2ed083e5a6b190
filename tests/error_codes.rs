//! The error-code table in docs/osc-api.md and `oscine::error_code::ErrorCode` are the same
//! table: every code the documentation lists exists with its number and name, and every
//! code the server can send is documented.

use std::collections::BTreeMap;

use oscine::error_code::ErrorCode;

/// The rows of the "Error codes" table: number → name.
fn documented() -> BTreeMap<i32, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/osc-api.md");
    let text = std::fs::read_to_string(path).expect("docs/osc-api.md is readable");
    let section = text.split("\n## Error codes\n").nth(1).expect("docs/osc-api.md has an \"Error codes\" section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut rows = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Ok(code) = cells[0].parse::<i32>() else {
            // The header and the alignment row.
            assert!(matches!(cells[0], "code" | "---:"), "unexpected row in the error-code table: {line}");
            continue;
        };
        let name = cells.get(1).copied().unwrap_or_default().to_owned();
        assert!(rows.insert(code, name).is_none(), "code {code} is documented twice");
    }
    assert!(!rows.is_empty(), "the error-code table has no rows");
    rows
}

#[test]
fn every_documented_code_is_in_the_enum_with_its_name() {
    for (code, name) in documented() {
        let Some(e) = ErrorCode::from_code(code) else {
            panic!("docs/osc-api.md lists {code} ({name}), the enum does not")
        };
        assert_eq!(e.name(), name, "code {code}: the enum's name and the documented one differ");
    }
}

#[test]
fn every_code_in_the_enum_is_documented_with_its_name() {
    let documented = documented();
    for e in ErrorCode::ALL {
        let name = documented.get(&e.code());
        assert_eq!(name.map(String::as_str), Some(e.name()), "{e:?} ({}) is not documented as it is named", e.code());
    }
    assert_eq!(documented.len(), ErrorCode::ALL.len());
}
