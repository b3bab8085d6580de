//! The demo's civil register as the federation calls it: the table of
//! `relais_demo::civil_register`, answering at once, late, or not at all
//! for the demo citizens kept for those cases.

use relais_core::civil_register::RegisterAnswer;
use relais_core::pivot::PivotIdentity;
use relais_demo::civil_register::{behaviour, Behaviour, DemoRegister, SLOW};

pub struct DemoCivilRegister;

#[async_trait::async_trait]
impl relais_web::civil_register::CivilRegister for DemoCivilRegister {
    async fn lookup(&self, identity: &PivotIdentity) -> Result<RegisterAnswer, String> {
        match behaviour(identity) {
            Behaviour::Answers => Ok(DemoRegister::answer(identity)),
            Behaviour::Slow => {
                tokio::time::sleep(SLOW).await;
                Ok(DemoRegister::answer(identity))
            }
            Behaviour::Down => Err("demo register: service unavailable (HTTP 503)".to_owned()),
        }
    }
}
