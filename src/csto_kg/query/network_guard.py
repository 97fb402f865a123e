"""A process-wide ban on Internet sockets, enforced by the kernel (seccomp-BPF).

The query workers that run client SPARQL install it before they read their first query
(:mod:`csto_kg.query.workers`): the SERVICE check (:mod:`csto_kg.query.guard`) decides before a
query runs which endpoints it may call, and this guard makes sure that a query the check let
through as calling none cannot open a connection anywhere, should the check ever be fooled.
pyoxigraph opens its SERVICE connections from Rust with the C library's ``socket``/``connect``,
so only a kernel filter reaches them; Python-level patches would not.

After :func:`install_no_network`:

- ``socket()`` with the domain ``AF_INET`` or ``AF_INET6`` fails with ``EPERM`` (so do host
  name lookups, which need such a socket to reach a DNS server);
- so does every system call made through another ABI (32-bit ``int 0x80``, x32 on x86_64) and
  ``io_uring_setup``, ways to make a system call that the filter would otherwise not see as ``socket``;
- everything else is allowed: ``AF_UNIX`` sockets, pipes, files, threads, memory.

The filter holds for the whole process, its threads (existing and future) and any program it
starts, and cannot be removed. It is installed through ``ctypes`` with the ``seccomp`` system call
(falling back to ``prctl``) after ``PR_SET_NO_NEW_PRIVS``. Supported: Linux on x86_64 and aarch64;
elsewhere :func:`install_no_network` installs nothing and :func:`reason` says why.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket
import struct
import sys
import threading

# linux/filter.h, linux/seccomp.h, linux/audit.h, linux/prctl.h
_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20
_BPF_JEQ_K = 0x05 | 0x10 | 0x00
_BPF_JGE_K = 0x05 | 0x30 | 0x00
_BPF_RET_K = 0x06 | 0x00
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_GET_ACTION_AVAIL = 2
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SECCOMP_MODE_FILTER = 2
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_X32_SYSCALL_BIT = 0x40000000
# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_OFFSET_NR, _OFFSET_ARCH, _OFFSET_ARG0 = 0, 4, 16  # arg0's low 32 bits: little-endian only

DENIED_DOMAINS = (int(socket.AF_INET), int(socket.AF_INET6))  # 2 and 10 on Linux


class _Arch:
    def __init__(self, audit: int, socket_nr: int, seccomp_nr: int, io_uring_setup_nr: int, x32: bool) -> None:
        self.audit, self.socket_nr, self.seccomp_nr = audit, socket_nr, seccomp_nr
        self.io_uring_setup_nr, self.x32 = io_uring_setup_nr, x32


_ARCHES = {
    "x86_64": _Arch(0xC000003E, 41, 317, 425, x32=True),
    "aarch64": _Arch(0xC00000B7, 198, 277, 425, x32=False),
}
_MACHINE_NAMES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}

_lock = threading.Lock()
_installed = False
_reason: str | None = None


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


class GuardUnavailable(Exception):
    """The guard cannot be installed here; the message says why."""


def _arch() -> _Arch:
    if not sys.platform.startswith("linux"):
        raise GuardUnavailable(f"seccomp is a Linux feature; this is {sys.platform}")
    machine = platform.machine().lower()
    name = _MACHINE_NAMES.get(machine)
    if name is None:
        raise GuardUnavailable(f"the socket filter knows the system calls of x86_64 and aarch64, not of {machine!r}")
    if struct.calcsize("P") != 8 or sys.byteorder != "little":
        raise GuardUnavailable(f"this Python is not a 64-bit little-endian {name} build; the filter is written for one")
    return _ARCHES[name]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _program(arch: _Arch) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions; jumps count instructions to skip."""
    deny = (_BPF_RET_K, 0, 0, _SECCOMP_RET_ERRNO | errno.EPERM)
    allow = (_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW)
    body: list[tuple[int, int, int, int] | str] = [
        (_BPF_LD_W_ABS, 0, 0, _OFFSET_ARCH),
        ("jeq", arch.audit, "next", "deny"),  # another ABI (int 0x80, AArch32): denied
        (_BPF_LD_W_ABS, 0, 0, _OFFSET_NR),
    ]
    if arch.x32:
        body.append(("jge", _X32_SYSCALL_BIT, "deny", "next"))  # x32 calls share x86_64's audit arch
    body += [
        ("jeq", arch.io_uring_setup_nr, "deny", "next"),
        ("jeq", arch.socket_nr, "next", "allow"),
        (_BPF_LD_W_ABS, 0, 0, _OFFSET_ARG0),
        *(("jeq", domain, "deny", "next") for domain in DENIED_DOMAINS),
        "allow",
        "deny",
    ]
    where = {"allow": body.index("allow"), "deny": body.index("deny")}
    out = []
    for i, step in enumerate(body):
        if step == "allow":
            out.append(allow)
        elif step == "deny":
            out.append(deny)
        elif isinstance(step[0], str):
            op, k, on_true, on_false = step
            jump = {"next": 0, **{label: where[label] - i - 1 for label in where}}
            out.append((_BPF_JEQ_K if op == "jeq" else _BPF_JGE_K, jump[on_true], jump[on_false], k))
        else:
            out.append(step)
    return out


def unavailable_reason() -> str | None:
    """Why the guard could not be installed in this process, or None when it should install; changes nothing."""
    try:
        arch = _arch()
        libc = _libc()
    except (GuardUnavailable, OSError) as err:
        return str(err)
    action = ctypes.c_uint32(_SECCOMP_RET_ERRNO)
    if libc.syscall(ctypes.c_long(arch.seccomp_nr), ctypes.c_ulong(_SECCOMP_GET_ACTION_AVAIL), ctypes.c_ulong(0),
                    ctypes.byref(action)) != 0:
        code = ctypes.get_errno()
        return (f"the kernel ({platform.release()}) does not offer seccomp filters that return an error "
                f"({errno.errorcode.get(code, code)})")
    return None


def _install() -> None:
    arch = _arch()
    libc = _libc()
    program = _program(arch)
    filters = (_SockFilter * len(program))(*(_SockFilter(*step) for step in program))
    fprog = _SockFprog(len(program), filters)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) != 0:
        raise GuardUnavailable(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    result = libc.syscall(ctypes.c_long(arch.seccomp_nr), ctypes.c_ulong(_SECCOMP_SET_MODE_FILTER),
                          ctypes.c_ulong(_SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(fprog))
    if result > 0:
        raise GuardUnavailable(f"thread {result} of this process could not take the filter")
    if result != 0:
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL):
            raise GuardUnavailable(f"seccomp(SECCOMP_SET_MODE_FILTER) failed: {os.strerror(code)}")
        # no seccomp system call (before Linux 3.17) or no TSYNC: prctl binds the calling thread
        # and the threads it starts later, so only while this is the process's one thread
        if threading.active_count() != 1:
            raise GuardUnavailable("the kernel cannot apply a filter to every thread at once and this process "
                                   "already runs several")
        if libc.prctl(_PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER), ctypes.byref(fprog), ctypes.c_ulong(0),
                      ctypes.c_ulong(0)) != 0:
            raise GuardUnavailable(f"prctl(PR_SET_SECCOMP) failed: {os.strerror(ctypes.get_errno())}")
    for domain in DENIED_DOMAINS:  # proof, not faith: the filter must refuse what it is meant to
        try:
            socket.socket(domain, socket.SOCK_STREAM).close()
        except PermissionError:
            continue
        except OSError as err:
            raise GuardUnavailable(f"a socket of family {domain!r} failed with {err} instead of EPERM") from None
        raise GuardUnavailable(f"the filter is in place, yet a socket of family {domain!r} still opens")


def install_no_network() -> bool:
    """Forbid Internet sockets in this process from now on; True when the filter is in place.

    False when it cannot be installed here (:func:`reason` says why); calling again after a success
    does nothing and returns True."""
    global _installed, _reason
    with _lock:
        if _installed:
            return True
        try:
            _install()
        except (GuardUnavailable, OSError, AttributeError) as err:
            _reason = str(err) or type(err).__name__
            return False
        _installed, _reason = True, None
        return True


def installed() -> bool:
    """Whether :func:`install_no_network` put the filter in place in this process."""
    return _installed


def reason() -> str | None:
    """Why the last :func:`install_no_network` installed nothing, or None."""
    return _reason
