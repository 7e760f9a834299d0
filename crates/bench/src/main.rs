//! `tolem-bench-polling [out.json]`: prints the polling table of `make bench` and, given a
//! path, writes the figures there as JSON for the report (docs/benchmarks.md).

use std::process::ExitCode;

use serde::Serialize;
use tolem_bench::{simulate, Ending, RunResult, Schedule, SimConfig};

/// Status requests take this long end to end (a backend that reads the provider).
const LATENCY_MS: u64 = 200;
/// The crowd: this many shoppers back within this window.
const CROWD: u32 = 1_000;
const CROWD_WINDOW_MS: u64 = 10_000;

#[derive(Serialize)]
struct Row {
    settles: &'static str,
    one: RunResult,
    crowd: RunResult,
}

fn main() -> ExitCode {
    let scenarios: [(&str, Option<u64>); 4] =
        [("5 s", Some(5_000)), ("30 s", Some(30_000)), ("5 min", Some(300_000)), ("never (15 min)", None)];
    let mut rows = Vec::new();
    for (settles, settle_after_ms) in scenarios {
        for schedule in Schedule::ALL {
            let one =
                SimConfig { settle_after_ms, latency_ms: LATENCY_MS, shoppers: 1, arrival_window_ms: 0, seed: 42 };
            let crowd = SimConfig { shoppers: CROWD, arrival_window_ms: CROWD_WINDOW_MS, ..one };
            rows.push(Row { settles, one: simulate(schedule, one), crowd: simulate(schedule, crowd) });
        }
    }
    println!(
        "polling: each status request takes {LATENCY_MS} ms; one shopper back at 0, and a crowd of {CROWD} back within {} s",
        CROWD_WINDOW_MS / 1000
    );
    println!(
        "{:<15} {:<12} {:>9} {:>11} {:>24} {:>19} {:>9} {:>9}",
        "settles after",
        "schedule",
        "requests",
        "seen after",
        "shopper is shown",
        "crowd: seen p50/p95",
        "in flight",
        "requests"
    );
    for row in &rows {
        println!(
            "{:<15} {:<12} {:>9} {:>11} {:>24} {:>19} {:>9} {:>9}",
            row.settles,
            row.one.schedule.name(),
            row.one.first.requests,
            row.one.first.seen_after_settle_ms.map_or("—".to_owned(), |ms| format!("{:.1} s", ms as f64 / 1000.0)),
            shown(&row.one),
            match (row.crowd.seen_after_p50_ms, row.crowd.seen_after_p95_ms) {
                (Some(p50), Some(p95)) => format!("{:.1} / {:.1} s", p50 as f64 / 1000.0, p95 as f64 / 1000.0),
                _ => "—".to_owned(),
            },
            row.crowd.max_in_flight,
            row.crowd.total_requests,
        );
    }
    if let Some(path) = std::env::args().nth(1) {
        let json = match serde_json::to_string_pretty(&rows) {
            Ok(json) => json,
            Err(e) => {
                eprintln!("polling: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = std::fs::write(&path, json) {
            eprintln!("polling: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// What the shopper finally sees, and when.
fn shown(run: &RunResult) -> String {
    let at = run.first.stopped_at_ms.map_or(String::new(), |ms| format!(" at {}:{:02}", ms / 60_000, ms / 1000 % 60));
    match run.ending {
        Some(Ending::Outcome) => format!("outcome{at}"),
        Some(Ending::StillPending) => format!("still confirming{at}"),
        Some(Ending::Expired) => format!("expired{at}"),
        Some(Ending::StillPolling) | None => "still polling".to_owned(),
    }
}
