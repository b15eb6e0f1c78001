//! Level 1 beside the conveyor: calibrating the judges before they grade,
//! and reading a run's Level 1 back for the terminal and the reports.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Result;

use crate::analyze::level1::{self, Level1Report};
use crate::generate::Subject;
use crate::model::{CalibrationRecord, JudgeInfo, Level1Rows, Probe, JUDGE_VERSION};
use crate::plan::RunConfig;
use crate::run::{Budget, RunOptions};
use crate::score::calibrate;
use crate::score::probe::parse_judgment;
use crate::store::Store;
use crate::suite::Suite;

/// Have every judge grade the reference explanations it has not graded
/// yet under this rubric, through the same cached, recorded calls as its
/// real gradings, and commit each grading at once. Returns how many
/// gradings got no reply (asked again on resume).
pub(super) fn calibrate_judges(
    store: &mut Store,
    suite: &Suite,
    probes: &[Probe],
    judges: &HashMap<String, Box<dyn Subject>>,
    budget: &Budget,
    opts: &RunOptions,
) -> Result<u64> {
    store.clear_calibration_errors()?;
    let done = store.calibrations_done(JUDGE_VERSION)?;
    let items = calibrate::items(suite, probes);
    let mut names: Vec<&String> = judges.keys().collect();
    names.sort();
    let todo: Vec<(&String, &calibrate::CalibrationItem)> = names
        .iter()
        .flat_map(|j| items.iter().map(move |i| (*j, i)))
        .filter(|(j, i)| !done.contains(&((*j).clone(), i.probe.id.clone(), i.exemplar)))
        .collect();
    if todo.is_empty() {
        return Ok(0);
    }
    if opts.progress {
        eprintln!(
            "level 1: calibrating {} judge(s) on {} reference explanation(s) before they grade",
            names.len(),
            items.len()
        );
    }
    let queue = Mutex::new(todo.into_iter());
    let (tx, rx) = std::sync::mpsc::channel::<CalibrationRecord>();
    let mut errors = 0u64;
    let mut first_err = None;
    std::thread::scope(|scope| {
        for _ in 0..opts.gen_jobs.max(1) {
            let tx = tx.clone();
            let queue = &queue;
            scope.spawn(move || loop {
                let Some((judge, item)) = queue.lock().unwrap().next() else {
                    break;
                };
                let mut rec = CalibrationRecord {
                    judge: judge.clone(),
                    probe_id: item.probe.id.clone(),
                    exemplar: item.exemplar,
                    prompt: item.prompt.clone(),
                    expected: item.expected.clone(),
                    reply: None,
                    verdicts: None,
                    error: None,
                    calls: Vec::new(),
                };
                let over = budget
                    .limit
                    .filter(|l| *budget.spent.lock().unwrap() >= *l);
                if let Some(limit) = over {
                    rec.error = Some(format!(
                        "not asked: the budget of ${limit:.2} is spent; resume with a larger --budget"
                    ));
                } else {
                    let deadline = Some(Instant::now() + opts.sample_timeout);
                    match judges[judge].ask(&item.prompt, deadline) {
                        Ok(g) => {
                            rec.verdicts = parse_judgment(&g.response, item.expected.len());
                            rec.reply = Some(g.response);
                            rec.calls = g.calls;
                        }
                        Err(e) => {
                            rec.error = Some(e.message);
                            rec.calls = e.calls;
                        }
                    }
                }
                let cost: f64 = rec.calls.iter().filter_map(|c| c.cost_usd).sum();
                *budget.spent.lock().unwrap() += cost;
                if tx.send(rec).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for rec in rx {
            if rec.reply.is_none() {
                errors += 1;
            }
            if let Err(e) = store.insert_calibration(&rec) {
                first_err.get_or_insert(e);
            }
        }
    });
    if let Some(e) = first_err {
        return Err(e.context("storing judge calibrations failed; `secgap resume` continues"));
    }
    Ok(errors)
}

/// The judges of a run with the subjects each is the same model as.
pub fn judge_infos(config: &RunConfig) -> Vec<JudgeInfo> {
    let Some(pc) = &config.probes else {
        return Vec::new();
    };
    pc.judges
        .iter()
        .map(|j| {
            let me = crate::plan::model_identity(j, &config.subject_defs);
            JudgeInfo {
                judge: j.clone(),
                judges_itself: config
                    .subjects
                    .iter()
                    .filter(|s| {
                        *s == j
                            || me.is_some()
                                && crate::plan::model_identity(s, &config.subject_defs) == me
                    })
                    .cloned()
                    .collect(),
            }
        })
        .collect()
}

/// Level 1 of a run that asked probes (None when it did not).
pub fn level1_of(store: &Store, config: &RunConfig) -> Result<Option<Level1Report>> {
    if config.probes.is_none() {
        return Ok(None);
    }
    Ok(Some(level1::analyze(Level1Rows {
        subjects: config.subjects.clone(),
        answers: store.probe_exports()?,
        calibrations: store.calibrations()?,
        judges: judge_infos(config),
    })))
}
