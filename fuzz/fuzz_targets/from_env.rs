//! The composite `from_env()` builds when `OTEL_PROPAGATORS` is unset (`tracecontext,baggage`),
//! with the `extract(inject(extract(x)))` round trip (span context and baggage).
#![no_main]

use std::sync::OnceLock;

use baton_propagation::{BAGGAGE, CompositePropagator, TRACEPARENT, TRACESTATE, from_env};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

static PROPAGATOR: OnceLock<CompositePropagator> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let propagator = PROPAGATOR.get_or_init(|| {
        assert!(
            std::env::var_os("OTEL_PROPAGATORS").is_none(),
            "run with OTEL_PROPAGATORS unset, to fuzz the default composite"
        );
        from_env()
    });
    let map = header_map(data, &[TRACEPARENT, TRACESTATE, BAGGAGE]);
    check_round_trip(propagator, &map, Preserve::Both);
});
