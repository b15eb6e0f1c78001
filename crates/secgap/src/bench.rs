//! `secgap bench sandbox`: the cost of the sandbox per execution.
//!
//! Runs the same command bare and inside the sandbox, interleaved so that
//! machine noise hits both alike, and reports medians and their ratio.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde::Serialize;

use crate::sandbox::{self, Exit, Limits, Spec};

#[derive(Debug, Serialize)]
pub struct SandboxBench {
    pub command: Vec<String>,
    pub iterations: usize,
    pub bare_median_ms: f64,
    pub sandbox_median_ms: f64,
    pub overhead_median_ms: f64,
    pub ratio: f64,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn sandbox(iterations: usize, argv: Vec<String>) -> Result<SandboxBench> {
    if argv.is_empty() {
        bail!("no command to benchmark");
    }
    let spec = Spec {
        argv: argv.clone(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        mounts: vec![],
        workdir: "/work".into(),
        limits: Limits {
            wall: Duration::from_secs(30),
            ..Limits::default()
        },
        channel: true,
    };
    let mut bare = Vec::with_capacity(iterations);
    let mut boxed = Vec::with_capacity(iterations);
    for i in 0..iterations + 2 {
        let t = Instant::now();
        let st = Command::new(&argv[0])
            .args(&argv[1..])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()?;
        let b = t.elapsed().as_secs_f64() * 1e3;
        if !st.status.success() {
            bail!("`{}` failed outside the sandbox", argv.join(" "));
        }
        let t = Instant::now();
        let o = sandbox::run(&spec)?;
        let s = t.elapsed().as_secs_f64() * 1e3;
        if o.exit != Exit::Code(0) {
            bail!(
                "`{}` failed in the sandbox: {}",
                argv.join(" "),
                o.stderr.text()
            );
        }
        if i >= 2 {
            // the first two rounds warm caches
            bare.push(b);
            boxed.push(s);
        }
    }
    let mut diffs: Vec<f64> = boxed.iter().zip(&bare).map(|(s, b)| s - b).collect();
    let bm = median(&mut bare);
    let sm = median(&mut boxed);
    Ok(SandboxBench {
        command: argv,
        iterations,
        bare_median_ms: bm,
        sandbox_median_ms: sm,
        overhead_median_ms: median(&mut diffs),
        ratio: sm / bm,
    })
}
