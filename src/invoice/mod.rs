//! 数电票: the tax arithmetic (in fen), words and invoice numbers ([`calc`]); invoicing rights,
//! the electronic tax UKey ([`rights`]); issuing invoices into wallets ([`service`]); and the
//! daily limit on online checks of one invoice ([`check`]).

pub mod calc;
pub mod check;
pub mod records;
pub mod rights;
pub mod service;
