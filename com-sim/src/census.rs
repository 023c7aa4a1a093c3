//! A count of the served objects still alive, so that a reference the caller never released
//! shows, as a leaked string shows in the memory ledger, and the host's hooks: told after
//! every call on a served object and when the last object is released.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many objects a backend has served and not yet seen released.
#[derive(Debug, Clone, Default)]
pub struct Census {
    live: Arc<AtomicUsize>,
    hooks: Option<Hooks>,
}

/// What the host of the served objects is told, so that it can keep its world as the calls
/// go (a process's `vssapi.dll` saving its state file): plain functions, as the host's
/// state belongs to the thread the objects live on.
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    /// Called after every call on a served object, once the call has let go of the object.
    pub after_call: fn(),
    /// Called when the last object counted is released: the caller holds nothing served.
    pub idle: fn(),
}

impl Census {
    /// A census with nothing alive.
    pub fn new() -> Census {
        Census::default()
    }

    /// A census with nothing alive whose objects tell `hooks` of their calls and releases.
    pub fn with_hooks(hooks: Hooks) -> Census {
        Census {
            live: Arc::default(),
            hooks: Some(hooks),
        }
    }

    /// How many objects counted by this census are alive.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Counts one more object, until the returned token is dropped with it.
    pub fn enrol(&self) -> Live {
        self.live.fetch_add(1, Ordering::SeqCst);
        Live {
            census: self.clone(),
            one_thread: PhantomData,
        }
    }
}

/// Held by each served object: counts it while it lives.
///
/// It also keeps its object on the thread that made it. The objects keep their state in
/// `RefCell`s, as single-threaded apartment objects may; windows-core's `ComObject` would be
/// `Send` for a `Send` object, and a clone sent to another thread would then reach the same
/// `RefCell` from two threads at once.
#[derive(Debug)]
pub struct Live {
    census: Census,
    one_thread: PhantomData<*const ()>,
}

impl Live {
    /// A token for another object counted by the same census.
    pub fn sibling(&self) -> Live {
        self.census.enrol()
    }

    /// Tells the host that a call on this token's object has ended.
    pub fn called(&self) {
        if let Some(hooks) = self.census.hooks {
            (hooks.after_call)();
        }
    }
}

impl Drop for Live {
    /// The object is gone: a served object holds its token as its last field, so whatever
    /// else it held has been dropped already when the host hears that nothing is left.
    fn drop(&mut self) {
        let before = self.census.live.fetch_sub(1, Ordering::SeqCst);
        if before == 1
            && let Some(hooks) = self.census.hooks
        {
            (hooks.idle)();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only when `$t` is not `Send`: were it `Send`, both blanket impls would apply
    /// and the call would be ambiguous.
    macro_rules! assert_not_send {
        ($t:ty) => {{
            trait AmbiguousIfSend<A> {
                fn check() {}
            }
            impl<T: ?Sized> AmbiguousIfSend<()> for T {}
            impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}
            <$t as AmbiguousIfSend<_>>::check();
        }};
    }

    #[test]
    fn served_objects_stay_on_their_thread() {
        assert_not_send!(Live);
        assert_not_send!(crate::SimRequester<vss_sim::SimComponents>);
        assert_not_send!(crate::SimAsyncOp<vss_sim::SimAsync>);
        assert_not_send!(crate::SimEnum);
        assert_not_send!(windows_core::ComObject<crate::SimRequester<vss_sim::SimComponents>>);
    }

    #[test]
    fn the_census_counts_tokens_until_they_drop() {
        let census = Census::new();
        let first = census.enrol();
        let second = first.sibling();
        assert_eq!(census.live(), 2);
        drop(first);
        assert_eq!(census.live(), 1);
        drop(second);
        assert_eq!(census.live(), 0);
    }

    thread_local! {
        static HEARD: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn heard(what: &'static str) {
        HEARD.with(|h| h.borrow_mut().push(what));
    }

    #[test]
    fn hooks_hear_calls_and_the_last_release() {
        let census = Census::with_hooks(Hooks {
            after_call: || heard("call"),
            idle: || heard("idle"),
        });
        let first = census.enrol();
        let second = first.sibling();
        first.called();
        drop(first);
        HEARD.with(|h| assert_eq!(*h.borrow(), ["call"]));
        drop(second);
        HEARD.with(|h| assert_eq!(*h.borrow(), ["call", "idle"]));
    }
}
