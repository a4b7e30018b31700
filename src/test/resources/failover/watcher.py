"""The failover lab's long-lived connections: STREAMS watch streams (GET /watch) to VIP:PORT for DURATION seconds,
each reopened as soon as it ends, as a Kubernetes client re-opens its watches. Prints one line per stream that
ended: end time (epoch s), clean (1: its server ended it with the last chunk; 0: cut, reset or timed out),
backend name. Usage: watcher.py VIP PORT STREAMS DURATION"""
import socket
import ssl
import sys
import threading
import time

vip, port, streams, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
lock = threading.Lock()
ends = []
stop_at = time.time() + duration


def stream():
    while time.time() < stop_at:
        backend, data = "?", b""
        try:
            with socket.create_connection((vip, port), timeout=3) as raw:
                raw.settimeout(2)  # an event comes every 200 ms; 2 s of silence is a stream cut off
                with context.wrap_socket(raw) as s:
                    s.sendall(b"GET /watch HTTP/1.1\r\nHost: lab\r\n\r\n")
                    while time.time() < stop_at:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                        if b"X-Master: " in data and backend == "?":
                            backend = data.split(b"X-Master: ", 1)[1].split(b"\r\n", 1)[0].decode()
                        if data.endswith(b"\r\n0\r\n\r\n"):
                            break
                    else:
                        continue  # still open when the run ended: not an end
            clean = 1 if data.endswith(b"\r\n0\r\n\r\n") else 0
        except Exception:  # noqa: BLE001 - a reset or a timeout is a cut stream
            clean = 0
            time.sleep(0.1)
        with lock:
            ends.append((time.time(), clean, backend))


threads = [threading.Thread(target=stream) for _ in range(streams)]
for t in threads:
    t.start()
for t in threads:
    t.join(duration + 10)
for at, clean, backend in sorted(ends):
    print(f"{at:.3f} {clean} {backend}")
