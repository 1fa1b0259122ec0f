//! A fast non-cryptographic hasher for the interpreter's small maps (variables, caches):
//! keys come from rule text and configuration, not from clients, so flooding is not a
//! concern, and SipHash dominated the per-connection cost.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The Fx hash (as in rustc): rotate, xor, multiply, one machine word at a time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Fx(u64);

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Fx {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        // Whole words straight from the input: assembling a tail in a stack buffer and
        // reading it back as one word stalls store forwarding on every short key.
        let mut rest = bytes;
        while let Some((w, tail)) = rest.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*w));
            rest = tail;
        }
        let mut v = 0u64;
        if let Some((w, tail)) = rest.split_first_chunk::<4>() {
            v = u64::from(u32::from_le_bytes(*w));
            rest = tail;
        }
        if let Some((w, tail)) = rest.split_first_chunk::<2>() {
            v = (v << 16) | u64::from(u16::from_le_bytes(*w));
            rest = tail;
        }
        if let Some(&b) = rest.first() {
            v = (v << 8) | u64::from(b);
        }
        if !bytes.len().is_multiple_of(8) {
            self.add(v);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
pub(crate) type FxSet<K> = HashSet<K, BuildHasherDefault<Fx>>;
