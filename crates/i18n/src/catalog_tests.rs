//! Every message exists in both languages, parses, and every id the code
//! and the templates name is defined.

use super::*;
use fluent_syntax::ast::Entry;
use std::collections::BTreeSet;
use std::path::Path;

fn ids(locale: Locale) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, text) in sources(locale) {
        let resource = fluent_syntax::parser::parse((*text).to_owned())
            .unwrap_or_else(|(_, errors)| panic!("{name} ({}): {errors:?}", locale.code()));
        for entry in resource.body {
            if let Entry::Message(m) = entry {
                assert!(out.insert(m.id.name.clone()), "{} defined twice", m.id.name);
            }
        }
    }
    out
}

#[test]
fn both_languages_define_the_same_messages() {
    let fr = ids(Locale::Fr);
    let en = ids(Locale::En);
    let only_fr: Vec<_> = fr.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&fr).collect();
    assert!(
        only_fr.is_empty() && only_en.is_empty(),
        "French only: {only_fr:?}; English only: {only_en:?}"
    );
}

#[test]
fn every_error_code_has_a_message_in_each_language() {
    for locale in Locale::ALL {
        for code in relais_core::ErrorCode::ALL {
            let id = code.message_id();
            assert!(has(locale, &id), "{id} missing in {}", locale.code());
            assert!(locale.error_message(*code).len() > 10, "{id}");
        }
    }
    assert_ne!(
        Locale::Fr.error_message(relais_core::ErrorCode::CsrfWrong),
        Locale::En.error_message(relais_core::ErrorCode::CsrfWrong)
    );
}

/// Message ids named in templates and Rust sources: `text("id")`,
/// `text_with("id"`, and ids listed in `// i18n: id, id` comments.
fn named_ids(dir: &Path, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            named_ids(&path, out);
            continue;
        }
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !matches!(ext, "html" | "rs" | "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for marker in ["text(\"", "text_with(\""] {
            for piece in text.split(marker).skip(1) {
                if let Some(id) = piece.split('"').next() {
                    if !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    {
                        out.insert(id.to_owned());
                    }
                }
            }
        }
    }
}

#[test]
fn every_message_the_code_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut named = BTreeSet::new();
    for dir in [
        "web/src",
        "web/templates",
        "demo/src",
        "demo/templates",
        "relais/src",
        "relais/templates",
    ] {
        named_ids(&root.join(dir), &mut named);
    }
    assert!(named.len() > 20, "the scan found too few ids: {named:?}");
    let fr = ids(Locale::Fr);
    let missing: Vec<_> = named.iter().filter(|id| !fr.contains(*id)).collect();
    assert!(missing.is_empty(), "named but not defined: {missing:?}");
}

#[test]
fn every_claim_and_data_scope_has_a_label() {
    for locale in Locale::ALL {
        for claim in relais_core::scope::Claim::ALL {
            assert!(has(locale, &format!("claim-{}", claim.name())), "{claim:?}");
        }
        for scope in relais_core::scope::KNOWN_DATA_SCOPES {
            assert!(has(locale, &format!("scope-{scope}")), "{scope}");
        }
    }
}
