//! Progress display for a run: one bar for generation, one for execution,
//! and a status line with spend, provider concurrency and retries in
//! progress. Drawn on stderr only when it is a terminal; otherwise silent.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::generate::limiter::LimiterView;

pub struct Progress {
    multi: MultiProgress,
    gen: ProgressBar,
    exec: Option<ProgressBar>,
    status: ProgressBar,
}

impl Progress {
    /// Bars for `total` samples; hidden unless `show` and stderr is a terminal.
    pub fn new(total: u64, show: bool) -> Progress {
        Progress::with_bars(total, show, &["generate", "execute"])
    }

    /// One bar for `total` probe answers.
    pub fn probes(total: u64, show: bool) -> Progress {
        Progress::with_bars(total, show, &["probes"])
    }

    fn with_bars(total: u64, show: bool, names: &[&str]) -> Progress {
        let target = if show && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr_with_hz(5)
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let style = ProgressStyle::with_template(
            "{prefix:>9} [{bar:30}] {pos}/{len} {rate:>8} eta {eta:>4} {msg}",
        )
        .expect("progress template is valid")
        .with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", rate(s.per_sec()));
            },
        )
        .progress_chars("=> ");
        let bar = |name: &str| {
            let b = multi.add(ProgressBar::new(total));
            b.set_style(style.clone());
            b.set_prefix(name.to_string());
            b
        };
        let gen = bar(names[0]);
        let exec = names.get(1).map(|n| bar(n));
        let status = multi.add(ProgressBar::new_spinner());
        status.set_style(
            ProgressStyle::with_template("{prefix:>9} {msg}").expect("status template is valid"),
        );
        Progress {
            multi,
            gen,
            exec,
            status,
        }
    }

    pub fn generated(&self) {
        self.gen.inc(1);
    }

    pub fn executed(&self, last: &str) {
        if let Some(exec) = &self.exec {
            exec.inc(1);
            exec.set_message(last.to_string());
        }
    }

    pub fn set_status(&self, text: String) {
        self.status
            .set_prefix(if text.is_empty() { "" } else { "status" });
        self.status.set_message(text);
    }

    /// Print a line above the bars (or plainly when they are hidden).
    pub fn println(&self, line: &str) {
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
    }

    pub fn finish(&self) {
        self.gen.abandon();
        if let Some(exec) = &self.exec {
            exec.abandon();
        }
        self.status.abandon();
    }
}

/// The status line: money spent and, per provider, concurrency and retries.
pub fn status_line(spent: Option<f64>, limit: Option<f64>, providers: &[LimiterView]) -> String {
    let mut parts = Vec::new();
    match (spent, limit) {
        (Some(s), Some(l)) => parts.push(format!("${s:.4} of ${l:.2} spent")),
        (Some(s), None) => parts.push(format!("${s:.4} spent")),
        _ => {}
    }
    for p in providers {
        let host = p.origin.split("://").nth(1).unwrap_or(&p.origin);
        let mut s = format!("{host}: {}/{} in flight", p.in_flight, p.limit);
        if let Some((wait, why)) = &p.held {
            s.push_str(&format!(", held {} by {why}", secs(*wait)));
        }
        if let Some((wait, why)) = &p.next_retry {
            s.push_str(&format!(
                ", {} retrying (next in {} after {why})",
                p.retrying,
                secs(*wait)
            ));
        }
        if p.retries > 0 {
            s.push_str(&format!(", {} retries so far", p.retries));
        }
        parts.push(s);
    }
    parts.join(" | ")
}

/// A bar's pace, readable whether samples take milliseconds or minutes:
/// per second from one a second up (`3.1/s`), per minute from one a
/// minute (`2.0/min`, one every 30 s), else the seconds each takes.
pub fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "–".into()
    } else if per_sec >= 1.0 {
        format!("{per_sec:.1}/s")
    } else if per_sec * 60.0 >= 1.0 {
        format!("{:.1}/min", per_sec * 60.0)
    } else {
        format!("{:.0} s each", 1.0 / per_sec)
    }
}

fn secs(d: Duration) -> String {
    format!("{:.0} s", d.as_secs_f64().ceil())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_rates_read_per_minute_or_seconds_each_never_zero() {
        assert_eq!(rate(3.06), "3.1/s");
        assert_eq!(rate(1.0), "1.0/s");
        // One sample every 30 s was shown as 0.0/s.
        assert_eq!(rate(1.0 / 30.0), "2.0/min");
        assert_eq!(rate(1.0 / 60.0), "1.0/min");
        assert_eq!(rate(1.0 / 150.0), "150 s each");
        assert_eq!(rate(0.0), "–");
    }

    #[test]
    fn status_names_spend_concurrency_and_retries() {
        let v = LimiterView {
            origin: "https://api.example.com".into(),
            limit: 24,
            in_flight: 20,
            retrying: 2,
            next_retry: Some((Duration::from_millis(11_200), "HTTP 429".into())),
            held: None,
            cuts: 1,
            retries: 5,
        };
        assert_eq!(
            status_line(Some(0.4213), Some(5.0), &[v]),
            "$0.4213 of $5.00 spent | api.example.com: 20/24 in flight, 2 retrying (next in 12 s after HTTP 429), 5 retries so far"
        );
        assert_eq!(status_line(None, None, &[]), "");
    }
}
