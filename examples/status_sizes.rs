//! Prints compressed sizes of 131,072-entry status lists and proves plain-zlib interop.
//! Run: cargo run --release --example status_sizes
use flate2::{Compression, read::ZlibDecoder, write::ZlibEncoder};
use std::{io::Read, io::Write, time::Instant};
use zhengtong::status::bits::{IndexAllocator, MIN_LIST_SIZE, StatusBits};

fn inflate(z: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    ZlibDecoder::new(z)
        .read_to_end(&mut out)
        .expect("plain zlib decoder");
    out
}

fn main() {
    let n = MIN_LIST_SIZE as usize;
    let fresh = StatusBits::new(n);
    let z = fresh.to_zlib();
    assert_eq!(inflate(&z), fresh.to_bytes());
    println!(
        "fresh {n}: zlib {} bytes, lst {} chars",
        z.len(),
        fresh.encode_lst().len()
    );

    let alloc =
        IndexAllocator::new(IndexAllocator::generate_key().unwrap(), MIN_LIST_SIZE).unwrap();
    let mut bits = StatusBits::new(n);
    let t = Instant::now();
    let all: Vec<u32> = (0..10_000).map(|c| alloc.index_for(c).unwrap()).collect();
    println!(
        "index_for: {:?} per index (10,000 allocations)",
        t.elapsed() / 10_000
    );
    let revoked = &all[..1000];
    for &i in revoked {
        bits.set(i as usize, true).unwrap();
    }
    let runs = 50;
    let t = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(bits.encode_lst());
    }
    let per = t.elapsed() / runs;
    let lst = bits.encode_lst();
    let z = bits.to_zlib();
    assert_eq!(
        inflate(&z),
        bits.to_bytes(),
        "flate2 ZlibDecoder round trip"
    );
    assert_eq!(StatusBits::decode_lst(&lst, Some(n)).unwrap(), bits);
    println!(
        "1000 revoked: zlib {} bytes, lst {} chars, encode_lst {per:?}",
        z.len(),
        lst.len()
    );

    // Comparison with other standards-conformant zlib encoders on the same bytes.
    let raw = bits.to_bytes();
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(&raw).unwrap();
    let f9 = e.finish().unwrap();
    assert_eq!(inflate(&f9), raw);
    println!("  flate2 Compression::best() (9): {} bytes", f9.len());
    for iters in [1u64, 15] {
        let opts = zopfli::Options {
            iteration_count: iters.try_into().unwrap(),
            ..Default::default()
        };
        let t = Instant::now();
        let mut zz = Vec::new();
        zopfli::compress(opts, zopfli::Format::Zlib, &raw[..], &mut zz).unwrap();
        let dt = t.elapsed();
        assert_eq!(inflate(&zz), raw);
        println!(
            "  zopfli zlib ({iters} iterations): {} bytes in {dt:?}",
            zz.len()
        );
    }
    println!("revoked_sample={:?}", &revoked[..5]);
    println!("lst={lst}");
}
