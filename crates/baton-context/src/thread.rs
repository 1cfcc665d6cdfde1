//! OS threads that start in the spawner's context: [`spawn`] and [`Builder`].
//!
//! ```
//! use baton_context::Local;
//!
//! static ID: Local<u32> = Local::new("id");
//!
//! let handle = ID.sync_scope(7, || baton_context::thread::spawn(|| ID.get()));
//! assert_eq!(handle.join().unwrap(), Some(7));
//! ```

use std::io;
use std::thread::JoinHandle;

use crate::snapshot::Snapshot;

/// Like [`std::thread::spawn`], but `f` runs in the context captured now
/// ([`Snapshot::for_spawn`]: everything except [non-inherited](crate::Local::not_inherited)
/// locals).
///
/// # Examples
///
/// ```
/// use baton_context::Local;
/// static ID: Local<u32> = Local::new("id");
/// let handle = ID.sync_scope(1, || baton_context::thread::spawn(|| ID.get()));
/// assert_eq!(handle.join().unwrap(), Some(1));
/// ```
///
/// # Panics
///
/// Like [`std::thread::spawn`], when the OS fails to create a thread; use [`Builder::spawn`]
/// to get the error instead.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let work = Snapshot::for_spawn().wrap(f);
    std::thread::spawn(work)
}

/// Like [`std::thread::Builder`], but spawned threads start in the spawner's context.
///
/// # Examples
///
/// ```
/// use baton_context::Local;
/// static ID: Local<u32> = Local::new("id");
/// # fn main() -> std::io::Result<()> {
/// let handle = ID.sync_scope(2, || {
///     baton_context::thread::Builder::new().name("worker".into()).spawn(|| {
///         (std::thread::current().name().map(str::to_owned), ID.get())
///     })
/// })?;
/// assert_eq!(handle.join().unwrap(), (Some("worker".to_owned()), Some(2)));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Builder {
    inner: std::thread::Builder,
}

impl Builder {
    /// A builder with the defaults of [`std::thread::Builder::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = baton_context::thread::Builder::new().spawn(|| 1).unwrap();
    /// assert_eq!(handle.join().unwrap(), 1);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: std::thread::Builder::new(),
        }
    }

    /// Names the thread (see [`std::thread::Builder::name`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = baton_context::thread::Builder::new()
    ///     .name("n".into())
    ///     .spawn(|| std::thread::current().name().map(str::to_owned))
    ///     .unwrap();
    /// assert_eq!(handle.join().unwrap().as_deref(), Some("n"));
    /// ```
    #[must_use]
    pub fn name(self, name: String) -> Self {
        Self {
            inner: self.inner.name(name),
        }
    }

    /// Sets the stack size (see [`std::thread::Builder::stack_size`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = baton_context::thread::Builder::new().stack_size(256 * 1024).spawn(|| 2).unwrap();
    /// assert_eq!(handle.join().unwrap(), 2);
    /// ```
    #[must_use]
    pub fn stack_size(self, size: usize) -> Self {
        Self {
            inner: self.inner.stack_size(size),
        }
    }

    /// Spawns `f` on a new thread in the context captured now.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::Local;
    /// static ID: Local<u32> = Local::new("id");
    /// let handle = ID.sync_scope(3, || baton_context::thread::Builder::new().spawn(|| ID.get()));
    /// assert_eq!(handle.unwrap().join().unwrap(), Some(3));
    /// ```
    ///
    /// # Errors
    ///
    /// The [`io::Error`] of [`std::thread::Builder::spawn`] when the OS cannot create the thread.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let work = Snapshot::for_spawn().wrap(f);
        self.inner.spawn(work)
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}
