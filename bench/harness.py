#!/usr/bin/env python3
"""The measurements behind bench/run (which installs, builds, then runs this).

Everything runs against 127.0.0.1 only, every load run is bounded in time
(wrk -d) and every wait has a deadline. Only processes this script starts
are stopped, by their pid.

    python3 bench/harness.py --build build-bench [--out bench/results/latest.json]

Environment: BENCH_DURATION (wrk -d, default 10s), BENCH_RUNS (runs per
headline comparison, default 3), BENCH_STARTS (start-up samples, default 11),
BENCH_SCALE_COUNT (generated fixtures, default 100000), BENCH_IDLE (idle
connections, default 200), BENCH_SKIP (comma list of: micro, variants, scale,
idle).
"""

import argparse
import datetime
import json
import os
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORKES_SEED = "65fc73fe-0586-11f1-8b8d-6219b54da7fe"
ORKES_UNKNOWN = "65fc73fe-0586-11f1-8b8d-6219b54da700"
MIB = 1024 * 1024

# Variant requests served by one all-variants taskmock (prefixed paths).
VARIANT_CASES = [
    ("conductor", "/conductor/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf", []),
    ("maxsight", "/maxsight/v5/tasks/497f6eca-6276-4993-bfeb-53cbbbba6f08", ["apikey: bench"]),
    ("oracle-bpm", "/oracle-bpm/bpm/api/4.0/tasks/215419", ["Authorization: Basic YmVuY2g6YmVuY2g="]),
    ("oracle-bpm expand=All", "/oracle-bpm/bpm/api/4.0/tasks/215419?expand=All&metadataFlag=true",
     ["Authorization: Basic YmVuY2g6YmVuY2g="]),
    ("cognigy", "/cognigy/new/v2.0/tasks/65004d5cae975381ca9a2cbd", ["X-API-Key: bench"]),
    ("cognigy xml", "/cognigy/new/v2.0/tasks/65004d5cae975381ca9a2cbd",
     ["X-API-Key: bench", "Accept: application/xml"]),
]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

class Processes:
    """The processes this run started; stopped by pid, never by name."""

    def __init__(self):
        self.started = []

    def spawn(self, args, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(args, **kwargs)
        self.started.append(process)
        return process

    @staticmethod
    def stop(process: subprocess.Popen, sig=signal.SIGTERM, grace=5.0) -> None:
        if process.poll() is not None:
            return
        try:
            process.send_signal(sig)
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)


PROCS = Processes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                out[key] = value.strip()
    except OSError:
        pass
    return out


def rss_mib(pid: int, key="VmRSS") -> float:
    value = proc_status(pid).get(key, "0 kB").split()[0]
    return int(value) / 1024


def threads(pid: int) -> int:
    return int(proc_status(pid).get("Threads", "0"))


def children(pid: int) -> list:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


# ---------------------------------------------------------------- HTTP probes

def http_get(port: int, path: str, headers=(), timeout=5.0):
    """One GET on a fresh connection: (status, body bytes, seconds)."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        request += "".join(h + "\r\n" for h in headers) + "\r\n"
        s.sendall(request.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body, time.perf_counter() - start


def curl(port: int, path: str, headers=(), max_time=30):
    """curl's view: (status, seconds total); status 0 on timeout or failure."""
    args = ["curl", "-s", "-o", "/dev/null", "--max-time", str(max_time), "-w", "%{http_code} %{time_total}"]
    for h in headers:
        args += ["-H", h]
    args.append(f"http://127.0.0.1:{port}{path}")
    result = subprocess.run(args, capture_output=True, text=True, timeout=max_time + 5)
    code, _, total = result.stdout.strip().partition(" ")
    return int(code or 0), float(total or 0)


def wait_first_200(port: int, path: str, process: subprocess.Popen, deadline_s: float, headers=()) -> float:
    """Polls until a 200; returns the moment (perf_counter) it arrived."""
    deadline = time.perf_counter() + deadline_s
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    request = (request + "".join(h + "\r\n" for h in headers) + "\r\n").encode()
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(request)
                head = s.recv(64)
                if head.startswith(b"HTTP/1.1 200"):
                    return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.0002)
    raise RuntimeError(f"no 200 from port {port} within {deadline_s}s")


# ---------------------------------------------------------------- servers

def start_taskmock(build: str, args, first_path: str, deadline_s=10.0):
    """Starts taskmock on a free port; returns (process, port, seconds to first 200)."""
    port = free_port()
    binary = os.path.join(build, "mock_server", "taskmock")
    start = time.perf_counter()
    process = PROCS.spawn([binary, "--port", str(port), "--quiet", *args],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        ready = wait_first_200(port, first_path, process, deadline_s)
    except RuntimeError as error:
        PROCS.stop(process)
        stderr = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
        raise RuntimeError(f"taskmock {' '.join(args)}: {error}\n{stderr}") from None
    return process, port, ready - start


def measure_startup(build: str, args, first_path: str, samples: int, deadline_s=10.0):
    times = []
    for _ in range(samples):
        process, _, seconds = start_taskmock(build, args, first_path, deadline_s)
        times.append(seconds * 1000)
        PROCS.stop(process)
    return summary(times)


def start_nginx(work: str, body: bytes):
    """nginx, one worker, own prefix under work/, serving body at the seed's path."""
    prefix = os.path.join(work, "nginx")
    www = os.path.join(prefix, "www")
    os.makedirs(os.path.join(www, "api", "tasks"), exist_ok=True)
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    with open(os.path.join(www, "api", "tasks", ORKES_SEED), "wb") as f:
        f.write(body)
    # Workers run as nobody when started as root: let them read the files.
    for path in (work, prefix, www, os.path.join(www, "api"), os.path.join(www, "api", "tasks")):
        os.chmod(path, 0o755)
    os.chmod(os.path.join(www, "api", "tasks", ORKES_SEED), 0o644)
    port = free_port()
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {www};
        location /api/tasks/ {{
            default_type application/json;
        }}
    }}
}}
""")
    start = time.perf_counter()
    process = PROCS.spawn(["nginx", "-p", prefix, "-c", conf, "-g", "daemon off;"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ready = wait_first_200(port, f"/api/tasks/{ORKES_SEED}", process, 10)
    return process, port, (ready - start) * 1000


def nginx_rss(process: subprocess.Popen) -> float:
    return sum(rss_mib(pid) for pid in [process.pid, *children(process.pid)])


# ---------------------------------------------------------------- kernel counters

TCP_COUNTERS = ("ListenOverflows", "TCPSynRetrans", "TCPTimeouts", "RetransSegs")


def tcp_counters() -> dict:
    """System-wide TCP counters (nstat's TcpExt*/Tcp*): a full listen queue
    shows as ListenOverflows and SYN retransmits, which cost 1 s or more."""
    out = {}
    for path in ("/proc/net/netstat", "/proc/net/snmp"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for names, values in zip(lines[::2], lines[1::2]):
            for name, value in zip(names.split()[1:], values.split()[1:]):
                if name in TCP_COUNTERS:
                    out[name] = int(value)
    return out


def counter_delta(before: dict, after: dict) -> dict:
    return {k: after.get(k, 0) - before.get(k, 0) for k in TCP_COUNTERS}


# ---------------------------------------------------------------- CPU used by others

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU time all cores spent busy since boot (/proc/stat, without idle and iowait)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def process_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0


def own_seconds() -> float:
    """CPU time of this harness and everything it started (servers, wrk, curl)."""
    import resource
    total = sum(getattr(resource.getrusage(who), "ru_utime") + getattr(resource.getrusage(who), "ru_stime")
                for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    for process in PROCS.started:
        if process.poll() is None:
            total += sum(process_seconds(pid) for pid in [process.pid, *children(process.pid)])
    return total


class OtherCpu:
    """Share of the machine's CPUs that processes this run did not start used
    between start() and percent(): the noise from other people's work.
    (Load average cannot tell: taskmock's own thread per connection counts in it.)"""

    def __init__(self):
        self.busy = busy_seconds()
        self.own = own_seconds()
        self.wall = time.perf_counter()

    def percent(self) -> float:
        wall = time.perf_counter() - self.wall
        other = (busy_seconds() - self.busy) - (own_seconds() - self.own)
        cpus = os.cpu_count() or 1
        return round(max(0.0, other) / (wall * cpus) * 100, 1) if wall > 0 else 0.0


# ---------------------------------------------------------------- wrk

UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * UNIT[match.group(2)]


def parse_wrk(output: str) -> dict:
    result = {"rps": 0.0, "p50_ms": None, "p99_ms": None, "requests": 0, "non_2xx_3xx": 0,
              "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0}}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(line.split()[1])
        elif line.startswith("50%"):
            result["p50_ms"] = to_ms(line.split()[1])
        elif line.startswith("99%"):
            result["p99_ms"] = to_ms(line.split()[1])
        elif "requests in" in line:
            result["requests"] = int(line.split()[0])
        elif line.startswith("Non-2xx or 3xx responses:"):
            result["non_2xx_3xx"] = int(line.split(":")[1])
        elif line.startswith("Socket errors:"):
            for key, value in re.findall(r"(connect|read|write|timeout) (\d+)", line):
                result["socket_errors"][key] = int(value)
    return result


def wrk(port: int, path: str, connections: int, duration: str, headers=(), script=None) -> dict:
    threads_ = 1 if connections == 1 else 2
    args = ["wrk", f"-t{threads_}", f"-c{connections}", f"-d{duration}", "--latency", "--timeout", "10s"]
    for h in headers:
        args += ["-H", h]
    if script:
        args += ["-s", script]
    args.append(f"http://127.0.0.1:{port}{path}")
    seconds = duration_seconds(duration)
    before = tcp_counters()
    other = OtherCpu()
    result = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr.strip()}")
    parsed = parse_wrk(result.stdout)
    parsed["tcp"] = counter_delta(before, tcp_counters())
    parsed["other_cpu_percent"] = other.percent()
    parsed["command"] = " ".join(args)
    return parsed


def duration_seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+)([smh]?)", text)
    if not match:
        raise ValueError(f"BENCH_DURATION must be like 10s, got {text!r}")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def summary(values) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0, "values": []}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values),
            "values": [round(v, 4) for v in values]}


def summarize_runs(runs: list) -> dict:
    return {
        "rps": summary([r["rps"] for r in runs]),
        "p50_ms": summary([r["p50_ms"] for r in runs]),
        "p99_ms": summary([r["p99_ms"] for r in runs]),
        "non_2xx_3xx": sum(r["non_2xx_3xx"] for r in runs),
        "socket_errors": {k: sum(r["socket_errors"][k] for r in runs) for k in ("connect", "read", "write", "timeout")},
        "tcp": {k: sum(r.get("tcp", {}).get(k, 0) for r in runs) for k in TCP_COUNTERS},
        "other_cpu_percent_max": max((r.get("other_cpu_percent", 0) for r in runs), default=0),
    }


# ---------------------------------------------------------------- idle connections

def idle_connections_test(port: int, path: str, count: int, setup_s: float, probe_max_s: int, headers=(),
                          probes_count=5) -> dict:
    """Opens count keep-alive connections that each send one request and then
    stay idle; then times a new client's request with curl while they are
    held open. Bounded: setup_s to open and get answers, probe_max_s for curl."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    request = (request + "".join(h + "\r\n" for h in headers) + "\r\n").encode()
    selector = selectors.DefaultSelector()
    sockets = []
    state = {}
    before = tcp_counters()
    started = time.perf_counter()
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sockets.append(s)
        state[s] = {"sent": False, "data": b"", "answered": None}
        selector.register(s, selectors.EVENT_WRITE)
    answered = 0
    deadline = started + setup_s
    while answered < count and time.perf_counter() < deadline:
        for key, events in selector.select(timeout=0.05):
            s = key.fileobj
            st = state[s]
            try:
                if events & selectors.EVENT_WRITE and not st["sent"]:
                    s.send(request)
                    st["sent"] = True
                    selector.modify(s, selectors.EVENT_READ)
                elif events & selectors.EVENT_READ:
                    chunk = s.recv(65536)
                    if not chunk:
                        selector.unregister(s)
                        st["closed"] = True
                        continue
                    st["data"] += chunk
                    head, sep, body = st["data"].partition(b"\r\n\r\n")
                    if sep:
                        length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                        if length and len(body) >= int(length.group(1)):
                            st["answered"] = time.perf_counter() - started
                            answered += 1
                            selector.unregister(s)
            except OSError:
                try:
                    selector.unregister(s)
                except (KeyError, ValueError):
                    pass
                st["closed"] = True
    setup_seconds = time.perf_counter() - started
    # The idle connections stay open (nothing more is sent) while a new client asks.
    time.sleep(0.2)
    still_open = sum(1 for s in sockets if not state[s].get("closed"))
    probes = []
    for _ in range(probes_count):
        status, seconds = curl(port, path, headers, max_time=probe_max_s)
        probes.append(seconds * 1000 if status == 200 else None)
        if status != 200:
            break
    answer_times = sorted(st["answered"] * 1000 for st in state.values() if st["answered"] is not None)
    tcp = counter_delta(before, tcp_counters())
    for s in sockets:
        s.close()
    selector.close()
    return {
        "idle_connections": count,
        "answered_within_setup": answered,
        "setup_seconds": round(setup_seconds, 3),
        "setup_limit_seconds": setup_s,
        "idle_answer_ms": {"p50": round(statistics.median(answer_times), 2) if answer_times else None,
                           "max": round(answer_times[-1], 2) if answer_times else None},
        "open_at_probe": still_open,
        "new_client_probes_ms": [None if p is None else round(p, 3) for p in probes],
        # The median of the probes; None when any probe was not served in time.
        "new_client_ms": None if None in probes else round(statistics.median(probes), 3),
        "new_client_max_ms": None if None in probes else round(max(probes), 3),
        "new_client_limit_s": probe_max_s,
        "tcp": tcp,
    }


# ---------------------------------------------------------------- micro-benchmarks

def run_micro(build: str, out_json: str) -> list:
    binary = os.path.join(build, "bench", "pipeline_bench")
    if not os.path.exists(binary):
        log("pipeline_bench not built; skipping micro-benchmarks")
        return []
    subprocess.run([binary, "--benchmark_format=json", f"--benchmark_out={out_json}", "--benchmark_out_format=json",
                    "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true",
                    "--benchmark_min_time=0.3"],
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    with open(out_json) as f:
        data = json.load(f)
    rows = []
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        rows.append({"name": b["run_name"], "real_time": b["real_time"], "cpu_time": b["cpu_time"],
                     "time_unit": b["time_unit"], "bytes_per_second": b.get("bytes_per_second"),
                     "counters": {k: v for k, v in b.items() if k in ("body_bytes", "fixtures", "fixture_bytes")}})
    return rows


# ---------------------------------------------------------------- metadata

def command_output(args) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def metadata(duration: str, runs: int) -> dict:
    model = ""
    for line in command_output(["lscpu"]).splitlines():
        if line.startswith("Model name"):
            model = line.split(":", 1)[1].strip()
    mem = ""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024} MiB"
    # The results file itself is tracked; rewriting it does not change what is measured.
    outputs = ":(exclude)bench/results"
    dirty = command_output(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", ".", outputs])
    diff_hash = ""
    if dirty:
        diff = subprocess.run(["git", "-C", ROOT, "diff", "HEAD", "--", ".", outputs], capture_output=True).stdout
        diff_hash = subprocess.run(["sha1sum"], input=diff, capture_output=True).stdout.decode().split()[0][:12]
    wrk_version = command_output(["sh", "-c", "wrk -v 2>&1 | head -1"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "nproc": int(command_output(["nproc"]) or 0),
        "cpu": model,
        "memory": mem,
        "kernel": command_output(["uname", "-r"]),
        "os": command_output(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "wrk": wrk_version.split(" Copyright")[0],
        "nginx": command_output(["sh", "-c", "nginx -v 2>&1"]).replace("nginx version: ", ""),
        "cpp_httplib": command_output(["dpkg-query", "-W", "-f=${Version}", "libcpp-httplib-dev"]),
        "compiler": command_output(["sh", "-c", "c++ --version | head -1"]),
        "commit": command_output(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"]),
        "tree": ("dirty (uncommitted changes to tracked files; git diff HEAD sha1 " + diff_hash + ")") if dirty else "clean",
        "changed_files": dirty.splitlines(),
        "load_average_at_start": os.getloadavg(),
        "duration": duration,
        "runs": runs,
    }


# ---------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "latest.json"))
    args = parser.parse_args()

    duration = os.environ.get("BENCH_DURATION", "10s")
    duration_seconds(duration)
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    starts = int(os.environ.get("BENCH_STARTS", "11"))
    scale_count = int(os.environ.get("BENCH_SCALE_COUNT", "100000"))
    idle_count = int(os.environ.get("BENCH_IDLE", "200"))
    skip = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
    build = os.path.abspath(args.build)

    work = tempfile.mkdtemp(prefix="taskmock-bench.")
    whole_run = OtherCpu()
    results = {"meta": metadata(duration, runs), "startup": {}, "rss": {}, "wrk": [], "idle": {}, "scale": {},
               "micro": [], "targets": []}
    try:
        run_all(build, work, results, duration, runs, starts, scale_count, idle_count, skip)
    finally:
        PROCS.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    results["meta"]["load_average_at_end"] = os.getloadavg()
    results["meta"]["other_cpu_percent"] = whole_run.percent()
    results["targets"] = evaluate(results)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(render_table(results))
    print(f"\nwritten: {os.path.relpath(args.out, ROOT)}")
    return 0


def run_all(build, work, results, duration, runs, starts, scale_count, idle_count, skip):
    seed_path = f"/api/tasks/{ORKES_SEED}"
    orkes_args = ["--variant", "orkes"]

    # 1. Start-up to first 200 (shipped fixtures), median of several starts.
    log(f"start-up: {starts} starts of taskmock --variant orkes, then all variants")
    results["startup"]["orkes_ms"] = measure_startup(build, orkes_args, seed_path, starts)
    results["startup"]["all_variants_ms"] = measure_startup(build, [], "/orkes" + seed_path, starts)

    # 2. The two servers of the headline comparison.
    taskmock, tm_port, _ = start_taskmock(build, orkes_args, seed_path)
    time.sleep(0.5)
    results["rss"]["taskmock_idle_mib"] = round(rss_mib(taskmock.pid), 2)
    results["rss"]["taskmock_idle_threads"] = threads(taskmock.pid)
    status, body, _ = http_get(tm_port, seed_path)
    if status != 200:
        raise RuntimeError(f"taskmock answered {status} for the seed")
    nginx, ng_port, nginx_start_ms = start_nginx(work, body)
    ng_status, ng_body, _ = http_get(ng_port, seed_path)
    if ng_status != 200 or ng_body != body:
        raise RuntimeError("nginx does not serve the same bytes as taskmock")
    results["startup"]["nginx_first_200_ms"] = round(nginx_start_ms, 3)
    results["rss"]["nginx_idle_mib"] = round(nginx_rss(nginx), 2)
    results["body_bytes"] = len(body)
    log(f"taskmock on :{tm_port}, nginx on :{ng_port}, body {len(body)} bytes")

    # Warm both up (not recorded).
    for port in (tm_port, ng_port):
        wrk(port, seed_path, 32, "2s")

    # 3. Headline: found task at c=32 and c=1, runs interleaved so drift hits both.
    for connections in (32, 1):
        per_server = {"taskmock": [], "nginx": []}
        for run in range(runs):
            for name, port in (("taskmock", tm_port), ("nginx", ng_port)):
                r = wrk(port, seed_path, connections, duration)
                per_server[name].append(r)
                log(f"found c={connections} run {run + 1}/{runs} {name}: {r['rps']:.0f} req/s "
                    f"p50 {r['p50_ms']:.3f} ms p99 {r['p99_ms']:.3f} ms (other CPU {r['other_cpu_percent']}%)")
        for name, rs in per_server.items():
            results["wrk"].append({"case": "orkes found", "server": name, "connections": connections,
                                   "runs": rs, **summarize_runs(rs)})

    # 4. Unknown id (taskmock's vendor 404; nginx's own 404), one run each.
    for connections in (32, 1):
        for name, port in (("taskmock", tm_port), ("nginx", ng_port)):
            r = wrk(port, f"/api/tasks/{ORKES_UNKNOWN}", connections, duration)
            results["wrk"].append({"case": "orkes unknown id (404)", "server": name, "connections": connections,
                                   "runs": [r], **summarize_runs([r])})
            log(f"unknown c={connections} {name}: {r['rps']:.0f} req/s p99 {r['p99_ms']:.3f} ms")

    results["rss"]["taskmock_after_load_mib"] = round(rss_mib(taskmock.pid), 2)
    results["rss"]["taskmock_peak_mib"] = round(rss_mib(taskmock.pid, "VmHWM"), 2)
    results["rss"]["taskmock_after_load_threads"] = threads(taskmock.pid)
    results["rss"]["nginx_after_load_mib"] = round(nginx_rss(nginx), 2)

    # 5. Each variant's found task, from one all-variants taskmock.
    if "variants" not in skip:
        allv, all_port, _ = start_taskmock(build, [], "/orkes" + seed_path)
        for case, path, headers in VARIANT_CASES:
            status, vbody, _ = http_get(all_port, path, headers)
            if status != 200:
                raise RuntimeError(f"{case}: taskmock answered {status} for {path}")
            for connections in (32, 1):
                r = wrk(all_port, path, connections, duration, headers)
                results["wrk"].append({"case": case, "server": "taskmock (all variants)", "connections": connections,
                                       "body_bytes": len(vbody), "runs": [r], **summarize_runs([r])})
                log(f"{case} c={connections}: {r['rps']:.0f} req/s p99 {r['p99_ms']:.3f} ms")
        PROCS.stop(allv)

    # 6. Many idle keep-alive connections, then a new client (taskmock, then nginx for reference).
    if "idle" not in skip:
        log(f"idle connections: {idle_count} on taskmock")
        idle_tm, idle_port, _ = start_taskmock(build, orkes_args, seed_path)
        results["idle"]["taskmock"] = idle_connections_test(idle_port, seed_path, idle_count, 20.0, 20)
        results["idle"]["taskmock"]["threads"] = threads(idle_tm.pid)
        PROCS.stop(idle_tm)
        log(f"idle connections: {idle_count} on nginx")
        results["idle"]["nginx"] = idle_connections_test(ng_port, seed_path, idle_count, 20.0, 20)
        log(f"idle: taskmock new client {results['idle']['taskmock']['new_client_ms']} ms, "
            f"nginx {results['idle']['nginx']['new_client_ms']} ms")

    # 7. Scale: generated fixtures.
    if "scale" not in skip:
        scale_dir = os.path.join(work, "scale")
        log(f"scale: generating {scale_count} fixtures")
        generated = json.loads(subprocess.run(
            [sys.executable, os.path.join(ROOT, "bench", "generate_fixtures.py"), scale_dir, "--count", str(scale_count)],
            check=True, capture_output=True, text=True, timeout=600).stdout)
        scale = {"count": generated["count"], "bytes": generated["bytes"]}
        conform = os.path.join(build, "conformance", "taskconform")
        if os.path.exists(conform):
            sample = [os.path.join(scale_dir, "orkes", f"task-{i:06d}.json")
                      for i in sorted({0, 1, 2, scale_count // 3, scale_count // 2, scale_count - 1})]
            check = subprocess.run([conform, "validate", "--variant", "orkes", *sample],
                                   capture_output=True, text=True, timeout=120)
            scale["sample_validated"] = len(sample)
            scale["sample_valid"] = check.returncode == 0
            if check.returncode != 0:
                raise RuntimeError("generated fixtures fail taskconform validate:\n" + check.stdout + check.stderr)
        scale_args = ["--fixtures", scale_dir, "--variant", "orkes"]
        scale_starts = []
        for i in range(max(1, min(runs, 3))):
            process, port, seconds = start_taskmock(build, scale_args, seed_path, deadline_s=120)
            scale_starts.append(seconds * 1000)
            if i + 1 < max(1, min(runs, 3)):
                PROCS.stop(process)
        scale["startup_ms"] = summary(scale_starts)
        time.sleep(0.5)
        scale["rss_idle_mib"] = round(rss_mib(process.pid), 2)
        scale["rss_limit_mib"] = round(2 * generated["bytes"] / MIB + 16, 2)
        scale_runs = []
        small_runs = []
        for run in range(runs):
            for name, port_ in (("small", tm_port), ("scale", port)):
                r = wrk(port_, seed_path, 32, duration)
                (small_runs if name == "small" else scale_runs).append(r)
                log(f"scale c=32 run {run + 1}/{runs} {name}: {r['rps']:.0f} req/s p99 {r['p99_ms']:.3f} ms")
        scale["wrk_c32"] = summarize_runs(scale_runs)
        scale["wrk_c32"]["runs"] = scale_runs
        scale["small_set_c32_same_window"] = summarize_runs(small_runs)
        scale["small_set_c32_same_window"]["runs"] = small_runs
        # Every request a different id across the whole set (cache-unfriendly).
        lua = os.path.join(work, "random_ids.lua")
        with open(lua, "w") as f:
            f.write(f"""math.randomseed(42)
request = function()
  local id = string.format("%08x", {0x65FC73FE} + math.random(0, {scale_count - 1}))
  return wrk.format("GET", "/api/tasks/" .. id .. "-0586-11f1-8b8d-6219b54da7fe")
end
""")
        r = wrk(port, seed_path, 32, duration, script=lua)
        scale["wrk_c32_random_ids"] = summarize_runs([r])
        scale["wrk_c32_random_ids"]["runs"] = [r]
        log(f"scale random ids c=32: {r['rps']:.0f} req/s, non-2xx {r['non_2xx_3xx']}")
        scale["rss_after_load_mib"] = round(rss_mib(process.pid), 2)
        scale["rss_peak_mib"] = round(rss_mib(process.pid, "VmHWM"), 2)
        PROCS.stop(process)
        shutil.rmtree(scale_dir, ignore_errors=True)
        results["scale"] = scale

    PROCS.stop(taskmock)
    PROCS.stop(nginx)

    # 8. Micro-benchmarks (no sockets), after the load so they do not share the CPUs with it.
    if "micro" not in skip:
        log("micro-benchmarks")
        other = OtherCpu()
        results["micro"] = run_micro(build, os.path.join(work, "micro.json"))
        results["micro_other_cpu_percent"] = other.percent()


# ---------------------------------------------------------------- evaluation and table

def find_case(results, case, server, connections):
    for row in results["wrk"]:
        if row["case"] == case and row["server"] == server and row["connections"] == connections:
            return row
    return None


def evaluate(results) -> list:
    targets = []

    def add(name, target, measured, met, detail=""):
        targets.append({"name": name, "target": target, "measured": measured, "met": met, "detail": detail})

    tm32 = find_case(results, "orkes found", "taskmock", 32)
    ng32 = find_case(results, "orkes found", "nginx", 32)
    tm1 = find_case(results, "orkes found", "taskmock", 1)
    ng1 = find_case(results, "orkes found", "nginx", 1)
    if tm32 and ng32:
        ratio = tm32["rps"]["median"] / ng32["rps"]["median"]
        add("throughput c=32", ">= 0.75 x nginx req/s", f"{ratio:.3f} x ({tm32['rps']['median']:.0f} vs "
            f"{ng32['rps']['median']:.0f} req/s)", ratio >= 0.75)
        ratio = tm32["p99_ms"]["median"] / ng32["p99_ms"]["median"]
        add("p99 c=32", "<= 2 x nginx p99", f"{ratio:.3f} x ({tm32['p99_ms']['median']:.3f} vs "
            f"{ng32['p99_ms']['median']:.3f} ms)", ratio <= 2)
    if tm1 and ng1:
        ratio = tm1["p50_ms"]["median"] / ng1["p50_ms"]["median"]
        add("p50 c=1", "<= 1.3 x nginx p50", f"{ratio:.3f} x ({tm1['p50_ms']['median']:.3f} vs "
            f"{ng1['p50_ms']['median']:.3f} ms)", ratio <= 1.3)
    startup = results["startup"].get("orkes_ms")
    if startup:
        add("start-up to first 200 (shipped fixtures)", "< 20 ms", f"{startup['median']:.1f} ms median",
            startup["median"] < 20)
    if "taskmock_idle_mib" in results["rss"]:
        idle = results["rss"]["taskmock_idle_mib"]
        add("RSS idle", "< 16 MiB", f"{idle:.1f} MiB", idle < 16)
    scale = results.get("scale") or {}
    if scale.get("startup_ms"):
        ms = scale["startup_ms"]["median"]
        add(f"{scale['count']} fixtures: start-up", "< 2 s", f"{ms / 1000:.2f} s", ms < 2000)
        add(f"{scale['count']} fixtures: RSS", f"< 2 x bytes + 16 MiB = {scale['rss_limit_mib']:.0f} MiB",
            f"{scale['rss_idle_mib']:.0f} MiB idle ({scale['rss_idle_mib'] / (scale['bytes'] / MIB):.2f} x "
            f"{scale['bytes'] / MIB:.0f} MiB on disk)", scale["rss_idle_mib"] < scale["rss_limit_mib"])
        small = scale["small_set_c32_same_window"]["rps"]["median"]
        big = scale["wrk_c32"]["rps"]["median"]
        change = big / small - 1
        add(f"{scale['count']} fixtures: req/s", "within 10% of the small set",
            f"{change * 100:+.1f}% ({big:.0f} vs {small:.0f} req/s, c=32, seed id)", abs(change) <= 0.10)
    idle = results.get("idle", {}).get("taskmock")
    if idle:
        ms = idle["new_client_ms"]
        ng = results["idle"].get("nginx", {}).get("new_client_ms")
        add(f"{idle['idle_connections']} idle keep-alive connections: new client", "served promptly (< 100 ms)",
            (f"{ms:.1f} ms median of {len(idle['new_client_probes_ms'])}" if ms is not None
             else f"not served within {idle['new_client_limit_s']} s") +
            (f" (nginx {ng:.1f} ms)" if ng is not None else "") +
            f"; {idle['open_at_probe']} idle connections open; the last of them was answered after "
            f"{fmt(idle['idle_answer_ms']['max'], 0)} ms", ms is not None and ms < 100)
        last = idle["idle_answer_ms"]["max"]
        everyone = idle["answered_within_setup"] == idle["idle_connections"]
        add(f"(added) burst of {idle['idle_connections']} simultaneous new connections",
            "every one answered within 1 s",
            f"{idle['answered_within_setup']}/{idle['idle_connections']} answered within "
            f"{idle['setup_limit_seconds']:.0f} s, the last after {fmt(last, 0)} ms; "
            f"{idle['tcp']['ListenOverflows']} listen-queue overflows, {idle['tcp']['TCPSynRetrans']} SYN retransmits",
            everyone and last is not None and last < 1000,
            "not in the issue: the idle clients are new clients too while they connect")
    return targets


def fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


def render_table(results) -> str:
    meta = results["meta"]
    lines = [f"taskmock benchmarks  {meta['date']}  commit {meta['commit']} ({meta['tree']})",
             f"{meta['nproc']} cores {meta['cpu']}, {meta['memory']}, kernel {meta['kernel']}; "
             f"{meta['wrk']}; nginx {meta['nginx']}; cpp-httplib {meta['cpp_httplib']}; "
             f"wrk -d{meta['duration']}, headline = median of {meta['runs']}; CPU used by other processes during "
             f"the run: {meta.get('other_cpu_percent', 0):.1f}% of {meta['nproc']} cores",
             "",
             f"{'case':<22} {'server':<23} {'c':>2} {'req/s':>6} {'min-max':>11} {'p50 ms':>6} {'p99 ms':>7} "
             f"{'min-max':>13} {'errors':>6} {'x nginx':>7} {'listen ovf':>10}"]
    for row in results["wrk"]:
        ng = find_case(results, row["case"], "nginx", row["connections"]) if row["server"] == "taskmock" else None
        ratio = f"{row['rps']['median'] / ng['rps']['median']:.2f}" if ng else ""
        errors = row["non_2xx_3xx"] if "404" not in row["case"] else 0
        errors += sum(row["socket_errors"].values())
        multi = row["rps"]["n"] > 1
        spread = f"{row['rps']['min']:.0f}-{row['rps']['max']:.0f}" if multi else ""
        p99_spread = f"{row['p99_ms']['min']:.2f}-{row['p99_ms']['max']:.2f}" if multi else ""
        case = row["case"].replace("orkes unknown id (404)", "orkes unknown (404)")
        server = row["server"]
        lines.append(f"{case:<22} {server:<23} {row['connections']:>2} {row['rps']['median']:>6.0f} {spread:>11} "
                     f"{fmt(row['p50_ms']['median'], 3):>6} {fmt(row['p99_ms']['median'], 2):>7} {p99_spread:>13} "
                     f"{errors:>6} {ratio:>7} {row.get('tcp', {}).get('ListenOverflows', 0):>10} "
                     f"{row.get('other_cpu_percent_max', 0):>6.1f}")
    s = results["startup"]
    lines.append("")
    if s:
        lines.append(f"start-up to first 200: --variant orkes {fmt(s['orkes_ms']['median'], 1)} ms "
                     f"({fmt(s['orkes_ms']['min'], 1)}-{fmt(s['orkes_ms']['max'], 1)}, n={s['orkes_ms']['n']}); "
                     f"all variants {fmt(s['all_variants_ms']['median'], 1)} ms; nginx {fmt(s.get('nginx_first_200_ms'), 1)} ms")
    r = results["rss"]
    if r:
        lines.append(f"RSS: taskmock idle {fmt(r.get('taskmock_idle_mib'), 1)} MiB ({r.get('taskmock_idle_threads')} threads), "
                     f"after load {fmt(r.get('taskmock_after_load_mib'), 1)} MiB, peak {fmt(r.get('taskmock_peak_mib'), 1)} MiB; "
                     f"nginx (master+worker) idle {fmt(r.get('nginx_idle_mib'), 1)} MiB, after load "
                     f"{fmt(r.get('nginx_after_load_mib'), 1)} MiB")
    sc = results.get("scale")
    if sc:
        lines.append(f"scale: {sc['count']} fixtures, {sc['bytes'] / MIB:.1f} MiB on disk; start-up "
                     f"{sc['startup_ms']['median'] / 1000:.2f} s (n={sc['startup_ms']['n']}); RSS idle "
                     f"{sc['rss_idle_mib']:.0f} MiB, after load {sc['rss_after_load_mib']:.0f} MiB (limit "
                     f"{sc['rss_limit_mib']:.0f}); c=32 {sc['wrk_c32']['rps']['median']:.0f} req/s vs small set "
                     f"{sc['small_set_c32_same_window']['rps']['median']:.0f} (same window); random ids "
                     f"{sc['wrk_c32_random_ids']['rps']['median']:.0f} req/s")
    for name, idle in (results.get("idle") or {}).items():
        probe = (f"{idle['new_client_ms']:.1f} ms median, {idle['new_client_max_ms']:.1f} ms max of "
                 f"{len(idle['new_client_probes_ms'])}" if idle["new_client_ms"] is not None
                 else f"NOT served within {idle['new_client_limit_s']} s")
        lines.append(f"idle {name}: {idle['answered_within_setup']}/{idle['idle_connections']} keep-alive clients "
                     f"answered (p50 {fmt(idle['idle_answer_ms']['p50'], 1)} ms, last {fmt(idle['idle_answer_ms']['max'], 1)} ms; "
                     f"listen overflows {idle['tcp']['ListenOverflows']}, SYN retransmits {idle['tcp']['TCPSynRetrans']}), "
                     f"{idle['open_at_probe']} held open; new client: {probe}")
    if results.get("micro"):
        lines.append("")
        lines.append(f"{'micro-benchmark (median of 3)':<32} {'time':>12} {'bytes/s':>12}   "
                     f"(other CPU {results.get('micro_other_cpu_percent', 0):.1f}%)")
        for m in results["micro"]:
            bps = m.get("bytes_per_second")
            lines.append(f"{m['name']:<32} {m['real_time']:>9.2f} {m['time_unit']:<2} "
                         f"{(bps / MIB if bps else 0):>9.1f} MiB/s")
    if results.get("targets"):
        lines.append("")
        lines.append("targets:")
        for t in results["targets"]:
            lines.append(f"  [{'MET ' if t['met'] else 'MISS'}] {t['name']}: {t['measured']}  (target {t['target']})")
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        PROCS.stop_all()
        sys.exit(130)
