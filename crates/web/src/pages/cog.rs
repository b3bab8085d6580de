//! Commune names from INSEE's Code Officiel Géographique, so citizens see
//! "Paris 7e Arrondissement" rather than `75107`. The table (37,590 rows,
//! see `data/cog-communes.LICENSE`) is embedded and indexed once, lazily.
//! Former codes resolve too: people were born in communes that merged since.

use std::collections::HashMap;
use std::sync::OnceLock;

static CSV: &str = include_str!("../../data/cog-communes.csv");

fn index() -> &'static HashMap<&'static str, &'static str> {
    static INDEX: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map = HashMap::with_capacity(40_000);
        for line in CSV.lines().skip(1) {
            let mut cols = line.split(',');
            let (Some(code), Some(name)) = (cols.next(), cols.next()) else {
                continue;
            };
            map.insert(code, name);
            let former = cols.nth(2).unwrap_or("");
            for old in former.split(' ').filter(|c| !c.is_empty()) {
                map.entry(old).or_insert(name);
            }
        }
        map
    })
}

/// The commune's name, if the code is known.
pub fn commune_name(code: &str) -> Option<&'static str> {
    index().get(code).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        assert_eq!(commune_name("75107"), Some("Paris 7e Arrondissement"));
        assert!(commune_name("2A004").is_some());
        assert_eq!(commune_name("00000"), None);
    }
}
