//! The global allocator: mimalloc, called the way the system allocator is.
//!
//! The `mimalloc` crate's `GlobalAlloc` passes every request to `mi_malloc_aligned`, even
//! when the alignment asked for is one that every mimalloc block has anyway. mimalloc v3
//! serves that from the size class's free list only while the list is not empty; when it is,
//! a size that is not a power of two falls through to *over-allocation* (a block of size +
//! alignment from a larger class). The original class's list is then never refilled, so an
//! object made and dropped once per request (a context, a header list) took the slow path
//! every time: ~2.7 of the proxy's 10 allocations per request, ~160 instructions each.
//!
//! Here, as in `std`'s `System` allocator, an alignment no greater than the 16 bytes every
//! mimalloc block of 16 bytes or more has (`MI_MAX_ALIGN_SIZE`), and no greater than the size
//! (smaller blocks are aligned to their power-of-two size class, at least 8), goes to plain
//! `mi_malloc`; only larger alignments use the aligned entry points.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment of every mimalloc block whose size is at least this.
const NATURAL_ALIGN: usize = 16;

pub struct MiMalloc;

fn natural(align: usize, size: usize) -> bool {
    align <= NATURAL_ALIGN && align <= size
}

// SAFETY: every function forwards to mimalloc, which meets the `GlobalAlloc` contract for
// the sizes and alignments passed (plain calls only where mimalloc guarantees the alignment,
// see the module docs); `dealloc` and `realloc` get pointers that came from these functions.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if natural(layout.align(), layout.size()) {
            mi::mi_malloc(layout.size()).cast()
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if natural(layout.align(), layout.size()) {
            mi::mi_zalloc(layout.size()).cast()
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr.cast::<c_void>());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if natural(layout.align(), new_size) {
            mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
        } else {
            mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size and alignment a program is likely to ask for comes back aligned, zeroed
    /// when asked, and keeps its bytes across `realloc`, on both paths.
    #[test]
    fn alignments_hold() {
        let a = MiMalloc;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 128, 4096] {
            for size in [
                1usize, 3, 7, 8, 12, 15, 16, 24, 40, 88, 96, 100, 1000, 5000, 70_000,
            ] {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                // SAFETY: non-zero sizes; each block is freed once with its layout.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    std::ptr::write_bytes(p, 0xab, size);
                    let q = a.realloc(p, layout, size * 3);
                    assert!(!q.is_null());
                    assert_eq!(q as usize % align, 0, "realloc size {size} align {align}");
                    assert!(std::slice::from_raw_parts(q, size)
                        .iter()
                        .all(|&b| b == 0xab));
                    a.dealloc(q, Layout::from_size_align_unchecked(size * 3, align));
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
