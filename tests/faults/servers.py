"""Small hostile HTTP servers and proxies on 127.0.0.1, for the fault matrix.

Each :class:`HostileServer` listens on an ephemeral loopback port and misbehaves in one way
(``mode``). Connections are served by daemon threads and every socket is closed by :meth:`close`,
so a test never leaves a thread or a port behind for longer than its own duration. Proxy modes
relay to a real lab node (``upstream`` port) and break the exchange at a chosen point.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from types import TracebackType


def _read_request(conn: socket.socket) -> bytes:
    """One HTTP request (headers and a Content-Length body), or b'' when the client went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or b"0")
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _rst(conn: socket.socket) -> None:
    """Close with a TCP RST (SO_LINGER 0) instead of a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class HostileServer:
    """A loopback server in one misbehaving ``mode``:

    * ``trickle``: answers ``HTTP/1.1 200 OK`` then an endless header, one byte every ``interval`` s;
    * ``stall``: full headers announcing a body, then silence;
    * ``reset``: reads the request, then resets the connection;
    * ``http500``: ``500`` with random bytes as the body;
    * ``garbage200``: ``200`` with a body that is not SOAP;
    * ``proxy_reset``: relays to ``upstream`` and resets the client instead of forwarding request ``n``;
    * ``proxy_slow``: relays to ``upstream`` but sends the answers back one byte every ``interval`` s;
    * ``proxy_hold``: relays to ``upstream``, but request ``n`` (counted per connection, from 1) is never
      forwarded and never answered: the client waits on an open connection (a node whose command hangs).
      Later connections are relayed the same way, so a Delete on a new connection gets through.
    """

    def __init__(self, mode: str, *, upstream: int | None = None, n: int = 0, interval: float = 0.2) -> None:
        self.mode = mode
        self.upstream = upstream
        self.n = n
        self.interval = interval
        self.requests = 0
        self.held = 0  # proxy_hold: requests held so far
        self.connections = 0  # accepted so far: lets a test wait until the client is really talking to us
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting and close every connection."""
        self._stop.set()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in [self._listener, *socks]:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _track(self, s: socket.socket) -> socket.socket:
        with self._lock:
            self._socks.append(s)
        return s

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._track(conn)
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            handler = getattr(self, f"_mode_{self.mode}")
            handler(conn)
        except OSError:
            pass

    # -- direct modes ------------------------------------------------------------------------------------

    def _mode_trickle(self, conn: socket.socket) -> None:
        if not _read_request(conn):
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not self._stop.wait(self.interval):
            conn.sendall(b"a")

    def _mode_stall(self, conn: socket.socket) -> None:
        if not _read_request(conn):
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: 5000\r\n\r\n<s:")
        self._stop.wait(60)

    def _mode_reset(self, conn: socket.socket) -> None:
        if _read_request(conn):
            _rst(conn)

    def _mode_http500(self, conn: socket.socket) -> None:
        while _read_request(conn):
            body = os.urandom(300)
            conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    def _mode_garbage200(self, conn: socket.socket) -> None:
        while _read_request(conn):
            body = b"hello, this is not SOAP at all \x00\x01"
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                         % len(body) + body)

    # -- proxy modes -------------------------------------------------------------------------------------

    def _mode_proxy_reset(self, conn: socket.socket) -> None:
        self._proxy(conn, slow=False)

    def _mode_proxy_slow(self, conn: socket.socket) -> None:
        self._proxy(conn, slow=True)

    def _mode_proxy_hold(self, conn: socket.socket) -> None:
        self._proxy(conn, slow=False)

    def _proxy(self, client: socket.socket, slow: bool) -> None:
        assert self.upstream is not None
        up = self._track(socket.create_connection(("127.0.0.1", self.upstream)))

        def back() -> None:
            try:
                while not self._stop.is_set():
                    data = up.recv(65536)
                    if not data:
                        break
                    if slow:
                        for i in range(len(data)):
                            if self._stop.wait(self.interval):
                                return
                            client.sendall(data[i : i + 1])
                    else:
                        client.sendall(data)
            except OSError:
                pass

        threading.Thread(target=back, daemon=True).start()
        on_this_connection = 0
        while not self._stop.is_set():
            request = _read_request(client)
            if not request:
                break
            with self._lock:
                self.requests += 1
                number = self.requests
            on_this_connection += 1
            if self.mode == "proxy_reset" and number >= self.n:
                _rst(client)
                return
            if self.mode == "proxy_hold" and on_this_connection == self.n:
                with self._lock:
                    self.held += 1
                self._stop.wait(600)
                return
            up.sendall(request)


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port

