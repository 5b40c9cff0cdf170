#!/usr/bin/env python3
"""The services of examples/local-ports and the commands that upgrade them.

Three tiny HTTP services on 127.0.0.1, each on a fixed TCP port (the stand-in
for a host port: only one process at a time can listen on it):

    web  ->  api  ->  db        (web depends on api, api on db)

Each answers GET /version ({"service", "version", "pid"}) and GET /healthz
(200 "ok", or 503 and why: a service is healthy only when its dependency is,
and a 2.x service needs its dependency at 2.x or later). Python 3 standard
library only.

    lp.py up VERSION              start every service at VERSION, dependencies
                                  first, each waited for
    lp.py down                    stop every instance this state dir knows
    lp.py status                  what answers on each port
    lp.py preflight SVC VERSION   the port answers SVC at VERSION
    lp.py start SVC VERSION       launch an instance, daemonised (own session,
                                  pid file); returns at once, like
                                  `systemctl start`; idempotent
    lp.py stop SVC VERSION        stop that instance by its pid file and wait
                                  until it is gone and the port is free;
                                  idempotent
    lp.py ready SVC VERSION       the port answers SVC at VERSION, healthy
                                  (waits up to 3 s while the instance runs);
                                  says why not
    lp.py health SVC VERSION      the same, once (a verify check)
    lp.py rollback SVC FROM TO    stop the TO instance, make sure FROM serves
    lp.py serve SVC VERSION PORT [DEP DEP_PORT]   the server itself

Environment:
    LP_DB_PORT, LP_API_PORT, LP_WEB_PORT   the ports (18431, 18432, 18433)
    LP_STATE     pid files and instance logs (default: a directory named
                 upgrade_core-local-ports-<uid> in the system's temporary
                 directory)
    LP_MARKERS   the markers file (default: $LP_STATE/markers)
    LP_LIFETIME  if set, a server exits by itself after this many seconds
                 (tests set it: nothing outlives a test killed by a timeout)
    LP_HOLD      COMPONENT/STEP, e.g. api/start-new: that command, after its
                 work, writes a "held" marker and waits until $LP_STATE/release
                 exists (a test kills `upgradectl run` there)

Run by `upgradectl run` (UPGRADE_COMPONENT set), every command appends one
line to the markers file when it has done its work:

    <component> <step> <attempt> <what it did> [detail]

e.g. "db start-new 1 launched pid=4242" or "api await-ready 1 not-ready".
"""

import errno
import json
import os
import signal
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request

# Service -> the service it depends on (None: nothing). Dependencies first.
SERVICES = {"db": None, "api": "db", "web": "api"}
DEFAULT_PORTS = {"db": 18431, "api": 18432, "web": 18433}


class Failure(Exception):
    """A command failed: the message is printed and the exit code is 1."""


def port_of(svc):
    value = os.environ.get(f"LP_{svc.upper()}_PORT", "")
    return int(value) if value else DEFAULT_PORTS[svc]


def state_dir():
    path = os.environ.get("LP_STATE") or os.path.join(
        tempfile.gettempdir(), f"upgrade_core-local-ports-{os.getuid()}")
    os.makedirs(path, exist_ok=True)
    return os.path.abspath(path)


def markers_path():
    return os.environ.get("LP_MARKERS") or os.path.join(state_dir(), "markers")


def pid_file(svc, version):
    return os.path.join(state_dir(), f"{svc}-{version}.pid")


def instance_log(svc, version):
    return os.path.join(state_dir(), f"{svc}-{version}.log")


def major(version):
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 0


# ---------------------------------------------------------------- markers


def mark(what):
    """Appends "<component> <step> <attempt> <what>" to the markers file when
    run by `upgradectl run`; then holds if LP_HOLD names this step."""
    component = os.environ.get("UPGRADE_COMPONENT")
    if not component:
        return
    step = os.environ.get("UPGRADE_STEP", "?")
    attempt = os.environ.get("UPGRADE_ATTEMPT", "?")
    write_marker(f"{component} {step} {attempt} {what}")
    if os.environ.get("LP_HOLD") == f"{component}/{step}":
        write_marker(f"{component} {step} {attempt} held pgid={os.getpgrp()}")
        print(f"holding until {os.path.join(state_dir(), 'release')} exists",
              flush=True)
        while not os.path.exists(os.path.join(state_dir(), "release")):
            time.sleep(0.05)


def write_marker(line):
    # One write(2) of a short line with O_APPEND: lines never interleave.
    fd = os.open(markers_path(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def read_markers(path):
    """The markers file as a list of (component, step, attempt, what...)."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [tuple(line.split()) for line in f if line.strip()]


# ---------------------------------------------------------------- processes


def read_pid(path):
    try:
        with open(path, encoding="utf-8") as f:
            return int(f.read().strip() or "0") or None
    except (OSError, ValueError):
        return None


def alive(pid, svc=None, version=None):
    """The process runs (not a zombie) and, where /proc tells, is the server
    `serve SVC VERSION`: a stale pid file never makes us signal a stranger."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # not ours
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return True  # no /proc: trust kill(0)
    if svc is None:
        return b"serve" in argv
    want = [b"serve", svc.encode(), version.encode()]
    return any(argv[i:i + 3] == want for i in range(len(argv)))


def port_free(port):
    """Nothing listens on 127.0.0.1:PORT (a server could bind it now)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_ports(n):
    """N distinct ports that are free now (the kernel's choice)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def get(port, path, timeout=1.0):
    """(status, body) of GET http://127.0.0.1:PORT/PATH, or (None, why)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}",
                                    timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return None, str(reason)


def probe(svc):
    """What answers on SVC's port: (version or None, healthy, words)."""
    port = port_of(svc)
    status, body = get(port, "/version")
    if status != 200:
        return None, False, f"127.0.0.1:{port} does not answer ({body})"
    try:
        info = json.loads(body)
    except ValueError:
        return None, False, f"127.0.0.1:{port} answers {body!r}"
    if info.get("service") != svc:
        return None, False, f"127.0.0.1:{port} answers {info.get('service')}"
    status, health = get(port, "/healthz", timeout=3.0)
    words = (f"127.0.0.1:{port} answers {svc} {info['version']} "
             f"(pid {info.get('pid')}), " +
             ("healthy" if status == 200 else f"unhealthy: {health.strip()}"))
    return info["version"], status == 200, words


def tail(path, lines=5):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()[-lines:]
    except OSError:
        return []


def launch(svc, version):
    """Starts `serve SVC VERSION` in a session of its own (so that the
    command's process group can be killed without it) and returns its pid."""
    dep = SERVICES[svc]
    argv = [sys.executable, os.path.abspath(__file__), "serve", svc, version,
            str(port_of(svc))]
    if dep:
        argv += [dep, str(port_of(dep))]
    log = open(instance_log(svc, version), "ab")
    try:
        import subprocess  # only the launcher needs it
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True)
    finally:
        log.close()
    tmp = pid_file(svc, version) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{proc.pid}\n")
    os.replace(tmp, pid_file(svc, version))
    return proc.pid  # never waited for: init (or a subreaper) reaps it


def terminate(pid, svc=None, version=None, grace=5.0):
    """SIGTERM to the server's group, SIGKILL after GRACE s; waits until it
    is gone."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)  # its session leader: pid == pgid
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not alive(pid, svc, version):
                return
            time.sleep(0.05)
    raise Failure(f"pid {pid} did not exit after SIGKILL")


def wait_ready(svc, version, seconds):
    deadline = time.monotonic() + seconds
    while True:
        answered, healthy, words = probe(svc)
        if answered == version and healthy:
            return True, words
        if time.monotonic() >= deadline:
            return False, words
        time.sleep(0.1)


# ---------------------------------------------------------------- commands


def cmd_start(svc, version):
    pid = read_pid(pid_file(svc, version))
    if pid and alive(pid, svc, version):
        print(f"{svc} {version} is already running (pid {pid}): nothing to do")
        mark(f"already-running pid={pid}")
        return
    pid = launch(svc, version)
    print(f"launched {svc} {version} on 127.0.0.1:{port_of(svc)} (pid {pid}, "
          f"log {instance_log(svc, version)})")
    mark(f"launched pid={pid}")


def cmd_stop(svc, version):
    path = pid_file(svc, version)
    pid = read_pid(path)
    if pid and alive(pid, svc, version):
        terminate(pid, svc, version)
        print(f"stopped {svc} {version} (pid {pid})")
        what = f"stopped pid={pid}"
    else:
        print(f"{svc} {version} is not running: nothing to stop")
        what = "not-running"
    if os.path.exists(path):
        os.remove(path)
    port = port_of(svc)
    deadline = time.monotonic() + 10
    while not port_free(port):
        if time.monotonic() > deadline:
            _, _, words = probe(svc)
            raise Failure(f"127.0.0.1:{port} is still in use: {words}")
        time.sleep(0.05)
    print(f"127.0.0.1:{port} is free")
    mark(what)


def cmd_preflight(svc, version):
    answered, _, words = probe(svc)
    print(words)
    if answered != version:
        mark("wrong-version")
        raise Failure(f"{svc}: expected {version} before the upgrade; {words}")
    mark("ok")


def explain_not_ready(svc, version, words):
    """Why VERSION does not answer: what does, and what its instance says."""
    lines = [f"{svc} {version} is not ready: {words}"]
    pid = read_pid(pid_file(svc, version))
    log = instance_log(svc, version)
    if pid is None:
        lines.append(f"no {svc} {version} instance was started")
        return lines
    if alive(pid, svc, version):
        lines.append(f"the {svc} {version} instance (pid {pid}) runs; the "
                     f"end of {log}:")
    else:
        lines.append(f"the {svc} {version} instance (pid {pid}) is not "
                     f"running; the end of {log}:")
    lines += ["  " + line for line in tail(log)]
    return lines


def cmd_ready(svc, version, wait=3.0):
    # Waits a little for a starting instance, not for one that exited.
    deadline = time.monotonic() + wait
    while True:
        answered, healthy, words = probe(svc)
        if answered == version and healthy:
            print(words)
            mark("ready")
            return
        pid = read_pid(pid_file(svc, version))
        if time.monotonic() >= deadline or not (pid and alive(pid, svc,
                                                              version)):
            break
        time.sleep(0.1)
    lines = explain_not_ready(svc, version, words)
    print("\n".join(lines))
    mark("not-ready")
    raise Failure("")  # said above


def cmd_health(svc, version):
    answered, healthy, words = probe(svc)
    print(words)
    if answered != version or not healthy:
        mark("unhealthy")
        raise Failure(f"{svc}: want {version}, healthy; {words}")
    mark("healthy")


def cmd_rollback(svc, old, new):
    done = []
    path = pid_file(svc, new)
    pid = read_pid(path)
    if pid and alive(pid, svc, new):
        terminate(pid, svc, new)
        done.append(f"stopped-{new}")
        print(f"stopped {svc} {new} (pid {pid})")
    if os.path.exists(path):
        os.remove(path)
    answered, _, words = probe(svc)
    if answered == old:
        print(f"{svc} {old} still serves: {words}")
    else:
        deadline = time.monotonic() + 10
        while not port_free(port_of(svc)):
            if time.monotonic() > deadline:
                raise Failure(f"cannot restore {svc} {old}: {words}")
            time.sleep(0.05)
        old_pid = read_pid(pid_file(svc, old))
        if not (old_pid and alive(old_pid, svc, old)):
            launch(svc, old)
            done.append(f"started-{old}")
        ok, words = wait_ready(svc, old, 10)
        print(words)
        if not ok:
            mark("failed")
            raise Failure(f"{svc} {old} did not come back: {words}")
    mark("rolled-back " + (",".join(done) or "nothing-to-undo"))


def cmd_up(version):
    for svc in SERVICES:
        cmd_start(svc, version)
        ok, words = wait_ready(svc, version, 10)
        print(words)
        if not ok:
            raise Failure(
                "\n".join(explain_not_ready(svc, version, words)))


def down(state):
    """Stops every server whose pid file is in STATE (SIGTERM, then SIGKILL);
    returns what it stopped. Safe to call more than once."""
    stopped = []
    if not os.path.isdir(state):
        return stopped
    for name in sorted(os.listdir(state)):
        if not name.endswith(".pid"):
            continue
        path = os.path.join(state, name)
        pid = read_pid(path)
        svc, _, version = name[:-len(".pid")].partition("-")
        if pid and alive(pid, svc, version):
            terminate(pid, svc, version, grace=2.0)
            stopped.append(f"{svc} {version} (pid {pid})")
        os.remove(path)
    return stopped


def cmd_down():
    for what in down(state_dir()):
        print(f"stopped {what}")


def cmd_status():
    for svc in SERVICES:
        print(f"{svc:4} {probe(svc)[2]}")


# ---------------------------------------------------------------- the server


def serve(svc, version, port, dep=None, dep_port=None):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    def health():
        if dep is None:
            return True, "ok"
        status, body = get(dep_port, "/healthz", timeout=2.0)
        if status != 200:
            return False, f"{dep} is not healthy: {body.strip()}"
        status, body = get(dep_port, "/version")
        dep_version = json.loads(body).get("version", "?") if status == 200 \
            else "?"
        if major(version) >= 2 and major(dep_version) < 2:
            return False, (f"{svc} {version} needs {dep} >= 2.0.0, "
                           f"{dep} answers {dep_version}")
        return True, f"ok ({dep} {dep_version})"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/version":
                code, body = 200, json.dumps(
                    {"service": svc, "version": version, "pid": os.getpid()})
            elif self.path == "/healthz":
                ok, why = health()
                code, body = (200 if ok else 503), why
            else:
                code, body = 404, "not found"
            data = (body + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            sys.stderr.write(f"{svc} {version}: {fmt % args}\n")

    ThreadingHTTPServer.daemon_threads = True
    try:
        # HTTPServer sets SO_REUSEADDR (a restart does not wait for
        # TIME_WAIT), never SO_REUSEPORT: a second listener on the port is
        # refused with EADDRINUSE, as a second pod on a host port is.
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as e:
        name = errno.errorcode.get(e.errno, "?")
        print(f"{svc} {version}: cannot listen on 127.0.0.1:{port}: {e} "
              f"({name})", file=sys.stderr, flush=True)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    lifetime = os.environ.get("LP_LIFETIME")
    if lifetime:
        signal.signal(signal.SIGALRM, lambda *_: sys.exit(0))
        signal.alarm(int(lifetime))
    print(f"{svc} {version}: listening on 127.0.0.1:{port} (pid "
          f"{os.getpid()})", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


COMMANDS = {
    "up": (cmd_up, 1), "down": (cmd_down, 0), "status": (cmd_status, 0),
    "preflight": (cmd_preflight, 2), "start": (cmd_start, 2),
    "stop": (cmd_stop, 2), "ready": (cmd_ready, 2), "health": (cmd_health, 2),
    "rollback": (cmd_rollback, 3),
}


def main(argv):
    if len(argv) >= 1 and argv[0] == "serve" and len(argv) in (4, 6):
        svc, version, port = argv[1], argv[2], int(argv[3])
        dep, dep_port = (argv[4], int(argv[5])) if len(argv) == 6 else (None,
                                                                        None)
        return serve(svc, version, port, dep, dep_port)
    if not argv or argv[0] not in COMMANDS or \
            len(argv) - 1 != COMMANDS[argv[0]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    func, nargs = COMMANDS[argv[0]]
    if argv[0] != "up" and nargs >= 2 and argv[1] not in SERVICES:
        print(f"lp.py: unknown service {argv[1]!r} (one of "
              f"{', '.join(SERVICES)})", file=sys.stderr)
        return 2
    try:
        func(*argv[1:])
    except Failure as e:
        if str(e):
            print(f"lp.py {argv[0]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
