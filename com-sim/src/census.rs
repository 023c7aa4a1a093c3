//! A count of the served objects still alive, so that a reference the caller never released
//! shows, as a leaked string shows in the memory ledger.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many objects a backend has served and not yet seen released.
#[derive(Debug, Clone, Default)]
pub struct Census(Arc<AtomicUsize>);

impl Census {
    /// A census with nothing alive.
    pub fn new() -> Census {
        Census::default()
    }

    /// How many objects counted by this census are alive.
    pub fn live(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Counts one more object, until the returned token is dropped with it.
    pub fn enrol(&self) -> Live {
        self.0.fetch_add(1, Ordering::SeqCst);
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
}

impl Drop for Live {
    fn drop(&mut self) {
        self.census.0.fetch_sub(1, Ordering::SeqCst);
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
        assert_not_send!(crate::SimRequester);
        assert_not_send!(crate::SimAsyncOp);
        assert_not_send!(crate::SimEnum);
        assert_not_send!(windows_core::ComObject<crate::SimRequester>);
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
}
