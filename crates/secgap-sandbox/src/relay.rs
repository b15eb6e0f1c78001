//! The relay inside an agent's sandbox (see [`crate::agent`]): listens on
//! `127.0.0.1:PORT` in the sandbox's own network namespace, carries every
//! connection to a Unix socket (the harness's recording proxy, outside),
//! and runs the agent's command once it is listening. It exits with the
//! command's status (128 + N for a command killed by signal N), which ends
//! the sandbox.
//!
//! It is no wall: it runs as the agent, beside it, and reaches nothing the
//! agent could not reach itself (the socket is mounted in the sandbox). It
//! only lets agents whose HTTP clients know TCP alone talk to the proxy.
//!
//! Invoked as `PROGRAM ARG PORT SOCKET -- COMMAND...`, where `ARG` is
//! [`ARG`]: the harness's binary checks for it before anything else.

use std::ffi::OsString;
use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The first argument that makes the harness's binary the relay.
pub const ARG: &str = "__agent-relay";

/// Run as the relay with the arguments after [`ARG`]; returns the exit
/// status to end with. Errors before the command starts are printed (they
/// land in the agent's transcript) and give 127.
pub fn main(args: &[OsString]) -> i32 {
    match relay(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("secgap relay: {e:#}");
            127
        }
    }
}

fn relay(args: &[OsString]) -> Result<i32> {
    let (port, socket, command) = match args {
        [port, socket, sep, command @ ..] if sep == "--" && !command.is_empty() => {
            let port: u16 = port
                .to_str()
                .and_then(|p| p.parse().ok())
                .with_context(|| format!("bad port {port:?}"))?;
            (port, PathBuf::from(socket), command)
        }
        _ => bail!("usage: {ARG} PORT SOCKET -- COMMAND [ARGS...]"),
    };
    let listener = TcpListener::bind(("127.0.0.1", port))
        .with_context(|| format!("listen on 127.0.0.1:{port}"))?;
    std::thread::Builder::new()
        .name("relay".into())
        .spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else {
                    // Out of descriptors and the like: do not spin.
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    continue;
                };
                let socket = socket.clone();
                let _ = std::thread::Builder::new()
                    .name("relay-conn".into())
                    .spawn(move || carry(client, &socket));
            }
        })
        .context("start the relay's thread")?;
    // The listener is close-on-exec (as every descriptor Rust opens), so
    // the command inherits stdin, stdout and stderr only.
    let status = Command::new(&command[0])
        .args(&command[1..])
        .status()
        .with_context(|| format!("cannot start {:?}", command[0]))?;
    Ok(match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(s)) => 128 + s,
        (None, None) => 1,
    })
}

/// Copy both ways until each side has finished sending; a side's end is
/// passed on as a half-close, so request/response exchanges that end with
/// one work.
fn carry(client: TcpStream, socket: &std::path::Path) {
    let _ = client.set_nodelay(true);
    let upstream = match UnixStream::connect(socket) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("secgap relay: cannot reach the proxy: {e}");
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    };
    let (Ok(c2), Ok(u2)) = (client.try_clone(), upstream.try_clone()) else {
        return;
    };
    let back = std::thread::spawn(move || {
        let _ = io::copy(&mut &u2, &mut &c2);
        let _ = c2.shutdown(Shutdown::Write);
    });
    let _ = io::copy(&mut &client, &mut &upstream);
    let _ = upstream.shutdown(Shutdown::Write);
    let _ = back.join();
}
