//! `[ui]`: the look of the pages and who the legal pages name.

use relais_web::pages::theme::Theme;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// `state` (the DSFR: Marianne block, "République française" — for
    /// the State's services only, as its terms of use require) or
    /// `neutral` (the default).
    #[serde(default)]
    pub theme: Theme,
    /// The `dist` folder of the npm package `@gouvfr/dsfr`, served by Relais
    /// (required by `theme = "state"`).
    pub dsfr_dir: Option<PathBuf>,
    /// Who runs the federation (legal notices).
    pub operator_name: Option<String>,
    /// Where citizens write (accessibility, personal data).
    pub contact_email: Option<String>,
}

impl UiConfig {
    /// The State's look needs the design system's files.
    pub fn check(&self) -> Result<(), String> {
        if self.theme == Theme::State {
            let dir = self
                .dsfr_dir
                .as_ref()
                .ok_or("ui.dsfr_dir: required by ui.theme = \"state\" (the dist folder of npm @gouvfr/dsfr)")?;
            if !dir.join("dsfr.min.css").is_file() {
                return Err(format!(
                    "ui.dsfr_dir: {} has no dsfr.min.css",
                    dir.display()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_look_needs_the_design_system() {
        assert!(UiConfig::default().check().is_ok());
        let state = UiConfig {
            theme: Theme::State,
            ..UiConfig::default()
        };
        assert!(state.check().is_err_and(|e| e.starts_with("ui.dsfr_dir")));
        let missing = UiConfig {
            dsfr_dir: Some("/nonexistent".into()),
            ..state
        };
        assert!(missing
            .check()
            .is_err_and(|e| e.contains("no dsfr.min.css")));
    }
}
