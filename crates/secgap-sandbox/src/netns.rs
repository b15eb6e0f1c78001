//! A private network (and mount) namespace for the calling thread, for
//! sandboxes that must talk to the harness over loopback (web apps).
//!
//! [`enter_private`] moves the calling thread, and only it, into a fresh
//! network namespace holding nothing but a loopback interface, and a
//! fresh mount namespace whose mounts do not propagate back to the host.
//! A sandbox the thread then starts with [`crate::Network::Caller`]
//! shares that loopback with the thread and with every socket the thread
//! (or a thread it spawns) opens, and with nothing else: no other
//! interface exists in it, and nothing outside it can connect in. When the
//! thread and the sandbox end, both namespaces are gone.
//!
//! Making namespaces this way needs `CAP_SYS_ADMIN` (the harness runs as
//! root); [`probe`] says whether the machine allows it.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use anyhow::{bail, Result};

/// Move the calling thread into a new network namespace holding only a
/// loopback interface (brought up) and a new mount namespace that shares
/// nothing with the host's. Call it on a thread of its own: the thread
/// stays there for good.
pub fn enter_private() -> Result<()> {
    // SAFETY: unshare only changes the calling thread's namespaces.
    if unsafe { libc::unshare(libc::CLONE_NEWNET | libc::CLONE_NEWNS) } != 0 {
        let e = std::io::Error::last_os_error();
        bail!("cannot make a private network namespace ({e}); the web-application level needs CAP_SYS_ADMIN: run secgap as root");
    }
    let root = CString::new("/").expect("no NUL");
    // SAFETY: a remount of "/" as recursively private, in the thread's own
    // mount namespace; the pointers are valid C strings or null.
    let rc = unsafe {
        libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        bail!(
            "cannot make the private mount namespace's mounts private: {}",
            std::io::Error::last_os_error()
        );
    }
    loopback_up()
}

/// The request `SIOCGIFFLAGS` and `SIOCSIFFLAGS` take: an interface name
/// and, in the union that follows it, the flags.
#[repr(C)]
struct IfFlags {
    name: [u8; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

fn loopback_up() -> Result<()> {
    // SAFETY: a plain datagram socket, closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        bail!("socket: {}", std::io::Error::last_os_error());
    }
    let mut req = IfFlags {
        name: [0; libc::IFNAMSIZ],
        flags: 0,
        _pad: [0; 22],
    };
    req.name[..2].copy_from_slice(b"lo");
    // SAFETY: req is a valid ifreq-shaped buffer for both requests.
    let result = unsafe {
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) != 0 {
            Err(std::io::Error::last_os_error())
        } else {
            req.flags |= libc::IFF_UP as libc::c_short;
            if libc::ioctl(fd, libc::SIOCSIFFLAGS, &req) != 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(())
            }
        }
    };
    // SAFETY: fd is ours.
    unsafe { libc::close(fd) };
    result.map_err(|e| anyhow::anyhow!("cannot bring up the private namespace's loopback: {e}"))
}

/// Mount a tmpfs of `size_mb` MiB on `dir`, in the calling thread's mount
/// namespace (after [`enter_private`]: invisible to the host), so that what
/// a sandbox writes there is bounded and the harness can still read it.
pub fn mount_tmpfs(dir: &Path, size_mb: u64) -> Result<()> {
    let target = CString::new(dir.as_os_str().as_bytes())?;
    let fstype = CString::new("tmpfs").expect("no NUL");
    let opts = CString::new(format!("size={}m,mode=0755", size_mb.max(1)))?;
    // SAFETY: valid C strings; a tmpfs mount on a folder the harness owns.
    let rc = unsafe {
        libc::mount(
            fstype.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV,
            opts.as_ptr() as *const libc::c_void,
        )
    };
    if rc != 0 {
        bail!(
            "cannot mount a tmpfs on {}: {}",
            dir.display(),
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}

/// Whether this machine lets secgap make a private network namespace (on
/// a throwaway thread); the error says why not.
pub fn probe() -> Result<()> {
    std::thread::spawn(enter_private)
        .join()
        .map_err(|_| anyhow::anyhow!("the namespace probe panicked"))?
}
