//! `relais admin`: the operator's terminal. Tokens are managed on the
//! store directly (`token create|list|revoke`: the bootstrap, before any
//! token exists); everything else calls the admin HTTP API of a running
//! node (`--url`, `--token` or `RELAIS_ADMIN_TOKEN`), so the CLI and the
//! API are one set of operations, audited the same way.

use super::keys::durable_stores;
use super::load_config;
use clap::{Args, Subcommand};
use relais_core::Clock;

#[derive(Args, Debug)]
pub struct AdminArgs {
    /// The node's public URL.
    #[arg(long, global = true, default_value = "http://localhost:8000")]
    url: String,
    /// An operator token (default: the RELAIS_ADMIN_TOKEN variable).
    #[arg(long, global = true)]
    token: Option<String>,
    /// The configuration file (for `token …`, which works on the store).
    #[arg(long, short, global = true)]
    config: Option<String>,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Operator tokens, on the store (shown once at creation).
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Services: list, show ID, put ID FILE, activate ID, deactivate ID.
    Services {
        #[command(subcommand)]
        action: PartnerAction,
    },
    /// Identity providers: the same operations.
    Idps {
        #[command(subcommand)]
        action: PartnerAction,
    },
    /// Data providers: the same operations.
    Dps {
        #[command(subcommand)]
        action: PartnerAction,
    },
    /// A citizen account by its pseudonymous id: show, disable, enable.
    Account {
        #[command(subcommand)]
        action: AccountAction,
    },
    /// Publishes new signing keys; they sign after `--delay` seconds.
    RotateKeys {
        #[arg(long, default_value_t = 60)]
        delay: u32,
    },
    /// The durable event stream from a cursor.
    Events {
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    Create {
        #[arg(long)]
        name: String,
    },
    List,
    Revoke {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PartnerAction {
    List,
    Show {
        id: String,
    },
    /// Creates or replaces from a JSON file (`-` for stdin).
    Put {
        id: String,
        file: String,
    },
    Activate {
        id: String,
    },
    Deactivate {
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AccountAction {
    Show { id: String },
    Disable { id: String },
    Enable { id: String },
}

pub async fn run(args: AdminArgs) -> Result<(), String> {
    let (method, path, body) = match args.command {
        AdminCommand::Token { action } => return tokens(args.config.as_deref(), action).await,
        AdminCommand::Services { action } => partner_call("services", action)?,
        AdminCommand::Idps { action } => partner_call("identity-providers", action)?,
        AdminCommand::Dps { action } => partner_call("data-providers", action)?,
        AdminCommand::Account { action } => {
            // The id is base64: `/` and `+` are percent-encoded.
            let enc =
                |id: &str| url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>();
            match action {
                AccountAction::Show { id } => ("GET", format!("accounts/{}", enc(&id)), None),
                AccountAction::Disable { id } => {
                    ("POST", format!("accounts/{}/disable", enc(&id)), None)
                }
                AccountAction::Enable { id } => {
                    ("POST", format!("accounts/{}/enable", enc(&id)), None)
                }
            }
        }
        AdminCommand::RotateKeys { delay } => ("POST", format!("keys/rotate?delay={delay}"), None),
        AdminCommand::Events { after, limit } => {
            ("GET", format!("events?after={after}&limit={limit}"), None)
        }
    };
    let token = args
        .token
        .or_else(|| std::env::var("RELAIS_ADMIN_TOKEN").ok())
        .ok_or("an operator token is needed: --token or RELAIS_ADMIN_TOKEN (relais admin token create --name …)")?;
    call(&args.url, &token, method, &path, body).await
}

fn partner_call(
    kind: &str,
    action: PartnerAction,
) -> Result<(&'static str, String, Option<String>), String> {
    Ok(match action {
        PartnerAction::List => ("GET", kind.to_owned(), None),
        PartnerAction::Show { id } => ("GET", format!("{kind}/{id}"), None),
        PartnerAction::Put { id, file } => {
            let body = if file == "-" {
                std::io::read_to_string(std::io::stdin()).map_err(|e| format!("stdin: {e}"))?
            } else {
                std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?
            };
            ("PUT", format!("{kind}/{id}"), Some(body))
        }
        PartnerAction::Activate { id } => ("POST", format!("{kind}/{id}/activate"), None),
        PartnerAction::Deactivate { id } => ("POST", format!("{kind}/{id}/deactivate"), None),
    })
}

async fn call(
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<(), String> {
    let url = format!("{}/api/admin/v1/{path}", base.trim_end_matches('/'));
    let client = reqwest::Client::new();
    let req = match method {
        "PUT" => client.put(&url),
        "POST" => client.post(&url),
        _ => client.get(&url),
    }
    .bearer_auth(token);
    let req = match body {
        Some(b) => req.header("content-type", "application/json").body(b),
        None => req,
    };
    let resp = req.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| format!("{url}: {e}"))?;
    let pretty = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    if status.is_success() {
        say!("{pretty}");
        Ok(())
    } else {
        Err(format!("{status}: {pretty}"))
    }
}

async fn tokens(config: Option<&str>, action: TokenAction) -> Result<(), String> {
    let stores = durable_stores(load_config(config)?).await?;
    let store = stores.config.as_ref();
    match action {
        TokenAction::Create { name } => {
            let now = relais_core::SystemClock.now_millis();
            let token = relais_web::admin::auth::create_token(
                store,
                &relais_core::SystemRandomness,
                now,
                &name,
            )
            .await
            .map_err(|e| e.to_string())?;
            say!("{token}");
            eprintln!(
                "operator token {name} created; it is shown only now (the store keeps its SHA-256)"
            );
        }
        TokenAction::List => {
            for (_, t) in relais_web::admin::auth::list_tokens(store)
                .await
                .map_err(|e| e.to_string())?
            {
                say!(
                    "{:<32} created {}",
                    t.name,
                    relais_core::timefmt::rfc3339_millis(t.created_at)
                );
            }
        }
        TokenAction::Revoke { name } => {
            if !relais_web::admin::auth::revoke_token(store, &name)
                .await
                .map_err(|e| e.to_string())?
            {
                return Err(format!("no operator token named {name}"));
            }
            say!("operator token {name} revoked");
        }
    }
    Ok(())
}
