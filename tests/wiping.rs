// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! No unwiped copy of a secret is left in freed memory: this binary's allocator looks
//! into every block freed while a test runs for a marker that only a secret holds.
//! A buffer that grows (a `String` pushed to, a `Vec` collected into) frees its old
//! block unwiped; a `Zeroizing` one wipes before it frees.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sfjwt::ConfigBuilder;
use sfjwt::config::parse_properties;

/// The marker looked for; empty when no test is looking.
static MARKER: Mutex<&[u8]> = Mutex::new(b"");
static FOUND: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

// SAFETY: every call is forwarded to the system allocator unchanged; the scan only
// reads the block that is being freed, before it is freed.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // try_lock: the lock's own allocations (none, it is static) or a nested
        // free while it is held are not scanned.
        if let Ok(marker) = MARKER.try_lock()
            && !marker.is_empty()
        {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if block.windows(marker.len()).any(|w| w == *marker) {
                FOUND.fetch_add(1, Ordering::SeqCst);
            }
        }
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Scanning = Scanning;

/// One test at a time: the marker and the count are the binary's.
static SERIAL: Mutex<()> = Mutex::new(());

/// How many freed blocks held `marker` while `work` ran.
fn unwiped_copies(marker: &'static [u8], work: impl FnOnce()) -> usize {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    FOUND.store(0, Ordering::SeqCst);
    *MARKER.lock().unwrap() = marker;
    work();
    *MARKER.lock().unwrap() = b"";
    FOUND.load(Ordering::SeqCst)
}

#[test]
fn a_password_continued_over_lines_leaves_no_copy() {
    // The marker on the first line; the continuation is long enough that a buffer
    // holding the first line must grow to take it.
    let text = format!(
        "keystore_password=PW-MARKER-71\\\n    {}\nissuer=x\n",
        "c".repeat(4096)
    );
    let found = unwiped_copies(b"PW-MARKER-71", || {
        let pairs = parse_properties(&text);
        assert!(pairs[0].1.starts_with("PW-MARKER-71cccc"));
    });
    assert_eq!(found, 0, "a freed, unwiped copy of the password");
}

#[test]
fn keystore_base64_leaves_no_copy_of_the_text() {
    // Line-wrapped base64, as `base64 keystore.jks` prints it. Each line ends with
    // AAAA and begins with BBBB: only the text without its line breaks holds AAAABBBB.
    let line = format!("BBBB{}AAAA", "TUFSS0VS".repeat(8));
    let text = vec![line; 200].join("\n");
    let found = unwiped_copies(b"AAAABBBB", || {
        let mut builder = ConfigBuilder::default();
        builder.set("keystore_base64", &text).unwrap();
        drop(builder);
    });
    assert_eq!(found, 0, "a freed, unwiped copy of the keystore's text");
}

#[test]
fn the_scan_finds_an_unwiped_copy() {
    // The check itself: a String that grows frees its old block with the marker.
    let found = unwiped_copies(b"GROWN-MARKER-3", || {
        let mut grown = String::from("GROWN-MARKER-3");
        grown.push_str(&"x".repeat(4096));
        drop(std::hint::black_box(grown));
    });
    assert!(found >= 1, "{found}");
}
