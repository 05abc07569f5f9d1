//! The shared store suite: every backend must pass it.

use super::*;

#[derive(Debug)]
struct Failed;

impl From<Error> for Failed {
    fn from(_: Error) -> Self {
        Failed
    }
}

fn suite(store: &Store) {
    // Writes commit with increasing revisions.
    let r1 = store.write(|tx| tx.put("a/1", b"one")).unwrap();
    let r2 = store.write(|tx| tx.put("a/2", b"two")).unwrap();
    assert!(r2 > r1);

    // An error rolls back every write of the transaction.
    let res: Result<(), Failed> = store.write(|tx| {
        tx.put("a/3", b"three")?;
        Err(Failed)
    });
    assert!(res.is_err());
    assert!(store.read(|tx| tx.get("a/3")).unwrap().is_none());

    // Overwrite keeps create_rev, bumps mod_rev.
    store.write(|tx| tx.put("a/1", b"uno")).unwrap();
    let e = store.read(|tx| tx.get("a/1")).unwrap().unwrap();
    assert_eq!(e.value, b"uno");
    assert_eq!(e.create_rev, r1);
    assert!(e.mod_rev > r2);

    // Prefix scans are ordered, bounded and paginated.
    store.write(|tx| tx.put("ab", b"x")).unwrap();
    let keys: Vec<String> = store.read(|tx| tx.scan("a/", None, 10)).unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a/1", "a/2"]);
    let after: Vec<String> =
        store.read(|tx| tx.scan("a/", Some("a/1"), 10)).unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(after, ["a/2"]);
    assert_eq!(store.read(|tx| tx.scan("a/", None, 1)).unwrap().len(), 1);

    // Deletes report existence.
    assert!(store.write(|tx| tx.delete("a/2")).unwrap());
    assert!(!store.write(|tx| tx.delete("a/2")).unwrap());
    assert_eq!(store.write(|tx| tx.delete_prefix("a")).unwrap(), 2);
}

#[test]
fn in_memory_sqlite_passes_the_suite() {
    suite(&Store::in_memory().unwrap());
}

#[test]
fn file_sqlite_passes_the_suite_and_keeps_data_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_dir(dir.path()).unwrap();
        suite(&store);
        store.write(|tx| tx.put("kept", b"yes")).unwrap();
    }
    let store = Store::open_dir(dir.path()).unwrap();
    assert_eq!(store.read(|tx| tx.get("kept")).unwrap().unwrap().value, b"yes");
}
