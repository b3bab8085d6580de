//! Logging, and (with the `otel` feature) request spans shipped to an
//! OpenTelemetry collector.
//!
//! Logs go to stderr, filtered by `RELAIS_LOG`. Built with `--features
//! otel` and run with `OTEL_EXPORTER_OTLP_ENDPOINT` set (e.g.
//! `http://collector:4318`), every span — one per request, named
//! `request` with its method, route template and status — is exported over
//! OTLP/HTTP by a batch processor on its own thread (never on the request
//! path). Spans carry no token, secret or claim value.

/// Keeps the exporter alive; flushes what it holds when dropped.
pub struct Telemetry {
    #[cfg(feature = "otel")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        #[cfg(feature = "otel")]
        if let Some(p) = self.provider.take() {
            let _ = p.shutdown();
        }
    }
}

fn filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("RELAIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"))
}

/// Installs the subscriber once, at start.
pub fn init() -> Telemetry {
    use tracing_subscriber::layer::{Layer, SubscriberExt};
    use tracing_subscriber::util::SubscriberInitExt;
    // `RELAIS_LOG` filters what is written to stderr only: the request
    // spans reach the collector whatever the log level.
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    #[cfg(feature = "otel")]
    if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() {
        use opentelemetry::trace::TracerProvider as _;
        match opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
        {
            Ok(exporter) => {
                let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(
                        opentelemetry_sdk::Resource::builder()
                            .with_service_name("relais")
                            .build(),
                    )
                    .build();
                let layer = tracing_opentelemetry::layer()
                    .with_tracer(provider.tracer("relais"))
                    .with_filter(tracing_subscriber::filter::LevelFilter::INFO);
                tracing_subscriber::registry().with(fmt).with(layer).init();
                return Telemetry {
                    provider: Some(provider),
                };
            }
            Err(e) => eprintln!("relais: OpenTelemetry exporter not started: {e}"),
        }
    }
    tracing_subscriber::registry().with(fmt).init();
    Telemetry {
        #[cfg(feature = "otel")]
        provider: None,
    }
}
