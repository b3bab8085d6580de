//! The Redis wire protocol (RESP2), as much of it as the ephemeral store
//! speaks: commands out as arrays of bulk strings, and the replies those
//! commands give back (status, error, integer, bulk string, nil, array).
//!
//! Pure functions over bytes, so that [`crate::redis_direct`] can read a
//! reply from whatever a socket has delivered so far: [`parse`] answers
//! `None` until a whole reply is there. Every length read from the wire is
//! bounded before anything is allocated for it.

use std::io::Write;

/// The largest bulk string accepted (an ephemeral record is a few hundred
/// bytes; Redis' own limit is 512 MiB).
const MAX_BULK: usize = 16 * 1024 * 1024;
/// The most elements accepted in one array (a batch answers one per
/// operation).
const MAX_ARRAY: usize = 4096;
/// Arrays in arrays: the store's commands answer one level.
const MAX_DEPTH: usize = 4;

/// One reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// `+OK`, `+PONG`.
    Status(String),
    /// `-ERR …`, `-NOSCRIPT …`: the server refused the command.
    Error(String),
    Integer(i64),
    Bulk(Vec<u8>),
    /// A nil bulk string or array (a missing key, Lua's `false`).
    Nil,
    Array(Vec<Reply>),
}

/// The bytes on the wire did not form a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireError(pub &'static str);

/// Appends the command `args` (its name first) to `out`.
pub(crate) fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    // Writing into a Vec cannot fail.
    let _ = write!(out, "*{}\r\n", args.len());
    for arg in args {
        let _ = write!(out, "${}\r\n", arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// The first whole reply in `buf` and the bytes it took, or `None` when
/// more bytes are needed.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Reply, usize)>, WireError> {
    parse_at(buf, 0, 0)
}

fn parse_at(buf: &[u8], at: usize, depth: usize) -> Result<Option<(Reply, usize)>, WireError> {
    let Some(Line {
        kind,
        text: line,
        next,
    }) = line_at(buf, at)?
    else {
        return Ok(None);
    };
    match kind {
        b'+' => Ok(Some((Reply::Status(text(line)?), next))),
        b'-' => Ok(Some((Reply::Error(text(line)?), next))),
        b':' => Ok(Some((Reply::Integer(integer(line)?), next))),
        b'$' => {
            let Some(len) = length(line, MAX_BULK)? else {
                return Ok(Some((Reply::Nil, next)));
            };
            let end = next + len;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err(WireError("bulk string not terminated"));
            }
            Ok(Some((Reply::Bulk(buf[next..end].to_vec()), end + 2)))
        }
        b'*' => {
            let Some(count) = length(line, MAX_ARRAY)? else {
                return Ok(Some((Reply::Nil, next)));
            };
            if depth >= MAX_DEPTH {
                return Err(WireError("arrays nested too deep"));
            }
            let mut items = Vec::with_capacity(count);
            let mut at = next;
            for _ in 0..count {
                let Some((item, after)) = parse_at(buf, at, depth + 1)? else {
                    return Ok(None);
                };
                items.push(item);
                at = after;
            }
            Ok(Some((Reply::Array(items), at)))
        }
        _ => Err(WireError("unknown reply type")),
    }
}

/// A reply's first line.
struct Line<'a> {
    /// The type byte.
    kind: u8,
    /// What follows it, up to the line's end.
    text: &'a [u8],
    /// Where the next line starts.
    next: usize,
}

/// The line starting at `at`, once whole.
fn line_at(buf: &[u8], at: usize) -> Result<Option<Line<'_>>, WireError> {
    let Some(&kind) = buf.get(at) else {
        return Ok(None);
    };
    // A header line is short; a status or an error line is a sentence.
    let window = &buf[at + 1..buf.len().min(at + 1 + 4096)];
    match window.windows(2).position(|w| w == b"\r\n") {
        Some(end) => Ok(Some(Line {
            kind,
            text: &window[..end],
            next: at + 1 + end + 2,
        })),
        None if window.len() == 4096 => Err(WireError("reply line too long")),
        None => Ok(None),
    }
}

fn text(line: &[u8]) -> Result<String, WireError> {
    String::from_utf8(line.to_vec()).map_err(|_| WireError("reply line is not UTF-8"))
}

fn integer(line: &[u8]) -> Result<i64, WireError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(WireError("malformed integer"))
}

/// A length header: `None` for `-1` (nil), refused past `max`.
fn length(line: &[u8], max: usize) -> Result<Option<usize>, WireError> {
    match integer(line)? {
        -1 => Ok(None),
        n => usize::try_from(n)
            .ok()
            .filter(|n| *n <= max)
            .map(Some)
            .ok_or(WireError("length out of bounds")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_command_is_an_array_of_bulk_strings() {
        let mut out = Vec::new();
        encode(&mut out, &[b"SET", b"k", b"\x00\r\n", b"PX", b"1000"]);
        assert_eq!(
            out,
            b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n\x00\r\n\r\n$2\r\nPX\r\n$4\r\n1000\r\n"
        );
    }

    #[test]
    fn every_reply_the_store_meets_is_read() {
        let cases: [(&[u8], Reply); 7] = [
            (b"+OK\r\n", Reply::Status("OK".into())),
            (
                b"-NOSCRIPT No matching script\r\n",
                Reply::Error("NOSCRIPT No matching script".into()),
            ),
            (b":-12\r\n", Reply::Integer(-12)),
            (b"$3\r\na\r\n\r\n", Reply::Bulk(b"a\r\n".to_vec())),
            (b"$0\r\n\r\n", Reply::Bulk(Vec::new())),
            (b"$-1\r\n", Reply::Nil),
            (
                b"*3\r\n$1\r\nv\r\n$-1\r\n*1\r\n:1\r\n",
                Reply::Array(vec![
                    Reply::Bulk(b"v".to_vec()),
                    Reply::Nil,
                    Reply::Array(vec![Reply::Integer(1)]),
                ]),
            ),
        ];
        for (bytes, reply) in cases {
            assert_eq!(parse(bytes).unwrap(), Some((reply, bytes.len())));
        }
    }

    #[test]
    fn a_reply_cut_anywhere_waits_for_the_rest_and_leaves_what_follows() {
        let whole = b"*2\r\n$5\r\nhello\r\n$-1\r\n:7\r\n";
        let first = whole.len() - 4;
        for cut in 0..first {
            assert_eq!(parse(&whole[..cut]).unwrap(), None, "cut at {cut}");
        }
        let (reply, used) = parse(whole).unwrap().unwrap();
        assert_eq!(used, first);
        assert_eq!(
            reply,
            Reply::Array(vec![Reply::Bulk(b"hello".to_vec()), Reply::Nil])
        );
        assert_eq!(parse(&whole[used..]).unwrap(), Some((Reply::Integer(7), 4)));
    }

    #[test]
    fn malformed_or_oversized_replies_are_refused_before_allocating() {
        let bad: [&[u8]; 7] = [
            b"?what\r\n",
            b":12a\r\n",
            b"$5\r\nhelloXX",
            b"$99999999999\r\n",
            b"*100000\r\n",
            b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
            b"$-2\r\n",
        ];
        for bytes in bad {
            assert!(
                parse(bytes).is_err(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        let endless = [b"+".as_slice(), &[b'a'; 5000]].concat();
        assert!(parse(&endless).is_err(), "a line without an end");
    }
}
