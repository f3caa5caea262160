//! Exercise 10.1: the client's address from an `X-Forwarded-For` chain. The task is in the
//! book, chapter 10, "Exercises".

use std::net::IpAddr;

/// The client's address in `chain`, the value of an `X-Forwarded-For` header that a trusted
/// proxy sent, when the proxies at the addresses in `trusted` are ours.
///
/// Each proxy appends the address it was connected from, so the chain reads
/// `client, proxy1, proxy2`; but only the entries our own proxies appended are facts, and
/// whatever stands to their left may be what the client typed. Read it from the right, pass
/// over our proxies, and the first address that is not one of them is the client. When every
/// entry is one of our proxies, the leftmost is the client.
///
/// Entries are separated by commas, with spaces or not. An entry may carry a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`). An entry that is no address at all (`unknown`,
/// a typo) is passed over. An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is the IPv4
/// address. `None` when no entry is an address.
pub fn client_address(chain: &str, trusted: &[IpAddr]) -> Option<IpAddr> {
    todo!("exercise 10.1: see the book, chapter 10's exercises (book/src/exercises/ch10.md)")
}
