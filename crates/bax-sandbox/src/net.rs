//! Reaching an app inside its own network namespace.
//!
//! The instance's namespace has only loopback, so no app can reach anything
//! outside and any number of apps can listen on port 5000 at once. bax reaches
//! them from a dedicated thread that has joined the namespace with `setns(2)`:
//! sockets it creates live in that namespace but are ordinary file descriptors the
//! rest of bax can use.
//!
//! The thread also gives the namespace a service address, [`SERVICE_ADDR`]
//! (192.0.2.1, a documentation address that is never routed), on its loopback
//! device, and bax connects to that address rather than to 127.0.0.1. So, exactly
//! as with BaxBench's `docker run -p`, an app that binds only to 127.0.0.1 is not
//! reachable, and one that binds 0.0.0.0 is.
//!
//! For HTTP clients that want a plain URL, [`Proxy`] listens on a host loopback
//! port and forwards each connection into the namespace.

use std::fs::File;
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The address an instance's services are reached at, inside its namespace.
pub const SERVICE_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

type Job = Box<dyn FnOnce() + Send>;

/// A thread living in an instance's network namespace.
pub struct NetNs {
    tx: Mutex<Option<Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl NetNs {
    /// Joins the network namespace of process `pid` and adds the service address.
    pub fn enter(pid: i32) -> io::Result<Arc<NetNs>> {
        let ns = File::open(format!("/proc/{pid}/ns/net"))?;
        let (tx, rx) = channel::<Job>();
        let (ready_tx, ready_rx) = channel::<io::Result<()>>();
        let thread = std::thread::Builder::new()
            .name(format!("netns-{pid}"))
            .spawn(move || {
                // Affects only this thread.
                if let Err(e) = rustix::thread::move_into_link_name_space(
                    std::os::fd::AsFd::as_fd(&ns),
                    Some(rustix::thread::LinkNameSpaceType::Network),
                ) {
                    let _ = ready_tx.send(Err(e.into()));
                    return;
                }
                drop(ns);
                let _ = ready_tx.send(Ok(()));
                for job in rx {
                    job();
                }
            })?;
        ready_rx
            .recv()
            .map_err(|_| io::Error::other("netns thread died"))??;
        let netns = Arc::new(NetNs {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        });
        // A child spawned from the namespaced thread inherits its namespace.
        let mut ip = Command::new("ip");
        ip.args(["addr", "add", &format!("{SERVICE_ADDR}/32"), "dev", "lo"]);
        let out = netns.run(ip)?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "cannot add the service address: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(netns)
    }

    fn call<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
        let (tx, rx) = channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        let guard = self.tx.lock().unwrap();
        let sender = guard
            .as_ref()
            .ok_or_else(|| io::Error::other("network namespace closed"))?;
        sender
            .send(job)
            .map_err(|_| io::Error::other("netns thread died"))?;
        drop(guard);
        rx.recv().map_err(|_| io::Error::other("netns thread died"))
    }

    /// Opens a TCP connection inside the namespace.
    pub fn connect(&self, addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
        self.call(move || TcpStream::connect_timeout(&addr, timeout))?
    }

    /// Runs a command inside the namespace (network only; the host's files).
    pub fn run(&self, mut cmd: Command) -> io::Result<Output> {
        self.call(move || cmd.output())?
    }

    /// Stops the thread.
    pub fn close(&self) {
        self.tx.lock().unwrap().take();
        if let Some(t) = self.thread.lock().unwrap().take() {
            let _ = t.join();
        }
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        self.close();
    }
}

/// Forwards a host loopback port to a port inside an instance's namespace.
pub struct Proxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Conns>>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    pub fn start(netns: Arc<NetNs>, port: u16) -> io::Result<Proxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Conns>> = Arc::default();
        let target = SocketAddr::from((SERVICE_ADDR, port));
        let (stop2, conns2) = (stop.clone(), conns.clone());
        let thread = std::thread::Builder::new()
            .name(format!("proxy-{}", addr.port()))
            .spawn(move || {
                for client in listener.incoming() {
                    if stop2.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let netns = netns.clone();
                    let conns = conns2.clone();
                    let _ = std::thread::Builder::new()
                        .name("proxy-conn".into())
                        .spawn(move || forward(client, &netns, target, &conns));
                }
            })?;
        Ok(Proxy {
            addr,
            stop,
            conns,
            thread: Some(thread),
        })
    }

    /// The host address (127.0.0.1:port) that reaches the app.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn stop(&mut self) {
        if self.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for (_, (a, b)) in self.conns.lock().unwrap().open.drain() {
            let _ = a.shutdown(Shutdown::Both);
            let _ = b.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The connections a proxy is forwarding, so that stopping it can end them.
#[derive(Default)]
struct Conns {
    next: u64,
    open: std::collections::HashMap<u64, (TcpStream, TcpStream)>,
}

fn forward(client: TcpStream, netns: &NetNs, target: SocketAddr, conns: &Mutex<Conns>) {
    let Ok(upstream) = netns.connect(target, Duration::from_secs(5)) else {
        // Nothing listens: the client sees the connection close, as with a
        // Docker port mapping to a dead container.
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let id = {
        let mut c = conns.lock().unwrap();
        let id = c.next;
        c.next += 1;
        if let (Ok(a), Ok(b)) = (client.try_clone(), upstream.try_clone()) {
            c.open.insert(id, (a, b));
        }
        id
    };
    let (Ok(mut c_read), Ok(mut u_write)) = (client.try_clone(), upstream.try_clone()) else {
        conns.lock().unwrap().open.remove(&id);
        return;
    };
    let up = std::thread::spawn(move || {
        let _ = io::copy(&mut c_read, &mut u_write);
        let _ = u_write.shutdown(Shutdown::Write);
    });
    let (mut u_read, mut c_write) = (upstream, client);
    let _ = io::copy(&mut u_read, &mut c_write);
    // The app closed its side (answered, or died). Like Docker's proxy, end the
    // client's connection entirely, so a client still sending (a large upload
    // to an app that answered early or was killed) gets an error instead of
    // blocking on a buffer nobody reads. Every descriptor of this connection is
    // closed when this function returns.
    let _ = c_write.shutdown(Shutdown::Both);
    let _ = u_read.shutdown(Shutdown::Both);
    let _ = up.join();
    conns.lock().unwrap().open.remove(&id);
}
