//! `relais stats`: the figures the press releases quote, read from the
//! statistics rollup of the durable store (connections, distinct and new
//! users, active services per month; one month by service, IdP, platform
//! or day), as a table with bars or as JSON. `relais stats generate` fills
//! a store with a synthetic year of connections through the real append
//! path, to measure the queries at national scale (docs/benchmarks.md).

use super::keys::durable_stores;
use super::load_config;
use clap::{Args, Subcommand};
use relais_core::event::{BusinessEvent, EventKind};
use relais_core::stats::{month_days, Breakdown, MonthFigures};
use relais_core::Clock;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[arg(long, short, global = true)]
    config: Option<String>,
    /// First month (YYYY-MM); default: eleven months before `--to`.
    #[arg(long)]
    from: Option<String>,
    /// Last month (YYYY-MM); default: this month.
    #[arg(long)]
    to: Option<String>,
    /// One month (YYYY-MM) broken down `--by` service, idp, platform or day.
    #[arg(long)]
    month: Option<String>,
    #[arg(long, default_value = "service")]
    by: String,
    /// JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    action: Option<StatsAction>,
}

#[derive(Subcommand, Debug)]
pub enum StatsAction {
    /// Appends a synthetic year of connections (FC_VERIFIED events) through
    /// the real append path, then times the statistics queries.
    Generate {
        #[arg(long, default_value_t = 2025)]
        year: i64,
        #[arg(long, default_value_t = 1200)]
        services: u32,
        #[arg(long, default_value_t = 6)]
        idps: u32,
        /// Events to append; 365 × services × idps fills every rollup row.
        #[arg(long, default_value_t = 2_628_000)]
        events: u64,
        /// Distinct accounts the connections are drawn from.
        #[arg(long, default_value_t = 1_000_000)]
        accounts: u64,
        #[arg(long, default_value_t = 2000)]
        batch: usize,
    },
}

fn this_month() -> String {
    relais_core::timefmt::year_month(relais_core::SystemClock.now_millis())
}

fn months_before(month: &str, n: u32) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    let total = y.parse::<i64>().ok()? * 12 + m.parse::<i64>().ok()? - 1 - i64::from(n);
    Some(format!("{:04}-{:02}", total / 12, total % 12 + 1))
}

fn check_month(flag: &str, m: &str) -> Result<(), String> {
    month_days(m)
        .map(|_| ())
        .ok_or_else(|| format!("--{flag}: {m} is not a month (YYYY-MM)"))
}

pub async fn run(args: StatsArgs) -> Result<(), String> {
    let cfg = load_config(args.config.as_deref())?;
    let stores = durable_stores(cfg).await?;
    if let Some(StatsAction::Generate {
        year,
        services,
        idps,
        events,
        accounts,
        batch,
    }) = args.action
    {
        let spec = Synthetic {
            year,
            services: services.max(1),
            idps: idps.max(1),
            events,
            accounts: accounts.max(1),
            batch: batch.clamp(1, 5000),
        };
        return generate(&stores, &spec).await;
    }
    if let Some(month) = &args.month {
        check_month("month", month)?;
        let by = Breakdown::parse(&args.by)
            .ok_or_else(|| format!("--by: {} is not service, idp, platform or day", args.by))?;
        let rows = stores
            .stats
            .stats_breakdown(month, by)
            .await
            .map_err(|e| e.to_string())?;
        if args.json {
            let doc: Vec<_> = rows
                .iter()
                .map(|(k, n)| serde_json::json!({ "key": k, "connections": n }))
                .collect();
            say!("{}", serde_json::Value::Array(doc));
        } else {
            say!("Connections in {month} by {}", args.by);
            print_bars(&rows);
        }
        return Ok(());
    }
    let to = args.to.unwrap_or_else(this_month);
    check_month("to", &to)?;
    let from = match args.from {
        Some(f) => f,
        None => months_before(&to, 11).ok_or("--to: not a month")?,
    };
    check_month("from", &from)?;
    let months = stores
        .stats
        .stats_months(&from, &to)
        .await
        .map_err(|e| e.to_string())?;
    if args.json {
        say!(
            "{}",
            serde_json::to_string(&months).map_err(|e| e.to_string())?
        );
    } else {
        print_months(&months);
    }
    Ok(())
}

fn print_months(months: &[MonthFigures]) {
    say!(
        "{:<8} {:>14} {:>12} {:>12} {:>9}  connections",
        "month",
        "connections",
        "users",
        "new users",
        "services"
    );
    let max = months.iter().map(|m| m.connections).max().unwrap_or(0);
    for m in months {
        say!(
            "{:<8} {:>14} {:>12} {:>12} {:>9}  {}",
            m.month,
            m.connections,
            m.users,
            m.new_users,
            m.active_services,
            bar(m.connections, max)
        );
    }
    if months.is_empty() {
        say!("(no connections in these months)");
    }
}

fn print_bars(rows: &[(String, u64)]) {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0).min(40);
    for (k, n) in rows {
        say!("{k:<width$} {n:>12}  {}", bar(*n, max));
    }
    if rows.is_empty() {
        say!("(no connections this month)");
    }
}

/// A bar of up to 40 characters, proportional to `n / max`.
fn bar(n: u64, max: u64) -> String {
    if max == 0 {
        return String::new();
    }
    let len = (n.saturating_mul(40) / max) as usize;
    "█".repeat(len.max(usize::from(n > 0)))
}

struct Synthetic {
    year: i64,
    services: u32,
    idps: u32,
    events: u64,
    accounts: u64,
    batch: usize,
}

/// Appends `spec.events` connections spread over every (day, service,
/// IdP) of the year, then times the queries the operator page runs.
async fn generate(stores: &relais_store::Stores, spec: &Synthetic) -> Result<(), String> {
    // Noon in Paris (11:00 UTC in winter; in summer 13:00, still that day).
    let jan1 = relais_core::timefmt::day_start_millis(spec.year, 1, 1) + 11 * 3_600_000;
    let days = 365u64;
    let started = Instant::now();
    let mut batch = Vec::with_capacity(spec.batch);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..spec.events {
        let day = i % days;
        let sp = (i / days) % u64::from(spec.services);
        let idp = (i / days / u64::from(spec.services)) % u64::from(spec.idps);
        // xorshift: accounts drawn without a dependency.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let time = jan1 + i64::try_from(day).unwrap_or(0) * 86_400_000;
        let mut e = BusinessEvent::new(EventKind::FcVerified, time);
        e.account_id = Some(format!("acc-{:08}", x % spec.accounts));
        e.sp_id = Some(format!("service-{sp:05}"));
        e.idp_id = Some(format!("idp-{idp}"));
        e.sp_acr = Some(
            if sp.is_multiple_of(10) {
                "eidas2"
            } else {
                "eidas1"
            }
            .into(),
        );
        batch.push(e);
        if batch.len() == spec.batch {
            stores
                .events
                .append_events(&batch)
                .await
                .map_err(|e| e.to_string())?;
            batch.clear();
        }
        if i > 0 && i.is_multiple_of(500_000) {
            eprintln!(
                "  {i} events appended ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    stores
        .events
        .append_events(&batch)
        .await
        .map_err(|e| e.to_string())?;
    let append = started.elapsed();
    say!(
        "appended {} events in {:.1} s ({:.0} events/s, rollup maintained in the same transactions)",
        spec.events,
        append.as_secs_f64(),
        spec.events as f64 / append.as_secs_f64().max(1e-9)
    );
    let from = format!("{:04}-01", spec.year);
    let to = format!("{:04}-12", spec.year);
    let t = Instant::now();
    let months = stores
        .stats
        .stats_months(&from, &to)
        .await
        .map_err(|e| e.to_string())?;
    say!(
        "query: 12 months of figures in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    for (by, name) in [
        (Breakdown::Service, "service"),
        (Breakdown::IdentityProvider, "idp"),
        (Breakdown::Platform, "platform"),
        (Breakdown::Day, "day"),
    ] {
        let t = Instant::now();
        let rows = stores
            .stats
            .stats_breakdown(&format!("{:04}-06", spec.year), by)
            .await
            .map_err(|e| e.to_string())?;
        say!(
            "query: one month by {name} ({} rows) in {:.1} ms",
            rows.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    print_months(&months);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_bars() {
        assert_eq!(months_before("2026-03", 11).as_deref(), Some("2025-04"));
        assert_eq!(months_before("2026-12", 0).as_deref(), Some("2026-12"));
        assert_eq!(bar(0, 10), "");
        assert_eq!(bar(1, 1000).chars().count(), 1);
        assert_eq!(bar(10, 10).chars().count(), 40);
        assert!(check_month("to", "2026-1").is_err());
    }
}
