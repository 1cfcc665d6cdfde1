//! Which layout a formatter writes, known from its type.

use tracing_subscriber::fmt::format::{self, Compact, Format, Full};

use super::{Correlated, Json, Text};

/// An event formatter whose line layout, [`Text`] or [`Json`], is known from its type, so
/// that [`Correlated::new`] and [`correlate`](crate::correlate) stamp it the right way without
/// being told.
///
/// Implemented for `tracing_subscriber`'s full and compact text formats and its JSON format.
/// Implement it for a formatter of your own, or name the layout with
/// [`Correlated::with_layout`] / [`correlate_as`](crate::correlate_as). (The `Pretty`
/// format is multi-line and needs `tracing-subscriber`'s `ansi` feature: stamp it with
/// `correlate_as(layer, Text)`.)
///
/// # Examples
///
/// ```
/// use baton_log::{Json, KnownLayout, Text};
/// use tracing_subscriber::fmt::format;
///
/// fn layout_of<F: KnownLayout>(_: &F) -> F::Layout {
///     F::Layout::default()
/// }
///
/// assert_eq!(layout_of(&format().compact()), Text);
/// assert_eq!(layout_of(&format().json()), Json);
/// ```
pub trait KnownLayout {
    /// [`Text`] or [`Json`].
    type Layout: Clone + Default + Send + Sync + 'static;
}

impl<T> KnownLayout for Format<Full, T> {
    type Layout = Text;
}

impl<T> KnownLayout for Format<Compact, T> {
    type Layout = Text;
}

impl<T> KnownLayout for Format<format::Json, T> {
    type Layout = Json;
}

impl<E: KnownLayout> Correlated<E, E::Layout> {
    /// Wraps the event formatter `inner` (for example `tracing_subscriber::fmt::format()` or
    /// `format().json()`), stamping trace and span ids in the layout its type writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_log::{Correlated, Text};
    ///
    /// let format = Correlated::new(tracing_subscriber::fmt::format().compact());
    /// assert_eq!(format.layout(), &Text);
    /// assert!(format.locals().is_empty());
    /// ```
    #[must_use]
    pub fn new(inner: E) -> Self {
        Self::with_layout(inner, E::Layout::default())
    }
}
