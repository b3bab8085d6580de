//! The SMTP conversation, one task per connection, with a deadline per
//! line and a size cap, so a stuck or hostile client cannot hold it.

use super::message::CaughtMail;
use super::Inbox;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const MAX_MESSAGE: usize = 1024 * 1024;
const MAX_LINE: usize = 4096;
const IDLE: Duration = Duration::from_secs(30);

pub async fn accept_loop(listener: TcpListener, inbox: Inbox, dir: Option<PathBuf>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let inbox = inbox.clone();
        let dir = dir.clone();
        tokio::spawn(async move {
            if let Err(e) = converse(stream, &inbox, dir.as_deref()).await {
                tracing::debug!(error = %e, "mail catcher: connection ended");
            }
        });
    }
}

async fn read_line(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut String,
) -> std::io::Result<usize> {
    line.clear();
    let n = tokio::time::timeout(IDLE, reader.read_line(line))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
    if line.len() > MAX_LINE + MAX_MESSAGE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "line too long",
        ));
    }
    Ok(n)
}

async fn converse(
    stream: TcpStream,
    inbox: &Inbox,
    dir: Option<&std::path::Path>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write
        .write_all(b"220 relais-demo mail catcher ESMTP\r\n")
        .await?;
    let (mut from, mut to) = (String::new(), Vec::<String>::new());
    let mut line = String::new();
    loop {
        if read_line(&mut reader, &mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-relais-demo\r\n250-8BITMIME\r\n250 SIZE 1048576\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                b"250 OK\r\n"
            }
            "MAIL" => {
                from = address(&line);
                b"250 OK\r\n"
            }
            "RCPT" if to.len() < 100 => {
                to.push(address(&line));
                b"250 OK\r\n"
            }
            "RCPT" => b"452 too many recipients\r\n",
            "DATA" if to.is_empty() => b"503 RCPT first\r\n",
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    if read_line(&mut reader, &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // RFC 5321 §4.5.2: a leading dot was doubled by the client.
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    if data.len() > MAX_MESSAGE {
                        write.write_all(b"552 message too large\r\n").await?;
                        return Ok(());
                    }
                }
                let mail =
                    CaughtMail::new(std::mem::take(&mut from), std::mem::take(&mut to), data);
                if let Some(dir) = dir {
                    mail.write_eml(dir);
                }
                inbox.push(mail);
                b"250 OK: caught\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// `MAIL FROM:<a@b> SIZE=…` → `a@b`.
fn address(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(a, _)| a.to_owned())
        .unwrap_or_default()
}
