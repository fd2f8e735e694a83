//! Who holds the connection slots: at most so many connections per client address, and
//! which connections are idle (no request in progress and no byte of the next one), so that
//! the idle ones can be closed early when the slots run short; and how long the answer
//! being sent on each may still take.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// A connection counts as idle once it has been quiet this long (milliseconds): one just
/// given its slot may not have been read yet.
const QUIET_MS: u64 = 200;

pub struct Slots {
    /// Connections one address may hold at once (None: no cap).
    per_address: Option<usize>,
    /// How long an answer may take to send, from when it is ready.
    send_timeout: Duration,
    inner: Mutex<Inner>,
    epoch: Instant,
}

#[derive(Default)]
struct Inner {
    by_address: HashMap<IpAddr, usize>,
    conns: HashMap<u64, Arc<Conn>>,
    next_id: u64,
}

/// What the accept loop knows about one open connection.
pub struct Conn {
    in_flight: AtomicU32,
    /// Bytes arrived since the last answer was sent (or since the connection opened).
    got_bytes: AtomicBool,
    /// A request has arrived on this connection.
    seen_request: AtomicBool,
    /// Has a slot (a connection still waiting for one is not idle: it has not been read).
    serving: AtomicBool,
    /// Asked to close; not asked twice.
    closing: AtomicBool,
    /// Milliseconds since `epoch` when the connection last became idle.
    idle_since_ms: AtomicU64,
    /// Milliseconds since `epoch` by which the answer being sent must be out (0: none).
    send_deadline_ms: AtomicU64,
    send_timeout_ms: u64,
    epoch: Instant,
    /// Woken when the connection should close (once idle).
    pub close: Notify,
    /// Woken when the connection must end now (its answer holds memory wanted elsewhere).
    pub cut: Notify,
}

/// A connection's place: dropping it frees it for its address.
pub struct Held {
    slots: Arc<Slots>,
    id: u64,
    key: IpAddr,
    pub conn: Arc<Conn>,
}

/// The address a cap counts: an IPv4 address, or an IPv6 /64 (one host's usual share).
fn key(peer: &SocketAddr) -> IpAddr {
    match peer.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl Slots {
    pub fn new(per_address: Option<usize>, send_timeout: Duration) -> Arc<Self> {
        Arc::new(Slots {
            per_address,
            send_timeout,
            inner: Mutex::default(),
            epoch: Instant::now(),
        })
    }

    fn millis(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// A place for a connection from `peer`, or None when its address holds its cap.
    pub fn admit(self: &Arc<Self>, peer: &SocketAddr) -> Option<Held> {
        let key = key(peer);
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let count = inner.by_address.entry(key).or_default();
        if self.per_address.is_some_and(|cap| *count >= cap) {
            return None;
        }
        *count += 1;
        let id = inner.next_id;
        inner.next_id += 1;
        let conn = Arc::new(Conn {
            in_flight: AtomicU32::new(0),
            got_bytes: AtomicBool::new(false),
            seen_request: AtomicBool::new(false),
            serving: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            idle_since_ms: AtomicU64::new(self.millis()),
            send_deadline_ms: AtomicU64::new(0),
            send_timeout_ms: self.send_timeout.as_millis().max(1) as u64,
            epoch: self.epoch,
            close: Notify::new(),
            cut: Notify::new(),
        });
        inner.conns.insert(id, conn.clone());
        Some(Held {
            slots: self.clone(),
            id,
            key,
            conn,
        })
    }

    /// Asks the connection idle the longest to close; false when none is idle.
    pub fn close_idle(&self) -> bool {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.millis();
        let oldest = inner
            .conns
            .values()
            .filter(|c| c.is_idle(now))
            .min_by_key(|c| c.idle_since_ms.load(Ordering::Relaxed));
        match oldest {
            Some(c) => {
                c.closing.store(true, Ordering::Relaxed);
                c.close.notify_one();
                true
            }
            None => false,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut inner = self.slots.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.conns.remove(&self.id);
        if let Some(n) = inner.by_address.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                inner.by_address.remove(&self.key);
            }
        }
    }
}

impl Conn {
    fn is_idle(&self, now_ms: u64) -> bool {
        self.serving.load(Ordering::Relaxed)
            && now_ms >= self.idle_since_ms.load(Ordering::Relaxed) + QUIET_MS
            && self.in_flight.load(Ordering::Relaxed) == 0
            && !self.got_bytes.load(Ordering::Relaxed)
            && !self.closing.load(Ordering::Relaxed)
    }

    /// The connection got its slot and is served from now on.
    pub fn serving(&self) {
        self.idle_since_ms.store(self.millis(), Ordering::Relaxed);
        self.serving.store(true, Ordering::Relaxed);
    }

    /// Bytes came in (part of a request).
    pub fn saw_bytes(&self) {
        if !self.got_bytes.load(Ordering::Relaxed) {
            self.got_bytes.store(true, Ordering::Relaxed);
        }
    }

    pub fn seen_request(&self) -> bool {
        self.seen_request.load(Ordering::Relaxed)
    }

    fn millis(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// An answer is ready to be sent: it must be out within the send timeout (with HTTP/2,
    /// answers overlap: the clock runs from the first, and restarts whenever one is out).
    pub fn answer_ready(&self) {
        if self.send_deadline_ms.load(Ordering::Relaxed) == 0 {
            let at = self.millis() + self.send_timeout_ms;
            self.send_deadline_ms.store(at, Ordering::Relaxed);
        }
    }

    /// When the answer being sent must be out, if one is.
    pub fn send_deadline(&self) -> Option<Instant> {
        match self.send_deadline_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(self.epoch + Duration::from_millis(ms)),
        }
    }

    /// A request is being answered until the guard is dropped (its answer sent or given up).
    pub fn begin_request(self: &Arc<Self>) -> InFlight {
        self.seen_request.store(true, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }
}

/// A request in progress on a connection.
pub struct InFlight(Arc<Conn>);

impl InFlight {
    pub fn conn(&self) -> &Arc<Conn> {
        &self.0
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let c = &self.0;
        if c.in_flight.fetch_sub(1, Ordering::Relaxed) == 1 {
            // Bytes of a pipelined request read before this may be forgotten here: the
            // connection then looks idle, and hyper's graceful shutdown still finishes it.
            c.got_bytes.store(false, Ordering::Relaxed);
            c.idle_since_ms.store(c.millis(), Ordering::Relaxed);
            c.send_deadline_ms.store(0, Ordering::Relaxed);
        } else if c.send_deadline_ms.load(Ordering::Relaxed) != 0 {
            let at = c.millis() + c.send_timeout_ms;
            c.send_deadline_ms.store(at, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_holds_at_most_its_cap() {
        let slots = Slots::new(Some(2), Duration::from_secs(1));
        let a = slots.admit(&addr("10.0.0.1:1")).unwrap();
        let _b = slots.admit(&addr("10.0.0.1:2")).unwrap();
        assert!(slots.admit(&addr("10.0.0.1:3")).is_none());
        assert!(slots.admit(&addr("10.0.0.2:1")).is_some());
        drop(a);
        assert!(slots.admit(&addr("10.0.0.1:4")).is_some());
    }

    #[test]
    fn ipv6_counts_by_64_prefix() {
        let slots = Slots::new(Some(1), Duration::from_secs(1));
        let _a = slots.admit(&addr("[2001:db8:1:2::1]:1")).unwrap();
        assert!(slots.admit(&addr("[2001:db8:1:2::ffff]:1")).is_none());
        assert!(slots.admit(&addr("[2001:db8:1:3::1]:1")).is_some());
    }

    #[test]
    fn only_idle_connections_are_closed_the_oldest_first() {
        let slots = Slots::new(None, Duration::from_secs(1));
        let old = slots.admit(&addr("10.0.0.1:1")).unwrap();
        let young = slots.admit(&addr("10.0.0.2:1")).unwrap();
        let busy = slots.admit(&addr("10.0.0.3:1")).unwrap();
        let reading = slots.admit(&addr("10.0.0.4:1")).unwrap();
        let waiting = slots.admit(&addr("10.0.0.5:1")).unwrap();
        old.conn.serving();
        std::thread::sleep(Duration::from_millis(5));
        for c in [&young, &busy, &reading] {
            c.conn.serving();
        }
        let _req = busy.conn.begin_request();
        reading.conn.saw_bytes();
        // Just given their slots: not idle yet (maybe not read yet).
        assert!(!slots.close_idle());
        std::thread::sleep(Duration::from_millis(QUIET_MS + 10));
        assert!(slots.close_idle());
        assert!(old.conn.closing.load(Ordering::Relaxed));
        assert!(!young.conn.closing.load(Ordering::Relaxed));
        assert!(slots.close_idle());
        assert!(young.conn.closing.load(Ordering::Relaxed));
        // The busy one, the one receiving a request head and the one still waiting for a
        // slot are left alone.
        assert!(!slots.close_idle());
        assert!(!waiting.conn.closing.load(Ordering::Relaxed));
    }

    #[test]
    fn a_connection_is_idle_again_once_its_answer_is_sent() {
        let slots = Slots::new(None, Duration::from_secs(1));
        let c = slots.admit(&addr("10.0.0.1:1")).unwrap();
        c.conn.serving();
        c.conn.saw_bytes();
        let req = c.conn.begin_request();
        assert!(!slots.close_idle());
        drop(req);
        assert!(!slots.close_idle());
        std::thread::sleep(Duration::from_millis(QUIET_MS + 10));
        assert!(slots.close_idle());
    }

    #[test]
    fn an_answer_has_a_send_deadline_until_it_is_out() {
        let slots = Slots::new(None, Duration::from_secs(5));
        let c = slots.admit(&addr("10.0.0.1:1")).unwrap();
        let req = c.conn.begin_request();
        assert!(c.conn.send_deadline().is_none());
        c.conn.answer_ready();
        let at = c.conn.send_deadline().unwrap();
        let left = at - Instant::now();
        assert!(left > Duration::from_secs(4) && left <= Duration::from_secs(5));
        drop(req);
        assert!(c.conn.send_deadline().is_none());
    }
}
