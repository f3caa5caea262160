//! Chapter 10's exercises: the client behind `X-Forwarded-For`, systemd's socket-activation
//! variables, and a master's backoff. Run them with `cargo exercise 10`; one alone with
//! `cargo exercise 10 forwarded_for`.

mod forwarded_for {
    use exercises::ch10::forwarded_for::client_address;
    use pretty_assertions::assert_eq;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// nginx on this machine and a load balancer in front of it.
    fn ours() -> Vec<IpAddr> {
        vec![ip("127.0.0.1"), ip("10.0.0.2")]
    }

    fn client(chain: &str) -> Option<IpAddr> {
        client_address(chain, &ours())
    }

    #[test]
    fn one_entry_is_the_client() {
        assert_eq!(client("203.0.113.7"), Some(ip("203.0.113.7")));
    }

    #[test]
    fn what_the_client_typed_on_the_left_does_not_count() {
        // The client sent "X-Forwarded-For: 6.6.6.6"; our proxy appended the real address.
        assert_eq!(client("6.6.6.6, 203.0.113.7"), Some(ip("203.0.113.7")));
        assert_eq!(client("1.1.1.1,6.6.6.6,203.0.113.7"), Some(ip("203.0.113.7")));
    }

    #[test]
    fn our_proxies_on_the_right_are_passed_over() {
        assert_eq!(client("6.6.6.6, 203.0.113.7, 10.0.0.2"), Some(ip("203.0.113.7")));
        assert_eq!(client("203.0.113.7,10.0.0.2,127.0.0.1"), Some(ip("203.0.113.7")));
    }

    #[test]
    fn a_trusted_address_the_client_typed_is_no_pass() {
        // A client that claims to be our proxy is still the entry left of our own.
        assert_eq!(client("127.0.0.1, 198.51.100.4, 10.0.0.2"), Some(ip("198.51.100.4")));
    }

    #[test]
    fn when_every_entry_is_ours_the_leftmost_is_the_client() {
        assert_eq!(client("10.0.0.2, 127.0.0.1"), Some(ip("10.0.0.2")));
        assert_eq!(client("127.0.0.1"), Some(ip("127.0.0.1")));
    }

    #[test]
    fn entries_that_are_not_addresses_are_passed_over() {
        assert_eq!(client("203.0.113.7, unknown, not an ip"), Some(ip("203.0.113.7")));
        assert_eq!(client("203.0.113.7, 999.1.1.1"), Some(ip("203.0.113.7")));
        assert_eq!(client("unknown"), None);
        assert_eq!(client(""), None);
        assert_eq!(client(" , ,,"), None);
    }

    #[test]
    fn ipv6_and_ports_are_read() {
        assert_eq!(client("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(client("[2001:db8::1]:4711, 10.0.0.2"), Some(ip("2001:db8::1")));
        assert_eq!(client("6.6.6.6, 192.0.2.1:80"), Some(ip("192.0.2.1")));
    }

    #[test]
    fn ipv4_written_as_ipv6_is_ipv4() {
        assert_eq!(client("::ffff:192.0.2.1"), Some(ip("192.0.2.1")));
        assert_eq!(client("203.0.113.7, ::ffff:127.0.0.1"), Some(ip("203.0.113.7")));
    }

    #[test]
    fn trusting_nobody_believes_the_nearest_entry() {
        assert_eq!(client_address("6.6.6.6, 127.0.0.1", &[]), Some(ip("127.0.0.1")));
    }
}

mod listen_fds {
    use exercises::ch10::listen_fds::{Activation, activation};
    use pretty_assertions::assert_eq;

    const ME: u32 = 4242;

    fn refusal(pid: Option<&str>, fds: Option<&str>) -> String {
        match activation(pid, fds, ME) {
            Activation::Refuse(why) => why,
            other => panic!("LISTEN_PID={pid:?} LISTEN_FDS={fds:?}: {other:?}, not a refusal"),
        }
    }

    #[test]
    fn one_socket_for_this_process_is_descriptor_3() {
        assert_eq!(activation(Some("4242"), Some("1"), ME), Activation::UseFd3);
    }

    #[test]
    fn without_the_variables_nothing_was_handed_over() {
        assert_eq!(activation(None, None, ME), Activation::NotForMe);
        assert_eq!(activation(Some("4242"), None, ME), Activation::NotForMe);
        assert_eq!(activation(None, Some("1"), ME), Activation::NotForMe, "LISTEN_PID unset");
    }

    #[test]
    fn another_processs_claim_is_not_about_this_one() {
        assert_eq!(activation(Some("1"), Some("1"), ME), Activation::NotForMe);
        assert_eq!(activation(Some("4243"), Some("2"), ME), Activation::NotForMe);
    }

    #[test]
    fn a_pid_that_is_not_a_number_is_reported() {
        assert!(refusal(Some("me"), Some("1")).contains("LISTEN_PID"));
        assert!(refusal(Some(""), Some("1")).contains("LISTEN_PID"));
        assert!(refusal(Some("-4242"), Some("1")).contains("LISTEN_PID"));
    }

    #[test]
    fn any_count_but_one_is_reported_with_what_to_fix() {
        for fds in ["0", "2", "many", ""] {
            let why = refusal(Some("4242"), Some(fds));
            assert!(why.contains("LISTEN_FDS"), "{fds:?}: {why}");
            assert!(why.contains("ListenStream"), "{fds:?}: say what the unit needs: {why}");
        }
    }
}

mod backoff {
    use exercises::ch10::backoff::{Backoff, FIRST, HEALTHY, LONGEST};
    use pretty_assertions::assert_eq;
    use std::time::Duration;

    const YOUNG: Duration = Duration::from_millis(50);

    #[test]
    fn a_healthy_worker_is_replaced_at_once() {
        let mut backoff = Backoff::new();
        assert_eq!(backoff.after_death(Duration::from_secs(3600)), Duration::ZERO);
        assert_eq!(backoff.after_death(HEALTHY), Duration::ZERO, "exactly HEALTHY is healthy");
    }

    #[test]
    fn deaths_in_a_row_double_the_wait() {
        let mut backoff = Backoff::new();
        let waits: Vec<u128> = (0..5).map(|_| backoff.after_death(YOUNG).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600]);
        assert_eq!(FIRST, Duration::from_millis(100));
    }

    #[test]
    fn the_wait_stops_growing_at_the_longest() {
        let mut backoff = Backoff::new();
        let last = (0..20).map(|_| backoff.after_death(YOUNG)).last().unwrap();
        assert_eq!(last, LONGEST);
        assert_eq!(backoff.after_death(YOUNG), LONGEST);
    }

    #[test]
    fn a_healthy_life_forgets_the_deaths_before_it() {
        let mut backoff = Backoff::new();
        for _ in 0..4 {
            backoff.after_death(YOUNG);
        }
        assert_eq!(backoff.after_death(HEALTHY + YOUNG), Duration::ZERO);
        assert_eq!(backoff.after_death(YOUNG), FIRST, "starting over");
    }
}
