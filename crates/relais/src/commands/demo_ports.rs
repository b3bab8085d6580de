//! Where `relais demo`'s servers listen. Each one (the federation, the
//! canteen, the Plus platform, its letter service, the mail catcher) binds
//! its port before anything starts, and its URLs are made from the port it
//! got: with `--free-ports` the system picks them, so a port another
//! program takes between a script's choice and the bind cannot stop the
//! demo, and `--ports-file` tells the script which ports they are.

/// A listener and the port it got.
pub type Bound = (tokio::net::TcpListener, u16);

/// `relais demo`'s options for the federation alone: no canteen, no Plus
/// platform, no mail catcher (as `relais bench` and the tests start it).
pub const FEDERATION_ALONE: [&str; 6] = [
    "--canteen-port",
    "0",
    "--plus-port",
    "0",
    "--mail-port",
    "0",
];

/// Where each of the demo's servers listens, as `--ports-file` writes it.
#[derive(Debug, Default)]
pub struct DemoPorts {
    pub port: u16,
    pub canteen_port: u16,
    pub plus_port: u16,
    pub letter_port: u16,
    pub mail_port: u16,
}

impl DemoPorts {
    fn render(&self) -> String {
        format!(
            "port={}\ncanteen_port={}\nplus_port={}\nletter_port={}\nmail_port={}\n",
            self.port, self.canteen_port, self.plus_port, self.letter_port, self.mail_port
        )
    }

    /// Removes the file an earlier demo left, before this one binds: a
    /// script waiting for the file must not read another run's ports.
    pub fn forget(path: &str) -> Result<(), String> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(format!("--ports-file {path}: {e}"))
            }
            _ => Ok(()),
        }
    }

    /// Written beside, then renamed: a reader never sees half a file.
    pub fn write(&self, path: &str) -> Result<(), String> {
        let partial = format!("{path}.partial");
        std::fs::write(&partial, self.render())
            .and_then(|()| std::fs::rename(&partial, path))
            .map_err(|e| format!("--ports-file {path}: {e}"))
    }
}

/// Binds 127.0.0.1 on `port`, or on a port the system picks when `free`;
/// `flag` names the option in the error a taken port gives.
pub async fn bind_demo_port(flag: &str, port: u16, free: bool) -> Result<Bound, String> {
    let wanted = if free { 0 } else { port };
    let listener = relais_web::server::bind(&format!("127.0.0.1:{wanted}"))
        .await
        .map_err(|e| format!("{flag} {port}: {e}"))?;
    let got = listener
        .local_addr()
        .map_err(|e| format!("{flag} {port}: {e}"))?
        .port();
    Ok((listener, got))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_names_every_server_and_zero_for_one_not_started() {
        let ports = DemoPorts {
            port: 41000,
            canteen_port: 41001,
            plus_port: 0,
            letter_port: 0,
            mail_port: 41004,
        };
        assert_eq!(
            ports.render(),
            "port=41000\ncanteen_port=41001\nplus_port=0\nletter_port=0\nmail_port=41004\n"
        );
    }

    #[tokio::test]
    async fn a_free_port_is_the_one_the_listener_got_and_a_taken_one_is_named() {
        let (listener, port) = bind_demo_port("--port", 8000, true).await.unwrap();
        assert_ne!(port, 0);
        assert_eq!(listener.local_addr().unwrap().port(), port);
        // The same port, wanted again while it is held: the error names the option.
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let held = taken.local_addr().unwrap().port();
        let err = bind_demo_port("--canteen-port", held, false)
            .await
            .map(|_| ())
            .unwrap_err();
        assert!(
            err.starts_with(&format!("--canteen-port {held}: ")),
            "{err}"
        );
    }
}
