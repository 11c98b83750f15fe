//! Loads a page in headless Chromium, driven over the DevTools protocol
//! (a WebSocket), and reports the errors the browser logged while loading
//! it and the text the page shows.
//!
//! Chromium is Debian's `chromium` package: when it is missing, the first
//! test that needs it installs it with apt-get (CI runs as root), and fails
//! with a clear message when that is not possible.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;

/// What loading a page showed.
#[derive(Debug)]
pub struct Loaded {
    /// Console errors, uncaught exceptions and failed loads, as the browser reported them.
    pub errors: Vec<String>,
    /// The text the page shows (`document.body.innerText`).
    pub text: String,
}

fn installed() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// The Chromium binary, installed from Debian's packages if missing.
fn chromium() -> &'static Path {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = BIN.get_or_init(|| {
        if let Some(p) = installed() {
            return Ok(p);
        }
        let apt = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .is_ok_and(|s| s.success())
        };
        if !apt(&["install", "-y", "-qq", "chromium"]) {
            apt(&["update", "-qq"]);
            apt(&["install", "-y", "-qq", "chromium"]);
        }
        installed().ok_or_else(|| {
            "the HTML report tests need Chromium and could not install it: \
             install Debian's `chromium` package (apt-get install chromium) and run them again"
                .to_string()
        })
    });
    match found {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// A browser process, killed when dropped.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

type Socket = tungstenite::WebSocket<MaybeTlsStream<std::net::TcpStream>>;

/// A DevTools session on one page.
struct Session {
    socket: Socket,
    session: Option<String>,
    next: u64,
    /// Events received while waiting for replies, in order.
    events: Vec<Value>,
}

impl Session {
    fn send(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.socket
            .send(tungstenite::Message::text(msg.to_string()))
            .expect("send to Chromium");
        loop {
            let v = self.receive();
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method} failed: {v}");
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    fn receive(&mut self) -> Value {
        loop {
            match self.socket.read().expect("a message from Chromium (timed out?)") {
                tungstenite::Message::Text(t) => return serde_json::from_str(t.as_str()).expect("JSON"),
                tungstenite::Message::Close(_) => panic!("Chromium closed the connection"),
                _ => {}
            }
        }
    }
}

/// Starts Chromium headless with the flags this machine's closed network
/// needs, and returns it with the address of its DevTools WebSocket.
fn start() -> (Browser, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start Chromium");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("Chromium did not open its DevTools port within 60 s");
    (
        Browser {
            child,
            _profile: profile,
        },
        url,
    )
}

/// Loads `file` in a fresh headless Chromium, waits for the load event and
/// then half a second, and returns the errors logged and the page's text.
pub fn load(file: &Path) -> Loaded {
    let (_browser, url) = start();
    let (mut socket, _) = tungstenite::connect(url.as_str()).expect("connect to Chromium's DevTools");
    if let MaybeTlsStream::Plain(s) = socket.get_mut() {
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    }
    let mut s = Session {
        socket,
        session: None,
        next: 0,
        events: Vec::new(),
    };
    let target = s.send("Target.createTarget", json!({"url": "about:blank"}))["targetId"].clone();
    let session = s.send(
        "Target.attachToTarget",
        json!({"targetId": target, "flatten": true}),
    )["sessionId"]
        .as_str()
        .expect("a session id")
        .to_string();
    s.session = Some(session);
    for domain in ["Runtime.enable", "Log.enable", "Page.enable"] {
        s.send(domain, json!({}));
    }
    s.events.clear();
    let path = file.canonicalize().expect("the page exists");
    s.send(
        "Page.navigate",
        json!({"url": format!("file://{}", path.display())}),
    );
    let started = Instant::now();
    let mut loaded_at: Option<Instant> = None;
    let mut events = std::mem::take(&mut s.events);
    // Read events until half a second after the load event.
    if let MaybeTlsStream::Plain(t) = s.socket.get_mut() {
        t.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    }
    loop {
        if events.iter().any(|e| e["method"] == "Page.loadEventFired") && loaded_at.is_none() {
            loaded_at = Some(Instant::now());
        }
        if loaded_at.is_some_and(|t| t.elapsed() > Duration::from_millis(500)) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the page did not load within 60 s"
        );
        match s.socket.read() {
            Ok(tungstenite::Message::Text(t)) => events.push(serde_json::from_str(t.as_str()).expect("JSON")),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("reading from Chromium: {e}"),
        }
    }
    if let MaybeTlsStream::Plain(t) = s.socket.get_mut() {
        t.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    }
    let text = s.send(
        "Runtime.evaluate",
        json!({"expression": "document.body.innerText", "returnByValue": true}),
    )["result"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    events.append(&mut s.events);
    let errors = events
        .iter()
        .filter_map(|e| {
            let p = &e["params"];
            match e["method"].as_str()? {
                "Runtime.consoleAPICalled" if matches!(p["type"].as_str(), Some("error" | "assert")) => {
                    Some(format!("console.{}: {}", p["type"], p["args"]))
                }
                "Runtime.exceptionThrown" => Some(format!("exception: {}", p["exceptionDetails"])),
                "Log.entryAdded" if p["entry"]["level"] == "error" => Some(format!(
                    "{}: {} {}",
                    p["entry"]["source"], p["entry"]["text"], p["entry"]["url"]
                )),
                _ => None,
            }
        })
        .collect();
    Loaded { errors, text }
}
