//! An OTLP receiver that assembles traces, draws them in the terminal, and says where trace
//! context was lost.
