"""The failover lab's client: one new TLS connection to VIP:PORT every INTERVAL seconds for DURATION seconds,
each in its own thread with a 3 s timeout. Prints one line per request: send time (epoch s), ok (1/0), latency
(s), backend name or error. Usage: client.py VIP PORT INTERVAL DURATION"""
import socket
import ssl
import sys
import threading
import time

vip, port, interval, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
lock = threading.Lock()
results = []


def request(sent):
    try:
        with socket.create_connection((vip, port), timeout=3) as raw:
            raw.settimeout(3)
            with context.wrap_socket(raw) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
                data = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
        body = data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace")
        ok, what = (1, body[len("master="):]) if body.startswith("master=") else (0, "bad-response")
    except Exception as e:  # noqa: BLE001 - every failure is a data point
        ok, what = 0, type(e).__name__
    with lock:
        results.append((sent, ok, time.time() - sent, what))


threads = []
start = time.time()
n = 0
while True:
    due = start + n * interval
    if due > start + duration:
        break
    delay = due - time.time()
    if delay > 0:
        time.sleep(delay)
    t = threading.Thread(target=request, args=(time.time(),))
    t.start()
    threads.append(t)
    n += 1
for t in threads:
    t.join(5)
for sent, ok, latency, what in sorted(results):
    print(f"{sent:.3f} {ok} {latency:.3f} {what}")
