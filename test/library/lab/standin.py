#!/usr/bin/env python3
"""Stand-ins for the guides' own services in the runbook library's end-to-end lab.

The guides' programs (the webctp gateway, the WebSocket data service, QCAT) are not software this
machine can install, so each is replaced by this small process that answers the endpoints and
writes the log lines the guide documents, and counts what was asked of it at GET /lab/state.
Everything else the runbooks touch is the real thing (PostgreSQL, Redis, supervisord, sshd).

  python3 main.py --config=./config/config_md.yaml --app_type=md   webctp (the guide's command line)
  websocket-server standin.py websocket --admin-port A --ws-port W  the WebSocket data service
  qcat standin.py qcat --port P                                    QCAT's HTTP API
  standin.py http --port P                                         any service answering /health
"""
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"requests": {}, "gc_calls": 0, "cleanups": 0, "resets": 0, "test_alerts": 0}
CONNECTIONS = []
HELD = []


def log(path, line):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(time.strftime("%Y-%m-%d %H:%M:%S") + " | " + line + "\n")


class Handler(BaseHTTPRequestHandler):
    routes = {}

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else (json.dumps(body) if ctype == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        path = self.path.split("?")[0]
        key = method + " " + path
        STATE["requests"][key] = STATE["requests"].get(key, 0) + 1
        if path == "/lab/state":
            return self.reply(200, dict(STATE, connections=len(CONNECTIONS)))
        fn = self.routes.get(key)
        if fn is None:
            return self.reply(404, {"error": "not found: " + key})
        status, body, *ctype = fn()
        self.reply(status, body, *(ctype or ["application/json"]))

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


def serve(port, routes):
    Handler.routes = routes
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.serve_forever()


def webctp(argv):
    config = next(a.split("=", 1)[1] for a in argv if a.startswith("--config="))
    app = next(a.split("=", 1)[1] for a in argv if a.startswith("--app_type="))
    text = open(config, encoding="utf-8").read()
    port = int(re.search(r"^Port:\s*(\d+)", text, re.M).group(1))
    logfile = os.path.join("logs", "webctp.log")
    try:
        Handler.routes = {"GET /health": lambda: (200, {"status": "ok", "app_type": app})}
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as e:
        log(logfile, "ERROR | [Errno %d] error while attempting to bind on address ('127.0.0.1', %d): %s" % (e.errno, port, e.strerror))
        sys.exit(1)
    log(logfile, "INFO | Application startup complete")
    log(logfile, "INFO | Uvicorn running on http://127.0.0.1:%d" % port)
    server.serve_forever()


def arg(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


def hold_ws_port(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    while True:
        conn, _ = listener.accept()
        HELD.append(conn)


def websocket(argv):
    admin = int(arg(argv, "--admin-port"))
    ws = int(arg(argv, "--ws-port"))
    seed = arg(argv, "--seed")
    if seed:
        CONNECTIONS.extend(json.load(open(seed, encoding="utf-8")))
    # A one-time leak: the marker file says "leak now"; it is removed, so a restart comes up clean.
    marker = arg(argv, "--leak-marker")
    if marker and os.path.exists(marker):
        os.remove(marker)
        for _ in range(int(arg(argv, "--leak-fds", "0"))):
            HELD.append(open(os.devnull))
    threading.Thread(target=hold_ws_port, args=(ws,), daemon=True).start()

    def cleanup():
        before = len(CONNECTIONS)
        CONNECTIONS[:] = [c for c in CONNECTIONS if c["idle_time"] <= 300]
        STATE["cleanups"] += 1
        return 200, {"cleaned": before - len(CONNECTIONS)}

    def gc():
        STATE["gc_calls"] += 1
        return 200, {"collected": 1234}

    stats = lambda: (200, {"connections": {"active_connections": len(CONNECTIONS), "max_connections": 2000},
                           "message_queue": {"size": 0}, "subscriptions": {"active": len(CONNECTIONS)}})
    serve(admin, {
        "GET /health": lambda: (200, {"status": "ok"}),
        "GET /stats": stats,
        "GET /config": lambda: (200, {"heartbeat": {"interval": 30, "timeout": 60}, "max_connections": 2000}),
        "GET /admin/effective-config": lambda: (200, {"max_connections": 2000, "log_level": "INFO"}),
        "GET /admin/connections": lambda: (200, CONNECTIONS),
        "POST /admin/cleanup-connections": cleanup,
        "POST /admin/gc": gc,
        "GET /admin/gc-stats": lambda: (200, {"collections": STATE["gc_calls"]}),
        "GET /admin/threads": lambda: (200, {"threads": threading.active_count()}),
        "GET /admin/datasource-status": lambda: (200, {"connected": True}),
        "GET /metrics": lambda: (200, "websocket_message_latency_seconds_sum 0.5\n", "text/plain"),
    })


def qcat(argv):
    port = int(arg(argv, "--port"))

    def reset():
        STATE["resets"] += 1
        return 200, {"reset": True}

    def test_alert():
        STATE["test_alerts"] += 1
        return 200, {"sent": True}

    metrics = "go_memstats_heap_inuse_bytes 123456\nrequest_duration_seconds_count 10\n"
    serve(port, {
        "GET /health": lambda: (200, {"status": "ok"}),
        "GET /metrics": lambda: (200, metrics, "text/plain"),
        "GET /api/v1/performance/baselines": lambda: (200, {"cpu": 0.3, "memory": 0.4}),
        "POST /api/v1/performance/reset": reset,
        "GET /api/v1/alerts/channels": lambda: (200, [{"name": "email", "ok": False}]),
        "POST /api/v1/alerts": test_alert,
    })


def http(argv):
    health_file = arg(argv, "--health-file")

    def health():
        # The QTE engine stand-in is healthy unless the release it runs is marked broken.
        if health_file and "broken" in open(health_file, encoding="utf-8").read():
            return 500, {"status": "release " + open(health_file, encoding="utf-8").read().strip() + " fails its checks"}
        return 200, {"status": "ok"}

    serve(int(arg(argv, "--port")), {"GET /health": health,
                                     "GET /api/health": lambda: (200, {"database": "ok"}),
                                     "GET /-/healthy": lambda: (200, "Prometheus is Healthy.", "text/plain")})


if __name__ == "__main__":
    args = sys.argv[1:]
    if any(a.startswith("--app_type=") for a in args):
        webctp(args)
    else:
        {"websocket": websocket, "qcat": qcat, "http": http}[args[0]](args[1:])
