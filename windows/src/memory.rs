//! Who allocates and who frees the strings that cross the COM boundary.
//!
//! VSS hands its caller strings of two kinds, and the caller must free each the way it was
//! made: a `BSTR` (`SaveAsXML`'s document, `GetWriterStatus`'s writer name) with
//! `SysFreeString`; a `VSS_PWSZ` (`ExposeSnapshot`'s exposed name, every string of
//! `VSS_SNAPSHOT_PROP` and `VSS_PROVIDER_PROP`) with `CoTaskMemFree`, the shadow copy's all at
//! once with `VssFreeSnapshotProperties`. The caller allocates the `BSTR` it passes
//! (`InitializeForBackup`'s document) and frees it after the call.
//!
//! [`ComMemory`] is that set of functions. On Windows it is the system's (`SystemMemory`);
//! in the COM-ABI harness both sides use one [`CheckedMemory`], which keeps a ledger of
//! every allocation, so that a leaked string, a string freed twice or freed the wrong way
//! fails a test on any system.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::ptr::{self, NonNull};
use std::sync::Mutex;

use crate::abi::{BSTR, Unreadable, VSS_PWSZ, VSS_SNAPSHOT_PROP};

/// The allocation functions of the COM boundary, named after the Windows functions they stand
/// for.
///
/// # Safety
/// The COM code writes through and reads from what these functions hand out, so an
/// implementation promises what the Windows functions promise: [`alloc_bstr`](Self::alloc_bstr)
/// returns `NULL` or a `BSTR` (a four-byte length in bytes before the pointer, the units, a
/// NUL) that stays live until [`free_bstr`](Self::free_bstr); [`task_alloc`](Self::task_alloc)
/// returns `NULL` or `bytes` writable bytes aligned for any C type that stay live until
/// [`task_free`](Self::task_free); and every function may be called from any thread.
pub unsafe trait ComMemory: Send + Sync {
    /// `SysAllocStringLen`: a new `BSTR` holding `units` (and a terminating NUL).
    fn alloc_bstr(&self, units: &[u16]) -> BSTR;
    /// `SysFreeString`. `NULL` is allowed and does nothing.
    ///
    /// # Safety
    /// `bstr` is `NULL` or a live `BSTR` from [`alloc_bstr`](Self::alloc_bstr), which must
    /// not be used afterwards.
    unsafe fn free_bstr(&self, bstr: BSTR);
    /// `SysStringLen`: the length in UTF-16 units.
    ///
    /// # Safety
    /// `bstr` is `NULL` or a live `BSTR`.
    unsafe fn bstr_len(&self, bstr: BSTR) -> usize;
    /// `CoTaskMemAlloc`: `bytes` bytes, aligned for any C type, or `NULL` if none are left.
    fn task_alloc(&self, bytes: usize) -> *mut c_void;
    /// `CoTaskMemFree`. `NULL` is allowed and does nothing.
    ///
    /// # Safety
    /// `p` is `NULL` or live memory from [`task_alloc`](Self::task_alloc), which must not be
    /// used afterwards.
    unsafe fn task_free(&self, p: *mut c_void);

    /// `VssFreeSnapshotProperties`: frees every string of the structure with `CoTaskMemFree`
    /// and sets it to `NULL`.
    ///
    /// # Safety
    /// Each string is `NULL` or live memory from [`task_alloc`](Self::task_alloc).
    unsafe fn free_snapshot_properties(&self, prop: &mut VSS_SNAPSHOT_PROP) {
        for field in [
            &mut prop.m_pwszSnapshotDeviceObject,
            &mut prop.m_pwszOriginalVolumeName,
            &mut prop.m_pwszOriginatingMachine,
            &mut prop.m_pwszServiceMachine,
            &mut prop.m_pwszExposedName,
            &mut prop.m_pwszExposedPath,
        ] {
            // SAFETY: the caller vouches that each string is NULL or task memory.
            unsafe { self.task_free(field.cast()) };
            *field = ptr::null_mut();
        }
    }

    /// A `VSS_PWSZ` copy of `text` in task memory, as VSS returns strings.
    fn task_string(&self, text: &str) -> VSS_PWSZ {
        let units = crate::abi::wide(text);
        let p: VSS_PWSZ = self.task_alloc(units.len() * 2).cast();
        if !p.is_null() {
            // SAFETY: `p` has room for `units.len()` units, freshly allocated, so it does not
            // overlap `units`.
            unsafe { ptr::copy_nonoverlapping(units.as_ptr(), p, units.len()) };
        }
        p
    }

    /// A `BSTR` copy of `text`.
    fn bstr(&self, text: &str) -> BSTR {
        let units: Vec<u16> = text.encode_utf16().collect();
        self.alloc_bstr(&units)
    }

    /// The text of a `BSTR`; `NULL` is the empty text, as `SysStringLen` treats it.
    ///
    /// # Safety
    /// `bstr` is `NULL` or a live `BSTR`.
    unsafe fn read_bstr(&self, bstr: BSTR, what: &str) -> Result<String, Unreadable> {
        if bstr.is_null() {
            return Ok(String::new());
        }
        // SAFETY: the caller vouches that `bstr` is a live BSTR, which holds `bstr_len` units.
        let units = unsafe { std::slice::from_raw_parts(bstr, self.bstr_len(bstr)) };
        String::from_utf16(units).map_err(|_| Unreadable(format!("{what} is not valid UTF-16")))
    }
}

/// The two allocators, which must not be mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bstr,
    Task,
}

impl Kind {
    fn allocator(self) -> &'static str {
        match self {
            Kind::Bstr => "SysAllocStringLen",
            Kind::Task => "CoTaskMemAlloc",
        }
    }
}

/// One live allocation: the block (8-byte words, so task memory is aligned as
/// `CoTaskMemAlloc`'s), and what it was allocated as.
struct Allocation {
    kind: Kind,
    block: NonNull<[u64]>,
    /// For a `BSTR`, its length in UTF-16 units.
    units: usize,
}

impl Allocation {
    /// The address handed out: past the length prefix of a `BSTR`, the block itself for task
    /// memory.
    fn handed(&self) -> *mut u8 {
        let base = self.block.cast::<u8>().as_ptr();
        match self.kind {
            // SAFETY: a BSTR block has at least four bytes of length before its units.
            Kind::Bstr => unsafe { base.add(4) },
            Kind::Task => base,
        }
    }
}

#[derive(Default)]
struct Ledger {
    live: BTreeMap<usize, Allocation>,
    /// Freed blocks, kept until the ledger is dropped so that their addresses are not handed
    /// out again: a second free of one is then always seen as such.
    freed: BTreeMap<usize, Allocation>,
    misuses: Vec<String>,
    allocations: u64,
    frees: u64,
}

// SAFETY: the blocks are plain heap memory that the ledger alone owns (the raw pointers are
// what makes the type `!Send`), so the ledger may move to another thread; the mutex around
// it keeps two threads from touching it at once.
unsafe impl Send for Ledger {}

/// A [`ComMemory`] that records every allocation and free: the harness's, on every system.
///
/// It allocates on the Rust heap. A `BSTR` is laid out as Windows lays it out (a four-byte
/// length in bytes, the units, a NUL). Freeing a pointer that is not live (freed twice, or
/// never allocated here) or freeing it with the other function is recorded as a misuse and
/// frees nothing; what is still allocated can be listed at any time.
#[derive(Default)]
pub struct CheckedMemory {
    ledger: Mutex<Ledger>,
}

/// What [`CheckedMemory`] saw: how many blocks were allocated and freed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Blocks allocated.
    pub allocations: u64,
    /// Blocks freed.
    pub frees: u64,
}

impl CheckedMemory {
    /// An empty ledger.
    pub fn new() -> CheckedMemory {
        CheckedMemory::default()
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // A test that panicked while holding the ledger leaves it as it was; keep reading it.
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn allocate(&self, kind: Kind, bytes: usize, units: usize) -> *mut u8 {
        let words = bytes.div_ceil(8).max(1);
        let block = NonNull::from(Box::leak(vec![0u64; words].into_boxed_slice()));
        let allocation = Allocation { kind, block, units };
        let handed = allocation.handed();
        let mut ledger = self.ledger();
        ledger.allocations += 1;
        ledger.live.insert(handed as usize, allocation);
        handed
    }

    fn free(&self, kind: Kind, p: *mut u8, function: &str) {
        if p.is_null() {
            return;
        }
        let mut ledger = self.ledger();
        let address = p as usize;
        match ledger.live.get(&address).map(|a| a.kind) {
            Some(found) if found == kind => {
                let allocation = ledger.live.remove(&address).expect("just found");
                // Scribble over the block, so that a use after the free reads garbage rather
                // than the old text.
                // SAFETY: the block was leaked from a Box in `allocate` and is owned by the
                // ledger; nothing else may use it after this free.
                unsafe { (*allocation.block.as_ptr()).fill(0xDDDD_DDDD_DDDD_DDDD) };
                ledger.freed.insert(address, allocation);
                ledger.frees += 1;
            }
            Some(found) => ledger.misuses.push(format!(
                "{function} of a block allocated by {}",
                found.allocator()
            )),
            None if ledger.freed.contains_key(&address) => ledger
                .misuses
                .push(format!("{function} of {p:p}, which was already freed")),
            None => ledger.misuses.push(format!(
                "{function} of {p:p}, which was never allocated here"
            )),
        }
    }

    /// The blocks still allocated, each described by its allocator and its text.
    pub fn outstanding(&self) -> Vec<String> {
        let ledger = self.ledger();
        ledger
            .live
            .values()
            .map(|a| {
                // SAFETY: `a` is live.
                let text = unsafe { preview(a) };
                format!("{} block `{text}`", a.kind.allocator())
            })
            .collect()
    }

    /// Every misuse seen: a double free, a free of memory not allocated here, or a free with
    /// the wrong function.
    pub fn misuses(&self) -> Vec<String> {
        self.ledger().misuses.clone()
    }

    /// How many blocks were allocated and freed.
    pub fn counts(&self) -> Counts {
        let ledger = self.ledger();
        Counts {
            allocations: ledger.allocations,
            frees: ledger.frees,
        }
    }

    /// `Ok` when nothing is left allocated and nothing was misused; otherwise what was.
    pub fn audit(&self) -> Result<Counts, String> {
        let mut problems = self.misuses();
        problems.extend(
            self.outstanding()
                .into_iter()
                .map(|o| format!("leaked: {o}")),
        );
        if problems.is_empty() {
            Ok(self.counts())
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// Up to 60 units of a live block's text: a block made by `task_string` or `alloc_bstr` holds
/// a NUL-terminated UTF-16 string, and any other block is read only up to its end.
///
/// # Safety
/// `a` is live.
unsafe fn preview(a: &Allocation) -> String {
    let p = a.handed().cast::<u16>().cast_const();
    let room = match a.kind {
        Kind::Bstr => a.units,
        Kind::Task => a.block.len() * 4,
    };
    let mut units = Vec::new();
    for i in 0..room.min(60) {
        // SAFETY: `i` is within the block's units.
        let unit = unsafe { *p.add(i) };
        if unit == 0 {
            break;
        }
        units.push(unit);
    }
    String::from_utf16_lossy(&units)
}

impl Drop for CheckedMemory {
    fn drop(&mut self) {
        // Every block goes back to the heap: the freed ones, and what is still live, which the
        // ledger has already reported.
        let ledger = self.ledger.get_mut().unwrap_or_else(|e| e.into_inner());
        let live = std::mem::take(&mut ledger.live);
        let freed = std::mem::take(&mut ledger.freed);
        for allocation in live.into_values().chain(freed.into_values()) {
            // SAFETY: every block was leaked from a Box in `allocate` and not given back.
            drop(unsafe { Box::from_raw(allocation.block.as_ptr()) });
        }
    }
}

// SAFETY: blocks come from the Rust heap, 8-aligned, laid out as the trait asks, and stay
// allocated until the ledger is dropped; the ledger is behind a mutex.
unsafe impl ComMemory for CheckedMemory {
    fn alloc_bstr(&self, units: &[u16]) -> BSTR {
        let bytes = 4 + units.len() * 2 + 2;
        let base = self.allocate(Kind::Bstr, bytes, units.len());
        let length = u32::try_from(units.len() * 2).unwrap_or(u32::MAX);
        // SAFETY: the block has room for the four-byte length before `base` and for the units
        // and a NUL after it; the block is fresh and 8-aligned, so the prefix is 4-aligned.
        unsafe {
            base.sub(4).cast::<u32>().write(length);
            let data = base.cast::<u16>();
            ptr::copy_nonoverlapping(units.as_ptr(), data, units.len());
            data.add(units.len()).write(0);
        }
        base.cast()
    }

    unsafe fn free_bstr(&self, bstr: BSTR) {
        self.free(Kind::Bstr, bstr.cast(), "SysFreeString");
    }

    unsafe fn bstr_len(&self, bstr: BSTR) -> usize {
        if bstr.is_null() {
            return 0;
        }
        let mut ledger = self.ledger();
        match ledger.live.get(&(bstr as usize)) {
            Some(a) if a.kind == Kind::Bstr => a.units,
            _ => {
                ledger.misuses.push(format!(
                    "SysStringLen of {bstr:p}, which is not a live BSTR"
                ));
                0
            }
        }
    }

    fn task_alloc(&self, bytes: usize) -> *mut c_void {
        self.allocate(Kind::Task, bytes, 0).cast()
    }

    unsafe fn task_free(&self, p: *mut c_void) {
        self.free(Kind::Task, p.cast(), "CoTaskMemFree");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::read_pwsz;

    #[test]
    fn a_bstr_is_laid_out_as_windows_lays_it_out() {
        let memory = CheckedMemory::new();
        let b = memory.bstr("<xml/>");
        // SAFETY: `b` is live; its length prefix is the four bytes before it.
        unsafe {
            assert_eq!(b.cast::<u8>().sub(4).cast::<u32>().read(), 12);
            assert_eq!(memory.bstr_len(b), 6);
            assert_eq!(*b.add(6), 0);
            assert_eq!(memory.read_bstr(b, "doc"), Ok("<xml/>".to_string()));
            memory.free_bstr(b);
        }
        assert_eq!(
            memory.audit(),
            Ok(Counts {
                allocations: 1,
                frees: 1
            })
        );
    }

    #[test]
    fn a_leak_names_the_string_left_behind() {
        let memory = CheckedMemory::new();
        let p = memory.task_string(r"\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1");
        // SAFETY: `p` is a live NUL-terminated string.
        let text = unsafe { read_pwsz(p, "device") };
        assert_eq!(
            text.ok().flatten().as_deref(),
            Some(r"\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1")
        );
        let error = memory.audit().expect_err("one block is live");
        assert_eq!(
            error,
            r"leaked: CoTaskMemAlloc block `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1`"
        );
    }

    #[test]
    fn a_double_free_and_a_mixed_free_are_misuses() {
        let memory = CheckedMemory::new();
        let p = memory.task_string("X:");
        let b = memory.bstr("Writer");
        // SAFETY: each pointer is live when first freed; the second free of `p` and the
        // wrong-function free of `b` are what is being tested, and free nothing.
        unsafe {
            memory.task_free(p.cast());
            memory.task_free(p.cast());
            memory.task_free(b.cast());
        }
        let misuses = memory.misuses();
        assert_eq!(misuses.len(), 2, "{misuses:?}");
        assert!(
            misuses[0].ends_with("which was already freed"),
            "{}",
            misuses[0]
        );
        assert_eq!(
            misuses[1],
            "CoTaskMemFree of a block allocated by SysAllocStringLen"
        );
        assert!(memory.audit().is_err());
        // SAFETY: `b` is still live.
        unsafe { memory.free_bstr(b) };
        assert_eq!(memory.outstanding(), Vec::<String>::new());
    }

    #[test]
    fn snapshot_properties_are_freed_string_by_string() {
        let memory = CheckedMemory::new();
        let mut prop = VSS_SNAPSHOT_PROP::zeroed();
        prop.m_pwszSnapshotDeviceObject = memory.task_string("device");
        prop.m_pwszExposedName = memory.task_string("X:");
        // SAFETY: both strings are live task memory, the others NULL.
        unsafe { memory.free_snapshot_properties(&mut prop) };
        assert!(prop.m_pwszExposedName.is_null());
        assert_eq!(
            memory.audit(),
            Ok(Counts {
                allocations: 2,
                frees: 2
            })
        );
    }
}
