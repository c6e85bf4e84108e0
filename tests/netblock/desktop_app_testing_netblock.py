"""Make every connection to a non-loopback address, and every name lookup, fail in this process.

Each attempt is also appended to the file named by DESKTOP_APP_NETLOG (when
set), so a test can prove that nothing even tried, whatever the library that
tried did with the error.
"""

import os
import socket

LOOPBACK = ("127.", "::1", "localhost")


class NetworkBlocked(OSError):
    pass


def _allowed(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if isinstance(address, tuple) and address:
        return str(address[0]).startswith(LOOPBACK)
    return False


def _refuse(what: str) -> None:
    log = os.environ.get("DESKTOP_APP_NETLOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(what + "\n")
    raise NetworkBlocked(f"network access attempted during tests: {what}")


def block_network() -> None:
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: object) -> None:
        if not _allowed(address):
            _refuse(f"connect {address!r}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _allowed(address):
            _refuse(f"connect {address!r}")
        return original_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if host and not _allowed((host,)):
            _refuse(f"name lookup {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


block_network()
