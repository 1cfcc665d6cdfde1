//! Requests served at once on a multi-threaded runtime each log their own ids, never a
//! neighbour's.

mod support;

use std::collections::{HashMap, HashSet};

use tracing_subscriber::prelude::*;

use support::{Capture, Expected, LINES_PER_REQUEST, assert_json_line, json_layer, serve, tracer};

#[test]
fn concurrent_requests_on_many_threads_each_print_their_own_ids() {
    // A global default is what lets tokio's worker threads see the subscriber; this binary
    // has no other test to disturb it.
    let capture = Capture::default();
    tracing_subscriber::registry()
        .with(json_layer(&capture))
        .try_init()
        .expect("no other test installs a global subscriber");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let requests = 16;
    let expected: HashMap<String, Expected> = runtime.block_on(async {
        let tracer = tracer();
        let tasks: Vec<_> = (0..requests)
            .map(|n| {
                let tracer = tracer.clone();
                tokio::spawn(async move { serve(&tracer, &format!("concurrent-{n}")).await })
            })
            .collect();
        let mut expected = HashMap::new();
        for task in tasks {
            let e = task.await.unwrap();
            expected.insert(e.request_id.clone(), e);
        }
        expected
    });

    let mut per_request: HashMap<String, usize> = HashMap::new();
    for object in capture.json_lines() {
        let request_id = object["request_id"]
            .as_str()
            .expect("every line has a request id");
        assert_json_line(&object, &expected[request_id]);
        *per_request.entry(request_id.to_owned()).or_default() += 1;
    }
    assert_eq!(per_request.len(), requests);
    assert!(
        per_request.values().all(|&n| n == LINES_PER_REQUEST),
        "{per_request:?}"
    );
    let traces: HashSet<_> = expected.values().map(|e| &e.trace_id).collect();
    assert_eq!(traces.len(), requests, "each request is its own trace");
}
