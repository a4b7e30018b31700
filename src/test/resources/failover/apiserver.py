"""A stand-in API server for the failover lab: HTTPS on :PORT, GET /healthz, /readyz and /livez answer "ok", GET /watch
streams an event every 200 ms (chunked) until the server stops, anything else names the host that answered.
Told to stop (SIGTERM), it stops as kube-apiserver does with --shutdown-delay-duration SHUTDOWN_DELAY
(kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/server/options/server_run_options.go): /readyz fails at
once while everything else is served as before; after the delay it stops listening, ends its watch streams cleanly
(the last chunk) and lets the requests under way finish (5 s at most). Usage: apiserver.py NAME PORT CERT KEY
[SHUTDOWN_DELAY]"""
import http.server
import signal
import ssl
import sys
import threading
import time

name, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
shutdown_delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
stopping = threading.Event()  # SIGTERM received: /readyz fails
closing = threading.Event()  # the delay is over: no more listening, watches end
active = [0]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        # The TLS handshake runs here, in the connection's own thread, as a real API server does it: done in
        # accept() it would let one stalled client (a connection cut off mid-handshake by a failover) block every
        # other connection to this server.
        self.request.settimeout(5)
        self.request.do_handshake()
        super().setup()

    def do_GET(self):
        with lock:
            active[0] += 1
        try:
            if self.path == "/watch":
                self.watch()
                return
            if self.path == "/readyz" and stopping.is_set():
                status, body = 503, b"shutting down"
            elif self.path in ("/healthz", "/readyz", "/livez"):
                status, body = 200, b"ok"
            else:
                status, body = 200, ("master=" + name).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Master", name)
            if closing.is_set():
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)
        finally:
            with lock:
                active[0] -= 1

    def watch(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Master", name)
        self.end_headers()
        self.request.settimeout(None)
        while not closing.wait(0.2):
            event = ("event from " + name + "\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")  # the server ends the stream: the client sees a complete response
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client gone mid-handshake is part of the experiment


server = Server(("0.0.0.0", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)


def stop_gracefully():
    stopping.set()
    time.sleep(shutdown_delay)
    closing.set()
    server.shutdown()


signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=stop_gracefully, daemon=True).start())
print("ready", flush=True)
server.serve_forever(poll_interval=0.05)  # stops listening at most 50 ms after the delay, as a Go server closes its listener
server.server_close()
deadline = time.time() + 5
while time.time() < deadline:
    with lock:
        if active[0] == 0:
            break
    time.sleep(0.05)
time.sleep(0.3)  # the last chunks on their way
