//! A TCP proxy adding a round-trip latency, for the remote-reading benchmark: every chunk is
//! forwarded RTT/2 after it arrived, in each direction, order kept, with no bandwidth limit
//! (bench/remote_bench.sh; bench/latency_proxy.py does the same in Python, but its copying
//! costs more than the transfers it delays).
//!
//!     cargo run --release -p rootio --example latency_proxy -- 127.0.0.1:1094 10
//!     # prints "listening on 127.0.0.1:PORT", then serves until killed

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = from.read(&mut buf).unwrap_or(0);
            if tx.send((Instant::now(), buf[..n].to_vec())).is_err() || n == 0 {
                return;
            }
        }
    });
    for (at, data) in rx {
        let due = at + delay;
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        if data.is_empty() || to.write_all(&data).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = reader.join();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(target), Some(rtt)) = (args.get(1), args.get(2).and_then(|r| r.parse::<f64>().ok()))
    else {
        eprintln!("usage: latency_proxy HOST:PORT RTT_MS");
        std::process::exit(2);
    };
    let delay = Duration::from_secs_f64(rtt / 2000.0);
    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen: {e}");
            std::process::exit(1);
        }
    };
    match listener.local_addr() {
        Ok(a) => println!("listening on {a}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    for client in listener.incoming().flatten() {
        let target = target.clone();
        std::thread::spawn(move || {
            let Ok(server) = TcpStream::connect(&target) else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                return;
            };
            let up = std::thread::spawn(move || pump(client, server, delay));
            pump(s2, c2, delay);
            let _ = up.join();
        });
    }
}
