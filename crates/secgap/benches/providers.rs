//! `cargo bench --bench providers`: the model-call path (subject → limiter
//! → HTTP → cache) against the test fixture server with a fixed 200 ms
//! latency. 1,000 requests with at most 64 in flight should finish within
//! 1.15 × the ideal time (1000 / 64 × 200 ms), and a re-run of the same
//! requests should be served from the cache without a single request.
//!
//! The fixture server is test code (tests/support), so this benchmark lives
//! with the tests rather than in the `secgap bench` command.

#[allow(dead_code)]
#[path = "../tests/it/support/fixture_server.rs"]
mod fixture_server;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fixture_server::{FixtureServer, Script};
use secgap::generate::limiter::Limiters;
use secgap::generate::provider::Cache;
use secgap::generate::{self, GenRequest, SubjectOptions};

const REQUESTS: u32 = 1000;
const CONCURRENCY: usize = 64;
const LATENCY: Duration = Duration::from_millis(200);
const TARGET_RATIO: f64 = 1.15;

fn main() {
    let suite_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
    let suite = secgap::suite::load(&suite_dir).expect("load the built-in suite");
    let task = suite.task("py-upload-read").expect("py-upload-read exists");
    let server = FixtureServer::start(Script::default().with_latency(LATENCY));
    let cache_dir = tempfile::tempdir().expect("temp dir");

    let pass = |label: &str| -> (Duration, usize, usize) {
        let limiters = Arc::new(Limiters::new(CONCURRENCY));
        let opts = SubjectOptions {
            cache: Some(Cache {
                dir: cache_dir.path().to_path_buf(),
            }),
            limiters: limiters.clone(),
            ..Default::default()
        };
        let spec = format!("openai-compat:{}/v1#bench-model", server.base_url());
        let subject = generate::from_spec(&spec, &opts).expect("subject");
        let before = server.request_count();
        let next = AtomicU32::new(0);
        let started = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..CONCURRENCY {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= REQUESTS {
                        break;
                    }
                    subject
                        .generate(&GenRequest {
                            task,
                            strategy: "baseline",
                            prompt: "Write the function.",
                            history: &[],
                            ask: generate::Ask::Code,
                            sample: i,
                            deadline: None,
                        })
                        .unwrap_or_else(|e| panic!("{label}: request {i} failed: {}", e.message));
                });
            }
        });
        let took = started.elapsed();
        let limit = limiters.views().first().map_or(0, |v| v.limit);
        (took, server.request_count() - before, limit)
    };

    let ideal = LATENCY.as_secs_f64() * REQUESTS as f64 / CONCURRENCY as f64;
    let (cold, requests, limit) = pass("cold");
    let ratio = cold.as_secs_f64() / ideal;
    println!(
        "providers/cold: {REQUESTS} requests, cap {CONCURRENCY}, {} ms latency: {:.3} s (ideal {:.3} s, ratio {:.3}, target <= {TARGET_RATIO}); {requests} requests reached the server, peak {} in flight, final limit {limit}",
        LATENCY.as_millis(),
        cold.as_secs_f64(),
        ideal,
        ratio,
        server.max_concurrent(),
    );
    let (warm, warm_requests, _) = pass("cached");
    println!(
        "providers/cached: {REQUESTS} samples again: {:.3} s, {warm_requests} requests reached the server (target 0)",
        warm.as_secs_f64()
    );
    let ok = ratio <= TARGET_RATIO && warm_requests == 0 && requests == REQUESTS as usize;
    println!(
        "providers: {}",
        if ok { "targets met" } else { "TARGETS MISSED" }
    );
    if !ok {
        std::process::exit(1);
    }
}
