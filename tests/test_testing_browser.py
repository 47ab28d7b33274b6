"""The test harness's server: it yields only once its own process serves the port. A health check
answered by another server on that port (one not yet gone, or one that took the port between two
servers of a test) once sent a browser test to a server that was not the app's."""

import http.server
import os
import socket
import threading

import pytest

import testing
from testing.browser import listening


def test_listening_names_the_process_that_holds_the_port():
    with socket.socket() as listener, socket.socket() as other:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        other.bind(("127.0.0.1", 0))  # bound, never listening
        assert listening(os.getpid(), port)
        assert not listening(os.getpid(), other.getsockname()[1])
        assert not listening(os.getppid(), port)  # another process
    assert not listening(os.getpid(), port)  # closed


class _AlwaysHealthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server API)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_a_server_whose_port_another_server_holds_does_not_start(tmp_path):
    impostor = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysHealthy)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    try:
        port = impostor.server_address[1]
        with pytest.raises(RuntimeError, match="did not start"), \
                testing.streamlit_server(testing.sample_db(), log=tmp_path / "server.log", port=port):
            pass
    finally:
        impostor.shutdown()
        impostor.server_close()
    assert f"Port {port} is not available" in (tmp_path / "server.log").read_text()  # ours gave up
