//! What a process tree uses right now: CPU time and resident memory,
//! summed over a process and every process descending from it, read from
//! `/proc` (the harness sees a sandbox's processes under their host pids).

use std::collections::HashMap;

/// A process tree's use of the machine at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU time (user + system) of the live processes, and of the children
    /// they have already waited for, in milliseconds.
    pub cpu_ms: u64,
    /// Resident memory of the live processes, in bytes.
    pub rss_bytes: u64,
    /// Live processes in the tree, the root included.
    pub processes: usize,
}

struct Stat {
    ppid: i32,
    ticks: u64,
    rss_pages: u64,
}

/// Fields of `/proc/PID/stat` after the command name, which is in
/// parentheses and may itself hold spaces or parentheses.
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_ascii_whitespace().collect();
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13)
    // cstime(14) ... rss(21).
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok());
    Some(Stat {
        ppid: num(1)? as i32,
        ticks: [11, 12, 13, 14]
            .iter()
            .map(|&i| num(i).unwrap_or(0).max(0) as u64)
            .sum(),
        rss_pages: num(21)?.max(0) as u64,
    })
}

/// The use of `root` and all its descendants now (zero when it is gone).
pub fn usage(root: i32) -> Usage {
    let mut stats: HashMap<i32, Stat> = HashMap::new();
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            if let Some(s) = parse_stat(&text) {
                children.entry(s.ppid).or_default().push(pid);
                stats.insert(pid, s);
            }
        }
    }
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    // SAFETY: as above.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    let mut u = Usage::default();
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        let Some(s) = stats.get(&pid) else { continue };
        u.processes += 1;
        u.cpu_ms += s.ticks * 1000 / hz;
        u.rss_bytes += s.rss_pages * page;
        if let Some(kids) = children.get(&pid) {
            todo.extend(kids.iter().copied());
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let line = "42 (a b) c)) S 7 42 42 0 -1 4194560 100 0 0 0 30 20 5 5 20 0 1 0 100 1000 250 18446744073709551615";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.ppid, 7);
        assert_eq!(s.ticks, 60);
        assert_eq!(s.rss_pages, 250);
    }

    #[test]
    fn the_tree_of_this_process_counts_a_busy_child() {
        let mut child = std::process::Command::new("/bin/sh")
            .args([
                "-c",
                "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 5",
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let me = usage(std::process::id() as i32);
        let kid = usage(child.id() as i32);
        let _ = child.kill();
        let _ = child.wait();
        assert!(me.processes >= 2, "{me:?}");
        // The shell, and the `sleep` it starts once its loop is done.
        assert!(
            (1..=2).contains(&kid.processes) && kid.rss_bytes > 0,
            "{kid:?}"
        );
        assert!(kid.cpu_ms > 0, "the loop used CPU: {kid:?}");
        assert!(me.cpu_ms >= kid.cpu_ms && me.rss_bytes > kid.rss_bytes);
        assert_eq!(usage(i32::MAX), Usage::default());
    }
}
