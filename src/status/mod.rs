//! Token Status Lists (draft-ietf-oauth-status-list): the bitstring and index allocation.
//! Publishing signed lists is built on this in `status::list` (not yet: see issue 5).

pub mod bits;
