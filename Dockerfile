# syntax=docker/dockerfile:1
#
# The demo services (`cargo run --example demo -- gateway|orders|inventory`) as one image; the
# role is the container's command. Built by docker-compose.yml with the repository root as the
# context (see .dockerignore: no target/, no fuzz/, and ../shared is never part of it).
#
# Three stages so that a source change rebuilds only the last step: cargo-chef's recipe holds
# just the manifests and Cargo.lock, so the dependency layer is reused until they change.

FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --version 0.1.78 --locked
WORKDIR /baton

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
# The example's required-features (Cargo.toml `[[example]] name = "demo"`); .ci/compose_check.py
# fails when the two lists drift apart.
ARG DEMO_FEATURES=init,axum,reqwest,tonic,tracing
COPY --from=planner /baton/recipe.json recipe.json
# --examples: an example builds the package's dev-dependencies too, and those belong in the cache.
RUN cargo chef cook --release --locked -p baton --examples --features "$DEMO_FEATURES" --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked -p baton --example demo --features "$DEMO_FEATURES"

FROM debian:bookworm-slim AS runtime
# Not root; the orders database lives in a directory this user owns (a named volume in compose
# takes its ownership from the image).
RUN useradd --system --uid 10001 --no-create-home baton \
    && mkdir -p /var/lib/baton-demo \
    && chown baton /var/lib/baton-demo
COPY --from=builder /baton/target/release/examples/demo /usr/local/bin/demo
USER baton
ENV DEMO_DATABASE=/var/lib/baton-demo/orders.sqlite
# Exec form: the demo is PID 1 and gets SIGTERM itself, so its init guard flushes the spans.
ENTRYPOINT ["/usr/local/bin/demo"]
