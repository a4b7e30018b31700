"""A stand-in API server for the failover lab: HTTPS on :PORT, GET /healthz, /readyz and /livez answer "ok", anything else names
the host that answered. Usage: apiserver.py NAME PORT CERT KEY"""
import http.server
import ssl
import sys

name, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


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
        body = b"ok" if self.path in ("/healthz", "/readyz", "/livez") else ("master=" + name).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Master", name)
        self.end_headers()
        self.wfile.write(body)

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
print("ready", flush=True)
server.serve_forever()
