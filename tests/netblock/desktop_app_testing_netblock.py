"""Make every socket connection to a non-loopback address raise, in this process."""

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


def block_network() -> None:
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        if not _allowed(address):
            raise NetworkBlocked(f"network access attempted during tests: {address!r}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _allowed(address):
            raise NetworkBlocked(f"network access attempted during tests: {address!r}")
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]


block_network()
