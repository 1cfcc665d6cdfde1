//! Request-scoped typed locals and trace context that survive `.await`, spawns and threads.
