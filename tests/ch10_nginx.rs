//! Chapter 10 through a real nginx: the configurations in `deploy/nginx/`, started on
//! loopback addresses in a folder of their own, in front of `08-framework`.
//!
//! A plain `cargo test` skips these (a fresh machine need not have nginx); `.ci/run`
//! installs nginx and runs them with
//! `cargo test --test ch10_nginx -- --ignored`.
//!
//! Loopback stands in for a network: the server listens on 127.0.0.2 (and 127.0.0.3, a
//! second machine), nginx connects to it from 127.0.0.5 (`proxy_bind`), and the client
//! connects to nginx from 127.0.0.1. Linux delivers all of 127.0.0.0/8 to this machine.

mod common;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{Binary, HttpResponse, PATIENCE, connect, read_until_closed};
use pretty_assertions::assert_eq;

const SERVER: &str = env!("CARGO_BIN_EXE_08-framework");

/// Where the server runs: "another machine".
const MACHINE_A: &str = "127.0.0.2";
const MACHINE_B: &str = "127.0.0.3";
/// The address nginx connects to the servers from, and the one they are told to trust.
const NGINX_IP: &str = "127.0.0.5";

// ---------------------------------------------------------------------------------------
// nginx, in a folder of its own
// ---------------------------------------------------------------------------------------

/// The nginx program, or a panic that says how to get it.
fn nginx_program() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path: Vec<PathBuf> = std::env::split_paths(&path).map(|dir| dir.join("nginx")).collect();
    // Debian puts it in /usr/sbin, which is not on every user's PATH.
    let known = [PathBuf::from("/usr/sbin/nginx"), PathBuf::from("/usr/local/sbin/nginx")];
    on_path.into_iter().chain(known).find(|path| path.is_file()).unwrap_or_else(|| {
        panic!(
            "nginx is not installed, and these tests run it. Install it \
             (Debian or Ubuntu: `sudo apt-get install -y nginx`; macOS: `brew install nginx`), \
             or run `bash .ci/run`, which installs it where it is missing. \
             A plain `cargo test` skips these tests."
        )
    })
}

/// A port free on `ip` right now, for a configuration file that must name it in advance.
fn free_port(ip: &str) -> u16 {
    let listener = TcpListener::bind((ip, 0)).expect("bind a loopback address");
    listener.local_addr().unwrap().port()
}

/// A folder removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ch10-nginx-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("tmp")).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A `deploy/nginx/` template with its `${NAME}`s filled in; nginx's own `$variables`
/// have no braces and are left alone.
fn render(template: &str, values: &[(&str, String)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx").join(template);
    let mut text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (name, value) in values {
        text = text.replace(&format!("${{{name}}}"), value);
    }
    assert!(!text.contains("${"), "{template}: a ${{NAME}} was not filled in:\n{text}");
    text
}

/// nginx running in the foreground with `deploy/nginx/nginx.conf` and one site; stopped
/// and cleaned up when dropped.
struct Nginx {
    child: Child,
    scratch: Scratch,
}

impl Nginx {
    /// Starts nginx on `template` (filled with `values`) and waits until it accepts
    /// connections on every address in `listening`.
    fn start(
        name: &str,
        template: &str,
        values: &[(&str, String)],
        listening: &[SocketAddr],
    ) -> Nginx {
        let program = nginx_program();
        let scratch = Scratch::new(name);
        let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx");
        for file in ["nginx.conf", "forwarded.conf"] {
            fs::copy(deploy.join(file), scratch.0.join(file)).unwrap();
        }
        fs::write(scratch.0.join("site.conf"), render(template, values)).unwrap();
        let startup_log = File::create(scratch.0.join("startup.log")).unwrap();
        let child = Command::new(program)
            .arg("-p")
            .arg(&scratch.0)
            .arg("-c")
            .arg(scratch.0.join("nginx.conf"))
            // Errors before the configuration names its log go to the folder too.
            .arg("-e")
            .arg(scratch.0.join("startup.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(startup_log)
            .spawn()
            .expect("start nginx");
        let mut nginx = Nginx { child, scratch };
        for address in listening {
            nginx.wait_for(*address);
        }
        nginx
    }

    /// Waits, a bounded while, until nginx accepts on `address`.
    fn wait_for(&mut self, address: SocketAddr) {
        let give_up = Instant::now() + PATIENCE;
        while TcpStream::connect(address).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("nginx stopped ({status}):\n{}", self.logs());
            }
            assert!(
                Instant::now() < give_up,
                "nginx never listened on {address}:\n{}",
                self.logs()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// What nginx said, for a failure message.
    fn logs(&self) -> String {
        let read = |name: &str| fs::read_to_string(self.scratch.0.join(name)).unwrap_or_default();
        format!("{}{}", read("startup.log"), read("error.log"))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: nginx's fast shutdown, which removes its pid file and closes its logs.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let give_up = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < give_up {
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------

fn loopback(ip: &str, port: u16) -> SocketAddr {
    SocketAddr::new(ip.parse::<IpAddr>().unwrap(), port)
}

/// `08-framework` on `ip`, with `args`.
fn server(ip: &str, args: &[&str]) -> Binary {
    let server = Binary::start(SERVER, &[&["--quiet", "--host", ip], args].concat());
    assert_eq!(server.address.ip().to_string(), ip);
    server
}

/// `GET path` with `headers`, through nginx at `address`, on a connection of its own.
fn get(address: SocketAddr, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = connect(address);
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    HttpResponse::parse(&read_until_closed(&mut stream))
}

/// The demo's `/environ` page as a map.
fn environ(response: &HttpResponse) -> BTreeMap<String, String> {
    assert_eq!(response.status(), 200, "{}", response.text());
    response.environ_lines().into_iter().collect()
}

fn forwarded_keys(environ: &BTreeMap<String, String>) -> Vec<&str> {
    let forwarded = |key: &&str| key.starts_with("HTTP_X_FORWARDED") || *key == "HTTP_FORWARDED";
    environ.keys().map(String::as_str).filter(forwarded).collect()
}

/// nginx with `deploy/nginx/one-server.conf.template` in front of `app`.
fn nginx_in_front_of(name: &str, app: SocketAddr) -> (Nginx, SocketAddr) {
    let listen = loopback("127.0.0.1", free_port("127.0.0.1"));
    let values =
        [("LISTEN", listen.to_string()), ("APP", app.to_string()), ("NGINX_IP", NGINX_IP.into())];
    (Nginx::start(name, "one-server.conf.template", &values, &[listen]), listen)
}

// ---------------------------------------------------------------------------------------
// Behind nginx: the client's address, believed only from nginx
// ---------------------------------------------------------------------------------------

#[test]
#[ignore = "needs nginx; .ci/run runs these with --ignored"]
fn through_nginx_the_client_address_is_believed_because_nginx_is_trusted() {
    let app = server(MACHINE_A, &["--forwarded-allow-ips", NGINX_IP]);
    let (_nginx, proxy) = nginx_in_front_of("trusted", app.address);
    // A client that claims to be someone else, and to speak TLS.
    let spoofed = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https")];
    let environ = environ(&get(proxy, "/demo/environ", &spoofed));
    let keys = ["REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "wsgi.url_scheme", "HTTP_HOST"];
    let seen = keys.map(|key| environ.get(key).cloned().unwrap_or_default());
    // nginx appended the address it saw; the server read the chain from the right.
    let expected = ["127.0.0.1", "6.6.6.6, 127.0.0.1", "http", &proxy.to_string()];
    assert_eq!(seen, expected.map(String::from));
    assert_eq!(environ.get("SERVER_NAME").map(String::as_str), Some("127.0.0.1"));
}

#[test]
#[ignore = "needs nginx; .ci/run runs these with --ignored"]
fn without_forwarded_allow_ips_the_server_ignores_nginxs_headers() {
    let app = server(MACHINE_A, &[]);
    let (_nginx, proxy) = nginx_in_front_of("untrusted", app.address);
    let environ = environ(&get(proxy, "/demo/environ", &[("X-Forwarded-For", "6.6.6.6")]));
    assert_eq!(environ.get("REMOTE_ADDR").map(String::as_str), Some(NGINX_IP), "nginx itself");
    assert_eq!(forwarded_keys(&environ), Vec::<&str>::new(), "dropped, not passed on");
    assert_eq!(environ.get("SERVER_NAME").map(String::as_str), Some(MACHINE_A));
}

// ---------------------------------------------------------------------------------------
// Under a prefix
// ---------------------------------------------------------------------------------------

#[test]
#[ignore = "needs nginx; .ci/run runs these with --ignored"]
fn mounted_at_app_through_nginx_with_the_prefix_kept() {
    let app = server(MACHINE_A, &["--script-name", "/app", "--forwarded-allow-ips", NGINX_IP]);
    let listen = loopback("127.0.0.1", free_port("127.0.0.1"));
    let values = [
        ("LISTEN", listen.to_string()),
        ("APP", app.address.to_string()),
        ("NGINX_IP", NGINX_IP.into()),
    ];
    let _nginx = Nginx::start("mounted", "mounted.conf.template", &values, &[listen]);
    // A client cannot choose the prefix: nginx does not pass X-Forwarded-Prefix on.
    let environ = environ(&get(listen, "/app/demo/environ", &[("X-Forwarded-Prefix", "/evil")]));
    let seen = ["SCRIPT_NAME", "PATH_INFO"].map(|key| environ[key].as_str());
    assert_eq!(seen, ["/app", "/demo/environ"]);
    let moved = get(listen, "/app/demo", &[]);
    assert_eq!((moved.status(), moved.header("Location")), (301, Some("/app/demo/")));
    let home = get(listen, "/app/demo/", &[]).text();
    assert!(home.contains("href=\"/app/demo/environ\""), "{home}");
    assert!(!home.contains("href=\"/demo"), "a link out of the mount: {home}");
    assert_eq!(get(listen, "/app/demo/hello/ferris", &[]).text(), "Hello, ferris!\n");
    assert_eq!(get(listen, "/demo/environ", &[]).status(), 404, "outside /app/, nginx says no");
}

// ---------------------------------------------------------------------------------------
// TLS ends at nginx
// ---------------------------------------------------------------------------------------

/// Runs `program` with `args`, or panics with what it said and how to get it.
fn run(program: &str, args: &[&str], install: &str) -> String {
    let output = Command::new(program).args(args).output().unwrap_or_else(|error| {
        panic!("cannot run {program} ({error}); {install}");
    });
    let (stdout, stderr) = (output.stdout, String::from_utf8_lossy(&output.stderr).into_owned());
    assert!(output.status.success(), "{program} {args:?} failed:\n{stderr}");
    String::from_utf8(stdout).expect("text")
}

#[test]
#[ignore = "needs nginx; .ci/run runs these with --ignored"]
fn tls_ends_at_nginx_and_the_application_sees_https() {
    let app = server(MACHINE_A, &["--forwarded-allow-ips", NGINX_IP]);
    let scratch = Scratch::new("certificate");
    let (certificate, key) = (scratch.0.join("cert.pem"), scratch.0.join("key.pem"));
    let (certificate, key) = (certificate.to_str().unwrap(), key.to_str().unwrap());
    // A certificate for localhost, good for a day, made for this test alone.
    let openssl_args = [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        "-days",
        "1",
        "-keyout",
        key,
        "-out",
        certificate,
    ];
    run("openssl", &openssl_args, "install it with `sudo apt-get install -y openssl`");
    let tls_listen = loopback("127.0.0.1", free_port("127.0.0.1"));
    let values = [
        ("TLS_LISTEN", tls_listen.to_string()),
        ("CERTIFICATE", certificate.to_string()),
        ("KEY", key.to_string()),
        ("APP", app.address.to_string()),
        ("NGINX_IP", NGINX_IP.into()),
    ];
    let _nginx = Nginx::start("tls", "tls.conf.template", &values, &[tls_listen]);
    // curl checks the certificate against the one just made: no -k needed.
    let port = tls_listen.port();
    let url = format!("https://localhost:{port}/demo/environ");
    let resolve = format!("localhost:{port}:127.0.0.1");
    let curl_args =
        ["-sS", "--max-time", "30", "--cacert", certificate, "--resolve", &resolve, &url];
    let page = run("curl", &curl_args, "install it with `sudo apt-get install -y curl`");
    let environ: BTreeMap<&str, &str> =
        page.lines().filter_map(|line| line.split_once(" = ")).collect();
    let keys = ["wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR"];
    let seen = keys.map(|key| environ.get(key).copied().unwrap_or("(none)"));
    let host = format!("localhost:{port}");
    assert_eq!(seen, ["https", &host, "localhost", &port.to_string(), "127.0.0.1"]);
}

// ---------------------------------------------------------------------------------------
// Two machines
// ---------------------------------------------------------------------------------------

/// What the clients saw: which instance answered, and every failure.
#[derive(Default)]
struct Tally {
    done: AtomicUsize,
    /// Answers from machine A (counted again from 0 once it is restarted), and from B.
    from_a: AtomicUsize,
    from_b: AtomicUsize,
    failures: Mutex<Vec<String>>,
}

/// Most requests the load may send, and the longest it may run.
const MAX_REQUESTS: usize = 50_000;
const MAX_LOAD_TIME: Duration = Duration::from_secs(90);

/// One client: GETs through nginx until told to stop, or a bound is reached.
fn client(proxy: SocketAddr, tally: Arc<Tally>, stop: Arc<AtomicBool>, started: Instant) {
    while !stop.load(Ordering::SeqCst)
        && tally.done.load(Ordering::SeqCst) < MAX_REQUESTS
        && started.elapsed() < MAX_LOAD_TIME
    {
        let outcome = std::panic::catch_unwind(|| get(proxy, "/demo/environ", &[]));
        match outcome {
            Ok(response) if response.status() == 200 => {
                let environ = environ(&response);
                match environ.get("SERVER_NAME").map(String::as_str) {
                    Some(MACHINE_A) => tally.from_a.fetch_add(1, Ordering::SeqCst),
                    _ => tally.from_b.fetch_add(1, Ordering::SeqCst),
                };
            }
            Ok(response) => tally.failures.lock().unwrap().push(response.status_line),
            Err(_) => tally.failures.lock().unwrap().push("no response".to_string()),
        }
        tally.done.fetch_add(1, Ordering::SeqCst);
    }
}

/// A server on `ip`, on a port it can be started on again later (nginx's configuration
/// names it). A port found free may be taken again before the server binds it, by a
/// connection another test opens: then another port is tried, a few times at most.
fn server_on_a_port_of_its_own(ip: &str) -> (Binary, u16) {
    let mut why = String::new();
    for _ in 0..5 {
        let port = free_port(ip);
        let args = ["--quiet", "--host", ip, "--port", &port.to_string()];
        match Binary::try_start(SERVER, &args) {
            Ok(server) => return (server, port),
            Err(failed) => why = failed,
        }
    }
    panic!("no port on {ip} could be used: {why}");
}

/// Waits, a bounded while, until `ready` says yes.
fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let give_up = Instant::now() + PATIENCE;
    while !ready() {
        assert!(Instant::now() < give_up, "gave up waiting until {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[ignore = "needs nginx; .ci/run runs these with --ignored"]
fn no_get_fails_while_one_of_two_machines_is_stopped_and_started_again() {
    let (machine_a, port_a) = server_on_a_port_of_its_own(MACHINE_A);
    let (_machine_b, port_b) = server_on_a_port_of_its_own(MACHINE_B);
    // Started again on the same port, which nginx names; should a passing connection hold
    // it for a moment, try again a few times.
    let start_a = || {
        let args = ["--quiet", "--host", MACHINE_A, "--port", &port_a.to_string()];
        (0..20)
            .find_map(|_| {
                Binary::try_start(SERVER, &args)
                    .map_err(|_| thread::sleep(Duration::from_millis(100)))
                    .ok()
            })
            .expect("machine A could not have its port again")
    };
    let listen = loopback("127.0.0.1", free_port("127.0.0.1"));
    let values = [
        ("LISTEN", listen.to_string()),
        ("MACHINE_A", loopback(MACHINE_A, port_a).to_string()),
        ("MACHINE_B", loopback(MACHINE_B, port_b).to_string()),
    ];
    let _nginx = Nginx::start("two-machines", "two-machines.conf.template", &values, &[listen]);

    let (tally, stop, started) =
        (Arc::new(Tally::default()), Arc::new(AtomicBool::new(false)), Instant::now());
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (tally, stop) = (Arc::clone(&tally), Arc::clone(&stop));
            thread::spawn(move || client(listen, tally, stop, started))
        })
        .collect();
    let answered = |counter: &AtomicUsize| counter.load(Ordering::SeqCst);
    wait_until("both machines answered", || {
        answered(&tally.from_a) > 20 && answered(&tally.from_b) > 20
    });

    // Machine A goes away in the middle of the load (killed: requests in flight on it are
    // cut), and the load keeps going on B alone for a while: longer than nginx's
    // fail_timeout, so that nginx tries the dead machine again, and retries on B again.
    drop(machine_a);
    let (at_stop, stopped) = (answered(&tally.done), Instant::now());
    let outage = Duration::from_millis(2500);
    wait_until("the outage had lasted long enough", || {
        answered(&tally.done) > at_stop + 500 && stopped.elapsed() > outage
    });

    // A comes back on the same address; nginx tries it again within its fail_timeout.
    let machine_a = start_a();
    tally.from_a.store(0, Ordering::SeqCst);
    wait_until("machine A answered again", || answered(&tally.from_a) > 20);
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().expect("a client thread must not panic");
    }
    let failures = tally.failures.lock().unwrap().clone();
    assert_eq!(failures, Vec::<String>::new(), "of {} GETs", answered(&tally.done));
    drop(machine_a);
}
