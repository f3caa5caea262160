//! Exercise 10.1, a reference solution: the client's address from an `X-Forwarded-For` chain.

use std::net::{IpAddr, SocketAddr};

/// The client's address in `chain`, read from the right past the proxies in `trusted`.
pub fn client_address(chain: &str, trusted: &[IpAddr]) -> Option<IpAddr> {
    let trusted = |address: IpAddr| trusted.iter().any(|proxy| proxy.to_canonical() == address);
    let mut leftmost = None;
    for address in chain.rsplit(',').filter_map(address_of) {
        if !trusted(address) {
            return Some(address);
        }
        leftmost = Some(address);
    }
    leftmost
}

/// One entry: an address, with a port or not; `None` for anything else.
fn address_of(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let address = entry.parse::<IpAddr>().ok();
    let address = address.or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()));
    address.map(|address| address.to_canonical())
}
