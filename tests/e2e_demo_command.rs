//! The README's main command: `demo` with no role runs the whole demo (a receiver, the three
//! services, a handful of requests) and reports on it. This runs the built binary as a user
//! would and checks what it printed.

#[path = "support/e2e.rs"]
mod support;

use std::process::{Command, Stdio};
use std::sync::mpsc;

use support::HANG;

#[test]
fn the_demo_command_prints_waterfalls_verdicts_logs_and_a_summary_and_exits_0() {
    let child = Command::new(support::demo_binary())
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Ok(output) = finished.recv_timeout(HANG) else {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("the demo did not finish within {HANG:?}");
    };
    let output = output.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let all = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert!(output.status.success(), "{}\n{all}", output.status);
    assert!(!stdout.is_empty(), "{all}");
}
