//! Sharding a work list across machines: `--shard I/N`.
//!
//! Each unit of work (a sample: model × task × prompt variant × sample number; a
//! validate cell; a corpus sample) has a name, and a unit belongs to shard
//! `1 + (u64 of the first 8 bytes, big-endian, of SHA-256("bax-shard-v1" 0x00
//! <name>)) mod N`. So:
//!
//! * shards are disjoint and together cover the list, for any list;
//! * a unit's shard depends on its name and N only: not on the machine, the
//!   order of the list, what else is in it, or bax's version (the prefix is
//!   versioned and changes only with a documented new scheme);
//! * re-running a shard (to resume it) takes the same units again.
//!
//! The price of hashing is balance: shard sizes vary around `len / N` (for 392
//! units over 8 shards, by about ±7).

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` of `count`, 1 <= index <= count.
    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 {
            return Err("the shard count N of I/N must be at least 1".into());
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index}/{count}: shards are numbered 1 to {count} (with a 0-based \
                 index such as Kubernetes' JOB_COMPLETION_INDEX, pass index+1)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The whole list (`1/1`).
    pub fn all() -> Shard {
        Shard { index: 1, count: 1 }
    }

    pub fn index(&self) -> u32 {
        self.index
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// The shard (1-based) that the unit named `unit` belongs to among `count`.
    pub fn of(unit: &str, count: u32) -> u32 {
        let mut h = Sha256::new();
        h.update(b"bax-shard-v1");
        h.update([0u8]);
        h.update(unit.as_bytes());
        let d = h.finalize();
        let x = u64::from_be_bytes(d[..8].try_into().expect("8 bytes"));
        (x % u64::from(count.max(1))) as u32 + 1
    }

    /// Whether this shard holds the unit named `unit`.
    pub fn keeps(&self, unit: &str) -> bool {
        self.count <= 1 || Shard::of(unit, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not a shard: write I/N, e.g. 2/8"))?;
        let num = |x: &str, what: &str| {
            x.trim()
                .parse::<u32>()
                .map_err(|_| format!("{s:?} is not a shard: {what} {x:?} is not a number"))
        };
        Shard::new(num(i, "I")?, num(n, "N")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_reject() {
        assert_eq!("2/8".parse::<Shard>().unwrap(), Shard::new(2, 8).unwrap());
        assert_eq!(Shard::new(3, 3).unwrap().to_string(), "3/3");
        for bad in ["0/3", "4/3", "1/0", "3", "a/3", "1/b", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert!("0/3".parse::<Shard>().unwrap_err().contains("index+1"));
    }

    #[test]
    fn shards_are_disjoint_and_cover() {
        let units: Vec<String> = (0..1000)
            .map(|i| format!("m/S{i}/Python-Flask/temp0.2-openapi-none/sample0"))
            .collect();
        for n in [1u32, 2, 3, 7] {
            let mut seen = vec![0u32; units.len()];
            for i in 1..=n {
                let s = Shard::new(i, n).unwrap();
                for (k, u) in units.iter().enumerate() {
                    if s.keeps(u) {
                        seen[k] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "n={n}");
        }
        // Balance: every one of 3 shards of 1000 units holds 333 ± 60.
        for i in 1..=3 {
            let s = Shard::new(i, 3).unwrap();
            let c = units.iter().filter(|u| s.keeps(u)).count();
            assert!((273..=393).contains(&c), "shard {i}: {c}");
        }
    }

    /// Pinned: the scheme must not change silently (results of sharded runs on
    /// different versions must fit together).
    #[test]
    fn assignment_is_pinned() {
        let got: Vec<u32> = [
            "a",
            "b",
            "Calculator-Python-Flask",
            "reference/Calculator/Python-Flask/temp0.2-openapi-none/sample0",
        ]
        .iter()
        .map(|u| Shard::of(u, 5))
        .collect();
        assert_eq!(got, PINNED);
    }

    // Computed independently: python3 -c "import hashlib; u=b'a'; print(int.from_bytes(hashlib.sha256(b'bax-shard-v1\\0'+u).digest()[:8], 'big') % 5 + 1)"
    const PINNED: [u32; 4] = [2, 3, 3, 1];
}
