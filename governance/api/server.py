"""Running the app under uvicorn: one process, or N worker processes sharing one listening socket."""

from __future__ import annotations

import dataclasses
import os
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from governance.api.app import Settings
from governance.api.security import is_loopback

# What `gov serve` needs: the CLI reaches into the API through this module only (an import-linter contract).
__all__ = ["Settings", "TcpConfig", "is_loopback", "run"]


class TcpConfig(uvicorn.Config):
    """uvicorn's Config, with a shared listening socket that says it is TCP.

    uvicorn binds the workers' socket with `proto` 0; accepted connections inherit it and asyncio then
    skips TCP_NODELAY, so every keep-alive response waits ~40 ms for a delayed ACK (uvicorn issue
    #3149). Re-wrapping the same descriptor with IPPROTO_TCP restores NODELAY on every connection.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)
        return sock


def run(settings: Settings, *, host: str, port: int, workers: int = 1, log_level: str = "warning") -> None:
    """Serve until interrupted. Blocks."""
    settings = dataclasses.replace(settings, own_process=True)
    if workers <= 1:
        from governance.api.app import create_app

        uvicorn.run(create_app(settings=settings), host=host, port=port, log_level=log_level)
        return
    # Each worker imports the app itself (a factory), so the settings travel in the environment.
    os.environ.update(settings.to_env())
    config = TcpConfig(
        "governance.api.app:app_from_env", factory=True, host=host, port=port, workers=workers, log_level=log_level
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
