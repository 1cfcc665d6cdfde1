//! The bindings behind every [`Local`](crate::Local): a persistent list stored as one entry of
//! the [`Context`], newest binding first.
//!
//! Binding a local shares the rest of the list (no value is cloned), so capturing a context
//! stays O(1). A spawn rebuilds only the part of the list above the first binding from which
//! everything down is inherited, so a child holds nothing of a non-inherited value.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use opentelemetry::Context;

type Value = dyn Any + Send + Sync;

/// All Baton locals of one context.
#[derive(Clone, Default)]
pub(crate) struct Locals {
    head: Option<Arc<Node>>,
}

/// One binding. The value is stored inline (unsized), so a binding is one allocation, except
/// for an inherited value bound above a non-inherited one (see [`Shared`]).
struct Node<V: ?Sized = Value> {
    key: usize,
    inherit: bool,
    /// This binding and every one below it are inherited, so a spawn may share this node,
    /// tail and all.
    clean: bool,
    next: Option<Arc<Node>>,
    value: V,
}

/// A value in an allocation of its own, so that a spawned child can share it without sharing
/// the node, whose tail leads to non-inherited values.
struct Shared(Arc<Value>);

/// A found binding, kept alive outside the context's borrow (see `Local::with`).
pub(crate) struct Binding(Arc<Node>);

impl Binding {
    #[inline]
    pub(crate) fn value<T: 'static>(&self) -> Option<&T> {
        self.0.value()
    }
}

impl Node {
    #[inline]
    fn value<T: 'static>(&self) -> Option<&T> {
        match self.value.downcast_ref::<T>() {
            Some(value) => Some(value),
            None => self.value.downcast_ref::<Shared>()?.0.downcast_ref::<T>(),
        }
    }
}

impl Locals {
    /// Returns `cx` with `value` bound to `key` on top of its bindings.
    pub(crate) fn bind<T: Send + Sync + 'static>(
        cx: &Context,
        key: usize,
        inherit: bool,
        value: T,
    ) -> Context {
        let next = cx.get::<Locals>().and_then(|locals| locals.head.clone());
        let below_clean = next.as_ref().is_none_or(|next| next.clean);
        let head: Arc<Node> = if inherit && !below_clean {
            // A spawn keeps this value but not the non-inherited bindings below it, so the
            // value needs an allocation the child can share on its own.
            Arc::new(Node {
                key,
                inherit,
                clean: false,
                next,
                value: Shared(Arc::new(value)),
            })
        } else {
            Arc::new(Node {
                key,
                inherit,
                clean: inherit && below_clean,
                next,
                value,
            })
        };
        cx.with_value(Locals { head: Some(head) })
    }

    /// The value bound to `key` by the innermost binding in `cx`.
    #[inline]
    pub(crate) fn get<T: 'static>(cx: &Context, key: usize) -> Option<&T> {
        cx.get::<Locals>()?.find(key)?.value()
    }

    /// The innermost binding of `key` in `cx`, shared.
    #[inline]
    pub(crate) fn binding(cx: &Context, key: usize) -> Option<Binding> {
        let node = cx.get::<Locals>()?.find(key)?;
        Some(Binding(Arc::clone(node)))
    }

    #[inline]
    fn find(&self, key: usize) -> Option<&Arc<Node>> {
        let mut node = self.head.as_ref();
        while let Some(current) = node {
            if current.key == key {
                return Some(current);
            }
            node = current.next.as_ref();
        }
        None
    }

    /// `cx` without its non-inherited locals; `None` when there is nothing to strip.
    ///
    /// The result holds no node that leads to a non-inherited value: the inherited bindings
    /// above the clean tail are rebuilt, sharing only their values.
    pub(crate) fn strip_for_spawn(cx: &Context) -> Option<Context> {
        let head = cx.get::<Locals>()?.head.as_ref()?;
        if head.clean {
            return None;
        }
        let mut kept = Vec::new();
        let mut node = Some(head);
        while let Some(current) = node {
            if current.clean {
                break;
            }
            if current.inherit {
                kept.push(current);
            }
            node = current.next.as_ref();
        }
        let mut head = node.cloned();
        for node in kept.into_iter().rev() {
            // `bind` stores every inherited value above a non-inherited one as `Shared`.
            let Some(shared) = node.value.downcast_ref::<Shared>() else {
                debug_assert!(
                    false,
                    "an inherited binding above a non-inherited one is shared"
                );
                continue;
            };
            head = Some(Arc::new(Node {
                key: node.key,
                inherit: true,
                clean: true,
                next: head,
                value: Shared(Arc::clone(&shared.0)),
            }));
        }
        Some(cx.with_value(Locals { head }))
    }
}

impl<V: ?Sized> Drop for Node<V> {
    /// Unlinks the tail one node at a time: a recursive drop of a long list overflows the
    /// stack (about 40,000 bindings on a 2 MiB stack).
    fn drop(&mut self) {
        let mut next = self.next.take();
        while let Some(mut node) = next {
            // Only the last owner unlinks; a node still shared keeps its tail for its owners,
            // and whichever drops it last continues here through its own `drop`.
            next = Arc::get_mut(&mut node).and_then(|node| node.next.take());
        }
    }
}

impl fmt::Debug for Locals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut len = 0;
        let mut node = self.head.as_ref();
        while let Some(current) = node {
            len += 1;
            node = current.next.as_ref();
        }
        f.debug_struct("Locals").field("bindings", &len).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Weak;

    use super::*;

    const A: usize = 1;
    const B: usize = 2;
    const HIDDEN: usize = 3;

    fn bind<T: Send + Sync + 'static>(cx: &Context, key: usize, value: T) -> Context {
        Locals::bind(cx, key, key != HIDDEN, value)
    }

    #[test]
    fn same_type_bindings_do_not_collide() {
        let cx = bind(&bind(&Context::new(), A, 1u32), B, 2u32);
        assert_eq!(Locals::get::<u32>(&cx, A), Some(&1));
        assert_eq!(Locals::get::<u32>(&cx, B), Some(&2));
        assert_eq!(Locals::get::<u64>(&cx, A), None);
    }

    #[test]
    fn strip_keeps_inherited_order_and_shadowing() {
        let cx = bind(&Context::new(), A, 1u32);
        let cx = bind(&cx, HIDDEN, 2u32);
        let cx = bind(&cx, A, 3u32);
        let stripped = Locals::strip_for_spawn(&cx).expect("has a non-inherited binding");
        assert_eq!(Locals::get::<u32>(&stripped, A), Some(&3));
        assert_eq!(Locals::get::<u32>(&stripped, HIDDEN), None);
        assert!(Locals::strip_for_spawn(&stripped).is_none());
        assert!(Locals::strip_for_spawn(&bind(&Context::new(), A, 1u32)).is_none());
    }

    #[test]
    fn stripping_twice_shares_the_original_values() {
        struct NotClone;

        let value = Arc::new(NotClone);
        let cx = bind(&bind(&Context::new(), A, 1u32), B, Arc::clone(&value));
        let once = Locals::strip_for_spawn(&bind(&cx, HIDDEN, 2u32)).expect("strips");
        let twice = Locals::strip_for_spawn(&bind(&once, HIDDEN, 3u32)).expect("strips");
        assert_eq!(Locals::get::<u32>(&twice, A), Some(&1));
        assert_eq!(Locals::get::<u32>(&twice, HIDDEN), None);
        let body = Locals::get::<Arc<NotClone>>(&twice, B).expect("kept");
        assert!(Arc::ptr_eq(body, &value));
        // The one binding plus ours: stripping shared the value instead of cloning it.
        assert_eq!(Arc::strong_count(&value), 2);
    }

    #[test]
    fn a_stripped_context_holds_nothing_of_a_non_inherited_value() {
        let hidden = Arc::new(());
        let weak: Weak<()> = Arc::downgrade(&hidden);
        let cx = bind(
            &bind(&bind(&Context::new(), A, 1u32), HIDDEN, hidden),
            B,
            2u32,
        );
        let stripped = Locals::strip_for_spawn(&cx).expect("strips");
        drop(cx);
        assert!(
            weak.upgrade().is_none(),
            "the child kept the hidden value alive"
        );
        assert_eq!(Locals::get::<u32>(&stripped, A), Some(&1));
        assert_eq!(Locals::get::<u32>(&stripped, B), Some(&2));
    }
}
