//! Token Status List (draft-ietf-oauth-status-list) bit array with `bits = 1`,
//! plus a keyed index allocator that hands out list positions in random-looking order.
//!
//! Wire format: `lst` = base64url (no padding) of a ZLIB (RFC 1950) stream of the byte
//! array; entry `i` is bit `i % 8` (LSB first) of byte `i / 8`; 0 = VALID, 1 = INVALID.
use ring::{hmac, rand::SecureRandom};
use std::{fmt, io::Read};

/// Upper bound on the decompressed byte array accepted by [`StatusBits::decode_lst`].
pub const MAX_DECOMPRESSED: usize = 16 << 20;
/// Smallest list size accepted by [`IndexAllocator::new`] (the draft's privacy guidance).
pub const MIN_LIST_SIZE: u32 = 131_072;
/// Compression level passed to miniz_oxide: 10 = "uber" (one above zlib's 9).
const LEVEL: u8 = 10;
const ROUNDS: u8 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusError {
    reason: String,
}

fn err(reason: impl Into<String>) -> StatusError {
    let reason = reason.into();
    StatusError { reason }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "status list error: {}", self.reason)
    }
}

impl std::error::Error for StatusError {}

/// Fixed-length status list with one bit per entry (`true` = revoked / INVALID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBits {
    len: usize,
    bytes: Vec<u8>,
}

impl StatusBits {
    /// All-VALID list of `len` entries. Keep `len <= MAX_DECOMPRESSED * 8` so it can be decoded.
    pub fn new(len: usize) -> Self {
        let bytes = vec![0; len.div_ceil(8)];
        Self { len, bytes }
    }

    /// A list from its stored bytes (`len` entries); None when the length does not match.
    pub fn from_bytes(len: usize, bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() == len.div_ceil(8)).then_some(Self { len, bytes })
    }

    fn pos(&self, idx: usize) -> Result<(usize, u8), StatusError> {
        if idx >= self.len {
            return Err(err(format!("index {idx} out of range (len {})", self.len)));
        }
        Ok((idx / 8, 1 << (idx % 8)))
    }

    pub fn set(&mut self, idx: usize, revoked: bool) -> Result<(), StatusError> {
        let (byte, mask) = self.pos(idx)?;
        self.bytes[byte] = (self.bytes[byte] & !mask) | (mask * u8::from(revoked));
        Ok(())
    }

    pub fn get(&self, idx: usize) -> Result<bool, StatusError> {
        let (byte, mask) = self.pos(idx)?;
        Ok(self.bytes[byte] & mask != 0)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of entries currently set to INVALID.
    pub fn count_revoked(&self) -> usize {
        self.bytes.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The uncompressed byte array (`len.div_ceil(8)` bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// RFC 1950 ZLIB stream of the byte array (miniz_oxide level 10; any inflater reads it).
    pub fn to_zlib(&self) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(&self.bytes, LEVEL)
    }

    /// The `status_list.lst` claim value: base64url(zlib(bytes)) without padding.
    pub fn encode_lst(&self) -> String {
        crate::b64::encode_url(&self.to_zlib())
    }

    /// Parses an `lst` value. With `len_hint = Some(n)` the byte array must be exactly
    /// `n.div_ceil(8)` bytes; without it the length is `8 * bytes`. Hostile input (bad
    /// base64, bad/truncated zlib, trailing data, more than [`MAX_DECOMPRESSED`] bytes
    /// once inflated) yields an error; memory use stays bounded by the cap.
    pub fn decode_lst(lst: &str, len_hint: Option<usize>) -> Result<Self, StatusError> {
        if lst.len() > (MAX_DECOMPRESSED + 4096) / 3 * 4 {
            return Err(err("lst is too long"));
        }
        let zlib = crate::b64::decode_url(lst).ok_or_else(|| err("lst is not base64url"))?;
        let mut dec = flate2::bufread::ZlibDecoder::new(&zlib[..]);
        let mut bytes = Vec::new();
        (&mut dec)
            .take(MAX_DECOMPRESSED as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| err(format!("lst is not valid zlib: {e}")))?;
        if bytes.len() > MAX_DECOMPRESSED {
            return Err(err("decompressed lst exceeds 16 MiB"));
        }
        if !dec.into_inner().is_empty() {
            return Err(err("trailing data after zlib stream"));
        }
        let len = len_hint.unwrap_or(bytes.len() * 8);
        if len.div_ceil(8) != bytes.len() {
            return Err(err(format!(
                "{} bytes do not hold {len} entries",
                bytes.len()
            )));
        }
        Ok(Self { len, bytes })
    }
}

/// Hands out list indices as a keyed pseudo-random permutation of `0..size`:
/// `index_for(counter)` = Feistel(key, counter) with cycle-walking. Deterministic from
/// (key, counter), never repeats for distinct counters, O(1) (expected < 4 walks of
/// 10 HMAC-SHA256 rounds). Persist only the 32-byte key and the next counter.
#[derive(Clone, Debug)]
pub struct IndexAllocator {
    key: hmac::Key,
    size: u32,
    half: u32,
}

impl IndexAllocator {
    /// `size` must be at least [`MIN_LIST_SIZE`].
    pub fn new(key: [u8; 32], size: u32) -> Result<Self, StatusError> {
        if size < MIN_LIST_SIZE {
            return Err(err(format!("list size {size} < {MIN_LIST_SIZE}")));
        }
        Ok(Self::with_size(key, size))
    }

    fn with_size(key: [u8; 32], size: u32) -> Self {
        // Smallest even bit width 2k with 2^(2k) >= size, so the domain is < 4 * size.
        let bits = (u32::BITS - (size.max(2) - 1).leading_zeros()).div_ceil(2);
        let (key, half) = (hmac::Key::new(hmac::HMAC_SHA256, &key), bits.max(1));
        Self { key, size, half }
    }

    /// 32 fresh random bytes for [`IndexAllocator::new`], from the OS CSPRNG.
    pub fn generate_key() -> Result<[u8; 32], StatusError> {
        let mut key = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| err("system randomness unavailable"))?;
        Ok(key)
    }

    pub fn size(&self) -> u32 {
        self.size
    }

    /// The index for the `counter`-th allocation, or `None` once all `size` are used.
    pub fn index_for(&self, counter: u64) -> Option<u32> {
        if counter >= u64::from(self.size) {
            return None;
        }
        let mut x = counter;
        loop {
            x = self.permute(x);
            if x < u64::from(self.size) {
                return u32::try_from(x).ok();
            }
        }
    }

    fn permute(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half) - 1;
        let (mut l, mut r) = (x >> self.half, x & mask);
        for round in 0..ROUNDS {
            // r < 2^16, so the round number fits in the top byte of the message.
            let tag = hmac::sign(&self.key, &(r | u64::from(round) << 56).to_le_bytes());
            let f = u64::from_le_bytes(tag.as_ref()[..8].try_into().expect("8 bytes")) & mask;
            (l, r) = (r, l ^ f);
        }
        (l << self.half) | r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn set_get_layout_and_bounds() {
        let mut b = StatusBits::new(20);
        for i in [0, 3, 9, 19] {
            b.set(i, true).unwrap();
        }
        b.set(3, false).unwrap();
        assert_eq!(b.to_bytes(), vec![0b0000_0001, 0b0000_0010, 0b0000_1000]);
        assert!(b.get(9).unwrap() && !b.get(3).unwrap());
        assert!(b.get(20).is_err() && b.set(20, true).is_err());
        assert_eq!((b.len(), b.count_revoked()), (20, 3));
        // draft-ietf-oauth-status-list, section 4.1 example (bits = 1).
        let b = StatusBits::decode_lst("eNrbuRgAAhcBXQ", Some(16)).unwrap();
        assert_eq!(b.to_bytes(), vec![0xB9, 0xA3]);
        assert!(b.get(0).unwrap() && !b.get(1).unwrap() && b.get(15).unwrap());
    }

    #[test]
    fn sizes_and_round_trip() {
        let fresh = StatusBits::new(MIN_LIST_SIZE as usize);
        let z = fresh.to_zlib().len();
        assert!(z < 100, "fresh: {z} bytes");
        let back = StatusBits::decode_lst(&fresh.encode_lst(), Some(131_072)).unwrap();
        assert_eq!(back, fresh);
        for seed in 1..=6 {
            let alloc = IndexAllocator::new([seed; 32], MIN_LIST_SIZE).unwrap();
            let mut bits = StatusBits::new(MIN_LIST_SIZE as usize);
            for idx in (0..1000).filter_map(|c| alloc.index_for(c)) {
                bits.set(idx as usize, true).unwrap();
            }
            assert_eq!(bits.count_revoked(), 1000);
            let z = bits.to_zlib().len();
            assert!(z < 1600, "seed {seed}: {z} bytes");
            let back = StatusBits::decode_lst(&bits.encode_lst(), None).unwrap();
            assert_eq!(back, bits);
        }
    }

    #[test]
    fn hostile_input_is_rejected() {
        let good = StatusBits::new(64).to_zlib();
        let b64 = |z: &[u8]| crate::b64::encode_url(z);
        let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0; MAX_DECOMPRESSED + 1], 6);
        let trailing = [&good[..], &[0]].concat();
        let bad_sum = [&good[..good.len() - 1], &[good[good.len() - 1] ^ 1]].concat();
        let cases = [
            "not base64!".to_string(),
            "eNrbuRgAAhcBXQ==".to_string(),
            b64(b"hello world, not zlib"),
            b64(&good[..good.len() - 3]),
            b64(&trailing),
            b64(&bad_sum),
            b64(&bomb),
            String::new(),
        ];
        for lst in &cases {
            assert!(StatusBits::decode_lst(lst, None).is_err(), "{lst:.40}");
        }
        assert!(StatusBits::decode_lst(&b64(&good), Some(65)).is_err());
        assert!(StatusBits::decode_lst(&b64(&good), Some(64)).is_ok());
    }

    #[test]
    fn allocator_first_10k_distinct_unsorted() {
        let alloc = IndexAllocator::new([7; 32], MIN_LIST_SIZE).unwrap();
        let v: Vec<u32> = (0..10_000).map(|c| alloc.index_for(c).unwrap()).collect();
        assert_eq!(v.iter().collect::<HashSet<_>>().len(), 10_000);
        assert!(v.iter().all(|&i| i < MIN_LIST_SIZE));
        let up = v.windows(2).filter(|w| w[0] < w[1]).count();
        assert!((4_000..6_000).contains(&up), "ascending pairs: {up}");
        let adjacent = v.windows(2).filter(|w| w[0].abs_diff(w[1]) == 1).count();
        assert!(adjacent < 10, "sequential steps: {adjacent}");
        // Spread over the whole range, deterministic, key-dependent.
        assert!(v.iter().any(|&i| i > 120_000) && v.iter().any(|&i| i < 10_000));
        let again = IndexAllocator::new([7; 32], MIN_LIST_SIZE).unwrap();
        assert_eq!(again.index_for(5), Some(v[5]));
        let other = IndexAllocator::new([8; 32], MIN_LIST_SIZE).unwrap();
        let same = (0..100).filter(|&c| other.index_for(c) == Some(v[c as usize]));
        assert!(same.count() < 5);
    }

    #[test]
    fn allocator_is_a_full_permutation_and_ends() {
        for size in [1, 2, 1000, 4097] {
            let a = IndexAllocator::with_size([3; 32], size);
            let all: HashSet<u32> = (0..size.into()).filter_map(|c| a.index_for(c)).collect();
            assert_eq!(all.len(), size as usize);
            assert!(all.iter().all(|&i| i < size) && a.index_for(u64::from(size)).is_none());
        }
        assert!(IndexAllocator::new([0; 32], MIN_LIST_SIZE - 1).is_err());
        let big = IndexAllocator::new(IndexAllocator::generate_key().unwrap(), u32::MAX).unwrap();
        assert!(big.index_for(0).is_some() && big.index_for(u64::from(u32::MAX)).is_none());
    }
}
