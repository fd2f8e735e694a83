//! 数电票: the tax arithmetic (in fen), words, and invoice numbers.

pub mod calc;
