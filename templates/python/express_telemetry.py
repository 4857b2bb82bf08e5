"""Telemetry reporter for mod_wsgi modules older than 6.

mod_wsgi 6 sends telemetry itself (WSGITelemetryService). Older modules,
from 4.8 on, measure the same things but only hand them to Python code:
mod_wsgi.request_metrics() (per interval: requests, throughput, capacity,
CPU and memory, per-phase means and histograms) and
mod_wsgi.process_metrics() (cumulative: CPU time, requests, threads). This
module runs one daemon thread per process that reads them every interval
and sends datagrams in mod_wsgi 6's wire format to the ingester's UNIX
datagram socket, so mod_wsgi-express ingests both the same way.

Standard library only. Use:

    import express_telemetry
    express_telemetry.start("/path/to/telemetry.sock", interval=1.0)
    application = express_telemetry.instrument(application)  # optional

start() raises UnsupportedModule, naming the version, for a module older
than 4.8. instrument() adds what 4.x does not measure: responses by status
class, and slow requests (with slow_threshold > 0).
"""

import atexit
import collections
import os
import platform
import socket
import struct
import sys
import threading
import time

__all__ = ["start", "instrument", "Reporter", "UnsupportedModule", "encode"]

MINIMUM_VERSION = (4, 8)

# Wire format (mod_wsgi 6 wsgi_telemetry.h): a 24-byte little-endian header
# (magic, version, kind, flags, pid, seq, stamp) then TLV records (id u16,
# type u8, [count u16], value).
MAGIC = b"WSGI"
WIRE_VERSION = 1
_HEADER = struct.Struct("<4sBBHIId")
_RECORD = struct.Struct("<HB")

KIND_REQUEST = 2
KIND_SLOW_REQUEST = 4
KIND_PROCESS_STARTED = 5
KIND_PROCESS_STOPPING = 6
KIND_PROCESS_STOPPED = 7

T_U64, T_F64, T_I64, T_BYTES, T_I32_ARRAY, T_F64_ARRAY = 1, 2, 3, 4, 5, 6

F_MOD_WSGI_VERSION = 1
F_PYTHON_VERSION = 2
F_HOSTNAME = 5
F_PROCESS_GROUP = 6
F_PARENT_PID = 7
F_SAMPLE_PERIOD = 10
F_TELEMETRY_INTERVAL = 11
F_SLOW_REQUESTS_THRESHOLD = 12
F_REQUEST_COUNT = 20
F_REQUEST_THROUGHPUT = 21
F_CAPACITY_UTILIZATION = 22
F_CPU_USER_UTILIZATION = 30
F_CPU_SYSTEM_UTILIZATION = 31
F_CPU_UTILIZATION = 32
F_CPU_USER_TIME = 35
F_CPU_SYSTEM_TIME = 36
F_CPU_TIME = 37
F_MEMORY_RSS = 40
F_MEMORY_MAX_RSS = 41
F_THREADS_MAXIMUM = 50
F_THREADS_STARTED = 51
F_THREADS_ACTIVE = 52
F_PHASE_MEAN = 60      # + phase index: server, queue, daemon, application, request
F_PHASE_BUCKETS = 90   # + phase index
F_SLOT_COMPLETED = 110
F_STATUS_CLASS = 120   # + 0..4 for 1xx..5xx
F_SHUTDOWN_REASON = 130
F_PROCESS_UPTIME = 131
F_LIFETIME_REQUEST_COUNT = 132
F_ACTIVE_REQUESTS_AT_STOP = 133
F_ACTIVE_REQUESTS_AT_EXIT = 134
F_SLOW_STATE = 200
F_SLOW_START_STAMP = 201
F_SLOW_DURATION = 202
F_SLOW_THREAD_ID = 203
F_SLOW_LOG_ID = 204
F_SLOW_METHOD = 210
F_SLOW_SCHEME = 211
F_SLOW_HOSTNAME = 212
F_SLOW_SCRIPT_NAME = 213
F_SLOW_PATH_INFO = 214
F_SLOW_PROTOCOL = 215
F_SLOW_PEER_IP = 216
F_SLOW_APPLICATION_TIME = 223
F_SLOW_STATUS = 240
# Not mod_wsgi's: 1 marks histograms converted from 4.x's 16 buckets.
F_EXPRESS_BUCKET_RESOLUTION = 0xF000

PHASES = ("server", "queue", "daemon", "application")
BUCKET_COUNT = 65          # mod_wsgi 6: 16 octaves from 1 ms, 4 per octave, + overflow
LEGACY_BUCKET_COUNT = 16   # mod_wsgi 4.x: <= 5 ms * 2**k for k < 14, then over


class UnsupportedModule(RuntimeError):
    """The mod_wsgi module cannot report telemetry."""


def module_version(module):
    version = getattr(module, "version", None)
    if not isinstance(version, tuple):
        return None
    return version


def check_module(module):
    """Raise UnsupportedModule unless module (mod_wsgi) has the metrics
    functions this reporter reads."""
    version = module_version(module)
    shown = ".".join(str(v) for v in version) if version else "of unknown version"
    if version is None or tuple(version[:2]) < MINIMUM_VERSION or \
            not hasattr(module, "request_metrics") or \
            not hasattr(module, "process_metrics"):
        raise UnsupportedModule(
            "mod_wsgi %s cannot report telemetry: it needs "
            "mod_wsgi.request_metrics() and process_metrics(), added in "
            "mod_wsgi %d.%d; upgrade mod_wsgi" % ((shown,) + MINIMUM_VERSION))


# Encoding.

def encode(kind, pid, seq, stamp, records):
    """One datagram: records is a list of (field_id, type, value)."""
    out = [_HEADER.pack(MAGIC, WIRE_VERSION, kind, 0, pid & 0xFFFFFFFF,
                        seq & 0xFFFFFFFF, float(stamp))]
    for fid, ftype, value in records:
        out.append(_RECORD.pack(fid, ftype))
        if ftype == T_U64:
            out.append(struct.pack("<Q", max(0, int(value))))
        elif ftype == T_F64:
            out.append(struct.pack("<d", float(value)))
        elif ftype == T_I64:
            out.append(struct.pack("<q", int(value)))
        elif ftype == T_BYTES:
            data = value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
            data = data[:0xFFFF]
            out.append(struct.pack("<H", len(data)) + data)
        elif ftype == T_I32_ARRAY:
            values = [max(-2**31, min(2**31 - 1, int(v))) for v in value[:0xFFFF]]
            out.append(struct.pack("<H%di" % len(values), len(values), *values))
        elif ftype == T_F64_ARRAY:
            values = [float(v) for v in value[:0xFFFF]]
            out.append(struct.pack("<H%dd" % len(values), len(values), *values))
        else:
            raise ValueError("unknown record type %r" % (ftype,))
    return b"".join(out)


def convert_buckets(counts):
    """A phase histogram in the 65-bucket layout, and whether it came from
    4.x's 16 buckets (each moved to the 65-bucket layout's bucket ending at
    the same bound: 5 ms * 2**k is the end of bucket 4k + 8)."""
    counts = list(counts)
    if len(counts) == BUCKET_COUNT:
        return counts, False
    out = [0] * BUCKET_COUNT
    for k, c in enumerate(counts):
        out[4 * k + 8 if k < 14 else BUCKET_COUNT - 1] += int(c)
    return out, True


def _num(d, key):
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def identity_records(identity):
    records = []
    for fid, key in ((F_MOD_WSGI_VERSION, "mod_wsgi_version"),
                     (F_PYTHON_VERSION, "python_version"),
                     (F_HOSTNAME, "hostname"),
                     (F_PROCESS_GROUP, "process_group")):
        if identity.get(key):
            records.append((fid, T_BYTES, identity[key]))
    if identity.get("parent_pid"):
        records.append((F_PARENT_PID, T_U64, identity["parent_pid"]))
    return records


def sample_records(rm, pm, identity, interval, slow_threshold=0.0, statuses=None):
    """The records of one periodic (KIND_REQUEST) datagram, from a
    request_metrics() dict rm and a process_metrics() dict pm. statuses,
    when instrument() counts them, is [1xx, 2xx, 3xx, 4xx, 5xx]."""
    records = identity_records(identity)
    records.append((F_TELEMETRY_INTERVAL, T_F64, interval))
    records.append((F_SLOW_REQUESTS_THRESHOLD, T_F64, slow_threshold))
    floats = ((F_SAMPLE_PERIOD, "sample_period"),
              (F_REQUEST_THROUGHPUT, "request_throughput"),
              (F_CAPACITY_UTILIZATION, "capacity_utilization"),
              # In request_metrics() these are rates (seconds per second).
              (F_CPU_USER_UTILIZATION, "cpu_user_time"),
              (F_CPU_SYSTEM_UTILIZATION, "cpu_system_time"))
    for fid, key in floats:
        value = _num(rm, key)
        if value is not None:
            records.append((fid, T_F64, value))
    user, system = _num(rm, "cpu_user_time"), _num(rm, "cpu_system_time")
    if user is not None and system is not None:
        records.append((F_CPU_UTILIZATION, T_F64, user + system))
    counts = ((F_REQUEST_COUNT, "request_count"), (F_MEMORY_RSS, "memory_rss"),
              (F_MEMORY_MAX_RSS, "memory_max_rss"),
              (F_THREADS_MAXIMUM, "request_threads_maximum"),
              (F_THREADS_STARTED, "request_threads_started"),
              (F_THREADS_ACTIVE, "request_threads_active"))
    for fid, key in counts:
        value = _num(rm, key)
        if value is not None:
            records.append((fid, T_U64, value))
    # In process_metrics() CPU times are cumulative seconds.
    user, system = _num(pm, "cpu_user_time"), _num(pm, "cpu_system_time")
    if user is not None and system is not None:
        records.append((F_CPU_USER_TIME, T_F64, user))
        records.append((F_CPU_SYSTEM_TIME, T_F64, system))
        records.append((F_CPU_TIME, T_F64, user + system))

    # Per-phase means and histograms. Queue and daemon times are None in
    # embedded mode. The request phase (their sum, per request) has a
    # mean (the sum of the means) but no histogram in 4.x.
    coarse = False
    total_mean = 0.0
    for index, phase in enumerate(PHASES):
        mean = _num(rm, phase + "_time")
        if mean is None:
            continue
        total_mean += mean
        records.append((F_PHASE_MEAN + index, T_F64, mean))
        buckets = rm.get(phase + "_time_buckets")
        if isinstance(buckets, (list, tuple)) and len(buckets) in (BUCKET_COUNT, LEGACY_BUCKET_COUNT):
            buckets, legacy = convert_buckets(buckets)
            coarse = coarse or legacy
            records.append((F_PHASE_BUCKETS + index, T_I32_ARRAY, buckets))
    if _num(rm, "server_time") is not None:
        records.append((F_PHASE_MEAN + 4, T_F64, total_mean))
    if coarse:
        records.append((F_EXPRESS_BUCKET_RESOLUTION, T_U64, 1))
    threads = rm.get("request_threads_buckets")
    if isinstance(threads, (list, tuple)):
        records.append((F_SLOT_COMPLETED, T_I32_ARRAY, list(threads)))
    if statuses is not None:
        for index, count in enumerate(statuses):
            records.append((F_STATUS_CLASS + index, T_U64, count))
    return records


def slow_records(record):
    """The records of one KIND_SLOW_REQUEST datagram from a _Tracker
    record dict."""
    records = [(F_SLOW_STATE, T_U64, 1 if record["completed"] else 0),
               (F_SLOW_START_STAMP, T_F64, record["start"]),
               (F_SLOW_DURATION, T_F64, record["duration"]),
               (F_SLOW_THREAD_ID, T_U64, record["thread"]),
               (F_SLOW_APPLICATION_TIME, T_F64, record["duration"]),
               (F_SLOW_STATUS, T_U64, record["status"])]
    for fid, key in ((F_SLOW_LOG_ID, "log_id"), (F_SLOW_METHOD, "method"),
                     (F_SLOW_SCHEME, "scheme"), (F_SLOW_HOSTNAME, "host"),
                     (F_SLOW_SCRIPT_NAME, "script_name"),
                     (F_SLOW_PATH_INFO, "path_info"),
                     (F_SLOW_PROTOCOL, "protocol"), (F_SLOW_PEER_IP, "peer_ip")):
        if record.get(key):
            records.append((fid, T_BYTES, record[key]))
    return records


# Per-request accounting for instrument().

class _Tracker:
    """Counts responses by status class and remembers requests running past
    the slow threshold. Shared by every request thread of the process.

    A request only appends its status line to a deque (atomic, no lock:
    request threads never wait for each other here); the reporter thread
    classifies them once per interval. The deque is bounded so that a
    process whose reporter has gone cannot grow without end."""

    MAX_COMPLETED = 64
    MAX_PENDING = 1 << 20

    def __init__(self, clock=time.time):
        self.clock = clock
        self.lock = threading.Lock()  # the slow-request bookkeeping only
        self.done = collections.deque(maxlen=self.MAX_PENDING)
        self.counted = False
        self.threshold = 0.0
        self.running = {}
        self.completed = []
        self.next_token = 0

    def begin(self, environ):
        now = self.clock()
        with self.lock:
            self.next_token += 1
            token = self.next_token
            self.running[token] = {
                "start": now, "environ": environ,
                "thread": environ.get("mod_wsgi.thread_id") or threading.get_ident() & 0xFFFF}
        return token, now

    def end(self, token, status):
        """Counts a response begun with a slow threshold (status is its
        status line, or 0 for none) and keeps it when it was slow."""
        self.done.append(status)
        token, start = token
        now = self.clock()
        with self.lock:
            running = self.running.pop(token, None)
            if running is not None and now - start > self.threshold and \
                    len(self.completed) < self.MAX_COMPLETED:
                self.completed.append(_slow_record(running, now, _status_code(status), True))

    def drain(self):
        """Counts since the last drain (None while no instrumented request
        has finished yet), and the slow records to send: completed ones,
        then those still running past the threshold."""
        statuses = [0] * 5
        popleft = self.done.popleft
        try:
            while True:
                code = _status_code(popleft())
                statuses[code // 100 - 1 if 100 <= code <= 599 else 4] += 1  # no status: 5xx
                self.counted = True
        except IndexError:
            pass
        now = self.clock()
        with self.lock:
            slow, self.completed = self.completed, []
            for running in self.running.values():
                if now - running["start"] > self.threshold:
                    slow.append(_slow_record(running, now, 0, False))
        return (statuses if self.counted else None), slow


def _status_code(status_line):
    """The code of a WSGI status line ("200 OK" -> 200); 0 for anything
    else."""
    code = str(status_line)[:3]
    return int(code) if code.isdigit() else 0


def _slow_record(running, now, status, completed):
    environ = running["environ"]
    return {"start": running["start"], "duration": now - running["start"],
            "completed": completed, "status": status, "thread": running["thread"],
            "log_id": environ.get("mod_wsgi.request_id", ""),
            "method": environ.get("REQUEST_METHOD", ""),
            "scheme": environ.get("wsgi.url_scheme", ""),
            "host": environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
            "script_name": environ.get("SCRIPT_NAME", ""),
            "path_info": environ.get("PATH_INFO", ""),
            "protocol": environ.get("SERVER_PROTOCOL", ""),
            "peer_ip": environ.get("REMOTE_ADDR", "")}


_tracker = _Tracker()


class _Response:
    """The application's response iterable, calling done once closed."""

    def __init__(self, result, done):
        self.result = result
        self.done = done

    def __iter__(self):
        return iter(self.result)

    def close(self):
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


def instrument(application):
    """Wrap a WSGI application so this process's reporter also sends
    responses by status class and slow requests."""
    tracker = _tracker
    record = tracker.done.append

    def instrumented(environ, start_response):
        if tracker.threshold > 0:
            return _instrumented_slow(application, tracker, environ, start_response)
        # The common case, kept short: remember the last status line and
        # append it once the response is done.
        status = [0]

        def recording_start_response(status_line, headers, *exc_info):
            status[0] = status_line
            return start_response(status_line, headers, *exc_info)

        try:
            result = application(environ, recording_start_response)
        except BaseException:
            record(0)
            raise
        if type(result) is list or _is_ready(result, environ):
            record(status[0])
            return result
        return _Response(result, lambda: record(status[0]))

    return instrumented


def _is_ready(result, environ):
    """Whether the body is ready (a list) or mod_wsgi sends a file itself:
    then the response is counted now and the result returned as it is, so
    mod_wsgi still sets Content-Length for a one-item list and uses
    sendfile."""
    if isinstance(result, (list, tuple)):
        return True
    file_wrapper = environ.get("wsgi.file_wrapper")
    return isinstance(file_wrapper, type) and isinstance(result, file_wrapper)


def _instrumented_slow(application, tracker, environ, start_response):
    """instrument()'s request with a slow threshold: also remembered while
    it runs."""
    token = tracker.begin(environ)
    status = [0]

    def recording_start_response(status_line, headers, *exc_info):
        status[0] = status_line
        return start_response(status_line, headers, *exc_info)

    try:
        result = application(environ, recording_start_response)
    except BaseException:
        tracker.end(token, 0)
        raise
    if _is_ready(result, environ):
        tracker.end(token, status[0])
        return result
    return _Response(result, lambda: tracker.end(token, status[0]))


# The reporter.

class Reporter:
    """Sends this process's metrics to an ingester every interval."""

    # mod_wsgi calls the shutdown callback (process_stopping) before it
    # lets the requests still running finish, and a worker thread may
    # even accept one more meanwhile: the final interval is sent at exit
    # (atexit: mod_wsgi runs it once the request threads are done), so
    # that it counts every request the process served. Should exit not
    # come (a request outlasting the wait, interpreters not destroyed),
    # it is sent this long after the callback: before mod_wsgi-express's
    # default --shutdown-timeout (5 s), after which the process is killed.
    EXIT_WAIT = 3.0

    def __init__(self, path, interval=1.0, slow_threshold=0.0, module=None,
                 tracker=None, clock=time.time, exit_wait=None):
        if module is None:
            import mod_wsgi as module  # only importable inside mod_wsgi
        check_module(module)
        self.path = path
        self.interval = max(0.1, float(interval))
        self.slow_threshold = max(0.0, float(slow_threshold))
        self.module = module
        self.tracker = tracker if tracker is not None else _tracker
        self.tracker.threshold = self.slow_threshold
        self.clock = clock
        self.pid = os.getpid()
        self.seq = 0
        self.started = clock()
        self.send_errors = 0
        self.exit_wait = self.EXIT_WAIT if exit_wait is None else max(0.0, float(exit_wait))
        self.stopping = False
        self.shutdown_reason = None  # set by the shutdown callback
        self.stopped = threading.Event()
        self.lock = threading.RLock()  # one sender at a time: seq stays in order
        self.thread = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        version = module_version(module) or ()
        self.identity = {
            "mod_wsgi_version": ".".join(str(v) for v in version),
            "python_version": platform.python_version(),
            "hostname": socket.gethostname(),
            "process_group": getattr(module, "process_group", "") or "",
            "parent_pid": os.getppid(),
        }

    def send(self, kind, records, stamp=None):
        with self.lock:
            self.seq += 1
            data = encode(kind, self.pid, self.seq, self.clock() if stamp is None else stamp,
                          records)
            try:
                self.sock.sendto(data, self.path)
            except OSError:
                # No ingester yet, or its queue is full: drop, as mod_wsgi
                # does.
                self.send_errors += 1

    def start(self):
        # mod_wsgi 6 only records once asked to; 4.x starts on the first call.
        start_recording = getattr(self.module, "start_recording_metrics", None)
        if start_recording is not None:
            start_recording()
        self.module.request_metrics()  # seeds the first interval
        self.send(KIND_PROCESS_STARTED, identity_records(self.identity), stamp=self.started)
        subscribe = getattr(self.module, "subscribe_shutdown", None)
        if subscribe is not None:
            subscribe(self._on_shutdown)
        atexit.register(self._at_exit)
        self.thread = threading.Thread(target=self._run, name="mod_wsgi-express telemetry",
                                       daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self.stopped.wait(self.interval):
            if os.getpid() != self.pid:
                return  # a forked copy: its own reporter starts there
            try:
                self.tick()
            except Exception as exc:  # never take the process down
                sys.stderr.write("mod_wsgi-express telemetry: %s: %s\n" % (type(exc).__name__, exc))
                sys.stderr.flush()
                self.stopped.wait(10 * self.interval)

    def tick(self):
        with self.lock:
            rm = self.module.request_metrics()
            if not rm:
                return
            pm = self.module.process_metrics() or {}
            statuses, slow = self.tracker.drain()
            self.send(KIND_REQUEST, sample_records(rm, pm, self.identity, self.interval,
                                                   self.slow_threshold, statuses))
            for record in slow:
                self.send(KIND_SLOW_REQUEST, slow_records(record))

    def _on_shutdown(self, *args, **kwargs):
        """mod_wsgi's process_stopping: requests may still run. STOPPING
        says so now, as mod_wsgi 6 does (the ingester gives the process's
        slot to its replacement and shows the requests in flight); the
        final interval waits for exit, or at most exit_wait."""
        with self.lock:
            if self.shutdown_reason is not None or self.stopping:
                return
            self.shutdown_reason = kwargs.get("shutdown_reason") or ""
            try:
                self._stopping(self.shutdown_reason)
            except Exception:  # never in the way of the process's stop
                pass
        threading.Thread(target=self._exit_fallback, name="mod_wsgi-express telemetry stop",
                         daemon=True).start()

    def _exit_fallback(self):
        if not self.stopped.wait(self.exit_wait):
            self.stop(self.shutdown_reason or "")

    def _at_exit(self):
        if os.getpid() == self.pid:  # not a forked copy's exit
            self.stop(self.shutdown_reason or "")

    def stop(self, reason=""):
        """Send the final interval and a STOPPED datagram, then stop."""
        with self.lock:
            if self.stopping:
                return
            self.stopping = True
            self.stopped.set()
            self._final(reason)
        atexit.unregister(self._at_exit)

    def _stop_records(self, reason):
        """What STOPPING and STOPPED both carry."""
        records = identity_records({k: self.identity[k] for k in ("hostname", "process_group")})
        if reason:
            records.append((F_SHUTDOWN_REASON, T_BYTES, reason))
        records.append((F_PROCESS_UPTIME, T_F64, max(0.0, self.clock() - self.started)))
        return records

    def _stopping(self, reason):
        records = self._stop_records(reason)
        pm = self.module.process_metrics() or {}
        if _num(pm, "active_requests") is not None:
            records.append((F_ACTIVE_REQUESTS_AT_STOP, T_U64, pm["active_requests"]))
        self.send(KIND_PROCESS_STOPPING, records)

    def _final(self, reason):
        try:
            self.tick()
        except Exception:
            pass
        pm = {}
        try:
            pm = self.module.process_metrics() or {}
        except Exception:
            pass
        records = self._stop_records(reason)
        if _num(pm, "request_count") is not None:
            records.append((F_LIFETIME_REQUEST_COUNT, T_U64, pm["request_count"]))
        if _num(pm, "active_requests") is not None:
            records.append((F_ACTIVE_REQUESTS_AT_EXIT, T_U64, pm["active_requests"]))
        self.send(KIND_PROCESS_STOPPED, records)
        self.sock.close()


_lock = threading.Lock()
_reporter = None


def start(path, interval=1.0, slow_threshold=0.0, module=None, exit_wait=None):
    """Start this process's reporter (once per process; later calls return
    the running one). Raises UnsupportedModule for mod_wsgi older than
    4.8. exit_wait: see Reporter.EXIT_WAIT (keep it below the daemon's
    shutdown-timeout)."""
    global _reporter
    with _lock:
        if _reporter is None or _reporter.pid != os.getpid():
            _reporter = Reporter(path, interval, slow_threshold, module,
                                 exit_wait=exit_wait).start()
        return _reporter
