//! Tokio tasks that start in the spawner's context: [`spawn`], [`spawn_blocking`] and
//! [`JoinSetExt`].
//!
//! Each captures [`Snapshot::for_spawn`] (the whole current context except
//! [non-inherited](crate::Local::not_inherited) locals) at the call, and runs the task in it.
//!
//! ```
//! use baton_context::Local;
//!
//! static ID: Local<u32> = Local::new("id");
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let (task, blocking) = ID
//!     .scope(7, async {
//!         (baton_context::spawn(async { ID.get() }), baton_context::spawn_blocking(|| ID.get()))
//!     })
//!     .await;
//! assert_eq!(task.await.unwrap(), Some(7));
//! assert_eq!(blocking.await.unwrap(), Some(7));
//! # });
//! ```

use std::future::Future;

use tokio::task::{AbortHandle, JoinHandle, JoinSet};

use crate::carry::Carry;
use crate::snapshot::Snapshot;

/// Like [`tokio::spawn`], but the task runs in the context captured now.
///
/// # Examples
///
/// ```
/// use baton_context::Local;
/// static ID: Local<u32> = Local::new("id");
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let handle = ID.scope(1, async { baton_context::spawn(async { ID.get() }) }).await;
/// assert_eq!(handle.await.unwrap(), Some(1));
/// # });
/// ```
///
/// # Panics
///
/// Like [`tokio::spawn`], when called outside a Tokio runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_context())
}

/// Like [`tokio::task::spawn_blocking`], but `f` runs in the context captured now.
///
/// # Examples
///
/// ```
/// use baton_context::Local;
/// static ID: Local<u32> = Local::new("id");
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let handle = ID.sync_scope(2, || baton_context::spawn_blocking(|| ID.get()));
/// assert_eq!(handle.await.unwrap(), Some(2));
/// # });
/// ```
///
/// # Panics
///
/// Like [`tokio::task::spawn_blocking`], when called outside a Tokio runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(Snapshot::for_spawn().wrap(f))
}

/// Context-carrying spawns on a [`JoinSet`].
///
/// # Examples
///
/// ```
/// use baton_context::{JoinSetExt, Local};
/// static ID: Local<u32> = Local::new("id");
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mut set = tokio::task::JoinSet::new();
/// ID.sync_scope(3, || {
///     set.spawn_in_current_context(async { ID.get() });
///     set.spawn_blocking_in_current_context(|| ID.get());
/// });
/// let results = set.join_all().await;
/// assert_eq!(results, [Some(3), Some(3)]);
/// # });
/// ```
pub trait JoinSetExt<T> {
    /// Like [`JoinSet::spawn`], but the task runs in the context captured now.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{JoinSetExt, Local};
    /// static ID: Local<u32> = Local::new("id");
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mut set = tokio::task::JoinSet::new();
    /// ID.scope(4, async { set.spawn_in_current_context(async { ID.get() }) }).await;
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), Some(4));
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// Like [`JoinSet::spawn`], when called outside a Tokio runtime.
    fn spawn_in_current_context<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send;

    /// Like [`JoinSet::spawn_blocking`], but `f` runs in the context captured now.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{JoinSetExt, Local};
    /// static ID: Local<u32> = Local::new("id");
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mut set = tokio::task::JoinSet::new();
    /// ID.sync_scope(5, || set.spawn_blocking_in_current_context(|| ID.get()));
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), Some(5));
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// Like [`JoinSet::spawn_blocking`], when called outside a Tokio runtime.
    fn spawn_blocking_in_current_context<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send;
}

impl<T: 'static> JoinSetExt<T> for JoinSet<T> {
    #[track_caller]
    fn spawn_in_current_context<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.spawn(future.in_current_context())
    }

    #[track_caller]
    fn spawn_blocking_in_current_context<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.spawn_blocking(Snapshot::for_spawn().wrap(f))
    }
}
