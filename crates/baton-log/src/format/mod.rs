//! The event formatter that stamps ids and locals, and the two line layouts it knows.
//!
//! [`Correlated`] wraps an inner [`FormatEvent`](tracing_subscriber::fmt::FormatEvent); its
//! layout parameter, [`Text`] or [`Json`], decides how the stamp joins the inner line. It is
//! fixed when the formatter is built ([`KnownLayout`] picks it from the inner formatter's
//! type), never guessed from the output.

mod correlated;
mod json;
mod layout;
mod text;

pub use correlated::Correlated;
pub use json::Json;
pub use layout::KnownLayout;
pub use text::Text;
