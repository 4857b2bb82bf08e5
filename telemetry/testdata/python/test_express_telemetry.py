"""Unit tests of templates/python/express_telemetry.py, run outside Apache
with a stand-in for the mod_wsgi module. Run by `go test ./telemetry`, or
directly: PYTHONPATH=templates/python python3 -m unittest discover -s
telemetry/testdata/python"""

import collections
import os
import socket
import struct
import tempfile
import threading
import types
import unittest

import express_telemetry as et

# What Debian's mod_wsgi 4.9.4 returned in a daemon process (threads=4),
# from a second request_metrics() call and a process_metrics() call.
RM_4_9 = {
    "application_time": 0.002, "application_time_buckets": [9, 1] + [0] * 14,
    "capacity_utilization": 0.25, "cpu_system_time": 0.01, "cpu_user_time": 0.04,
    "daemon_time": 0.0005, "daemon_time_buckets": [10] + [0] * 15,
    "memory_max_rss": 14213120, "memory_rss": 14274560, "pid": 981,
    "queue_time": 0.0001, "queue_time_buckets": [10] + [0] * 15,
    "request_count": 10, "request_threads_active": 2,
    "request_threads_buckets": [6, 4, 0, 0], "request_threads_maximum": 4,
    "request_threads_started": 2, "request_throughput": 33.3, "sample_period": 0.3,
    "server_time": 0.0003, "server_time_buckets": [10] + [0] * 15,
    "start_time": 1795679194.63264, "stop_time": 1795679194.9328,
}
PM_4_9 = {
    "active_requests": 1, "cpu_system_time": 0.01, "cpu_user_time": 0.04,
    "current_time": 1795679194.632633, "memory_max_rss": 14028800,
    "memory_rss": 14209024, "pid": 981, "request_busy_time": 0.0044,
    "request_count": 20, "request_threads": 2, "restart_time": 1795679193.38,
    "running_time": 1, "threads": [{"request_count": 11, "thread_id": 1}],
}


def decode(data):
    """A minimal decoder for the tests: header tuple and {id: value}."""
    magic, version, kind, flags, pid, seq, stamp = struct.unpack_from("<4sBBHIId", data)
    records, off = {}, 24
    while off < len(data):
        fid, ftype = struct.unpack_from("<HB", data, off)
        off += 3
        if ftype in (1, 2, 3):
            value = struct.unpack_from({1: "<Q", 2: "<d", 3: "<q"}[ftype], data, off)[0]
            off += 8
        else:
            (n,) = struct.unpack_from("<H", data, off)
            off += 2
            width, fmt = {4: (1, None), 5: (4, "i"), 6: (8, "d")}[ftype]
            raw = data[off:off + n * width]
            off += n * width
            value = raw if fmt is None else list(struct.unpack("<%d%s" % (n, fmt), raw))
        records[fid] = value
    return (magic, version, kind, flags, pid, seq, stamp), records


class FakeModule:
    """Stands in for mod_wsgi."""

    def __init__(self, version=(4, 9, 4), process_group="app"):
        self.version = version
        self.process_group = process_group
        self.calls = 0
        self.shutdown = []
        self.active = 0  # requests running, as process_metrics() says

    def request_metrics(self):
        self.calls += 1
        return {} if self.calls == 1 else dict(RM_4_9)

    def process_metrics(self):
        return dict(PM_4_9, active_requests=self.active)

    def subscribe_shutdown(self, callback):
        self.shutdown.append(callback)


class Receiver:
    """A bound UNIX datagram socket in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "t.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(5)

    def recv(self):
        return decode(self.sock.recv(65536))

    def close(self):
        self.sock.close()
        self.dir.cleanup()


class EncodeTest(unittest.TestCase):
    def test_header_and_records(self):
        data = et.encode(2, 1234, 7, 1700000000.5, [
            (20, et.T_U64, 3), (21, et.T_F64, 1.5), (22, et.T_I64, -2),
            (6, et.T_BYTES, "grüppe"), (94, et.T_I32_ARRAY, [1, 2, 3]),
            (111, et.T_F64_ARRAY, [0.25])])
        header, records = decode(data)
        self.assertEqual(header, (b"WSGI", 1, 2, 0, 1234, 7, 1700000000.5))
        self.assertEqual(records, {20: 3, 21: 1.5, 22: -2, 6: "grüppe".encode(),
                                   94: [1, 2, 3], 111: [0.25]})

    def test_values_are_clamped_not_raised(self):
        data = et.encode(2, 2**33 + 5, 2**32 + 1, 0, [
            (20, et.T_U64, -4), (94, et.T_I32_ARRAY, [2**40])])
        header, records = decode(data)
        self.assertEqual(header[4:6], (5, 1))
        self.assertEqual(records, {20: 0, 94: [2**31 - 1]})

    def test_unknown_type(self):
        with self.assertRaises(ValueError):
            et.encode(2, 1, 1, 0, [(1, 9, 0)])


class BucketsTest(unittest.TestCase):
    def test_legacy_buckets_land_on_their_bound(self):
        legacy = list(range(1, 17))  # bucket k holds k + 1
        out, coarse = et.convert_buckets(legacy)
        self.assertTrue(coarse)
        self.assertEqual(len(out), et.BUCKET_COUNT)
        for k in range(14):
            self.assertEqual(out[4 * k + 8], k + 1)
        self.assertEqual(out[64], 15 + 16)  # over 40.96 s
        self.assertEqual(sum(out), sum(legacy))

    def test_65_buckets_pass_through(self):
        buckets = list(range(65))
        self.assertEqual(et.convert_buckets(buckets), (buckets, False))


class CheckModuleTest(unittest.TestCase):
    def test_versions(self):
        for version, ok in (((4, 9, 4), True), ((4, 8, 0), True), ((5, 0, 2), True),
                            ((4, 7, 1), False), ((3, 5), False), (None, False)):
            module = FakeModule(version)
            if ok:
                et.check_module(module)
                continue
            with self.assertRaises(et.UnsupportedModule) as cm:
                et.check_module(module)
            if version:
                self.assertIn("mod_wsgi %s cannot report telemetry" % ".".join(map(str, version)),
                              str(cm.exception))
            self.assertIn("4.8", str(cm.exception))

    def test_functions_missing(self):
        module = types.SimpleNamespace(version=(4, 9, 4), process_metrics=dict)
        with self.assertRaises(et.UnsupportedModule):
            et.check_module(module)


class SampleRecordsTest(unittest.TestCase):
    IDENTITY = {"mod_wsgi_version": "4.9.4", "python_version": "3.11.2",
                "hostname": "h", "process_group": "app", "parent_pid": 9}

    def records(self, rm, statuses=None):
        return {fid: value for fid, _, value in
                et.sample_records(rm, PM_4_9, self.IDENTITY, 1.0, 2.0, statuses)}

    def test_daemon_mode(self):
        r = self.records(RM_4_9)
        self.assertEqual(r[et.F_REQUEST_COUNT], 10)
        self.assertEqual(r[et.F_PROCESS_GROUP], "app")
        self.assertEqual(r[et.F_TELEMETRY_INTERVAL], 1.0)
        self.assertEqual(r[et.F_SLOW_REQUESTS_THRESHOLD], 2.0)
        self.assertAlmostEqual(r[et.F_CPU_UTILIZATION], 0.05)
        self.assertEqual(r[et.F_CPU_TIME], 0.05)  # cumulative, from process_metrics()
        self.assertEqual(r[et.F_THREADS_MAXIMUM], 4)
        self.assertAlmostEqual(r[et.F_PHASE_MEAN + 4], 0.0029)  # request = sum of phases
        for index in range(4):
            self.assertEqual(len(r[et.F_PHASE_BUCKETS + index]), 65)
        self.assertNotIn(et.F_PHASE_BUCKETS + 4, r)  # 4.x has no request histogram
        self.assertEqual(r[et.F_PHASE_BUCKETS + 3][8], 9)
        self.assertEqual(r[et.F_PHASE_BUCKETS + 3][12], 1)
        self.assertEqual(r[et.F_EXPRESS_BUCKET_RESOLUTION], 1)
        self.assertEqual(r[et.F_SLOT_COMPLETED], [6, 4, 0, 0])
        self.assertNotIn(et.F_STATUS_CLASS + 1, r)

    def test_embedded_mode_has_no_queue_or_daemon_phase(self):
        rm = dict(RM_4_9, queue_time=None, daemon_time=None)
        r = self.records(rm)
        for fid in (et.F_PHASE_MEAN + 1, et.F_PHASE_MEAN + 2, et.F_PHASE_BUCKETS + 1, et.F_PHASE_BUCKETS + 2):
            self.assertNotIn(fid, r)

    def test_statuses(self):
        r = self.records(RM_4_9, [0, 7, 1, 1, 1])
        self.assertEqual([r[et.F_STATUS_CLASS + i] for i in range(5)], [0, 7, 1, 1, 1])

    def test_odd_values_are_left_out(self):
        rm = dict(RM_4_9, request_count="many", server_time=True, capacity_utilization=None)
        r = self.records(rm)
        for fid in (et.F_REQUEST_COUNT, et.F_PHASE_MEAN, et.F_CAPACITY_UTILIZATION, et.F_PHASE_MEAN + 4):
            self.assertNotIn(fid, r)


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def call(app, path="/", status="200 OK", raises=False, file_wrapper=None):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "",
               "wsgi.url_scheme": "http", "HTTP_HOST": "example", "REMOTE_ADDR": "10.0.0.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "mod_wsgi.request_id": "id" + path,
               "mod_wsgi.thread_id": 3}
    if file_wrapper is not None:
        environ["wsgi.file_wrapper"] = file_wrapper
    return app(environ, lambda s, h, *e: None)


class TrackerTest(unittest.TestCase):
    def setUp(self):
        self.clock = Clock()
        self.tracker = et._Tracker(self.clock)
        self.saved, et._tracker = et._tracker, self.tracker

    def tearDown(self):
        et._tracker = self.saved

    def app(self, status="200 OK", raises=False, body=None):
        def application(environ, start_response):
            if raises:
                raise RuntimeError("boom")
            start_response(status, [])
            return [b"x"] if body is None else body
        return et.instrument(application)

    def test_no_counts_until_instrumented_requests(self):
        self.assertEqual(self.tracker.drain(), (None, []))

    def test_statuses_counted_when_the_response_closes(self):
        for status in ("200 OK", "201 Created", "302 Found", "404 Not Found", "503 Busy", "abc"):
            counted = len(self.tracker.done)
            result = call(self.app(status, body=iter([b"x"])))
            self.assertEqual(b"".join(result), b"x")
            self.assertEqual(len(self.tracker.done), counted)  # not before close()
            result.close()
            self.assertEqual(len(self.tracker.done), counted + 1)
        with self.assertRaises(RuntimeError):
            call(self.app(raises=True))
        statuses, slow = self.tracker.drain()
        self.assertEqual(statuses, [0, 2, 1, 1, 3])  # "abc" and the exception count as 5xx
        self.assertEqual(slow, [])
        self.assertEqual(self.tracker.drain()[0], [0, 0, 0, 0, 0])

    def test_counts_exact_across_threads(self):
        # Request threads append without a lock; none may be lost.
        app = self.app()
        def requests():
            for _ in range(2000):
                call(app)
        threads = [threading.Thread(target=requests) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(self.tracker.drain()[0], [0, 16000, 0, 0, 0])

    def test_pending_counts_are_bounded(self):
        self.tracker.done = collections.deque(maxlen=3)
        app = et.instrument(lambda environ, sr: sr("200 OK", []) or [b""])
        for _ in range(5):
            call(app)
        self.assertEqual(self.tracker.drain()[0], [0, 3, 0, 0, 0])

    def test_lists_returned_as_they_are(self):
        body = [b"one item"]
        result = call(et.instrument(lambda environ, sr: sr("200 OK", []) or body))
        self.assertIs(result, body)  # mod_wsgi sets Content-Length for it
        self.assertEqual(self.tracker.drain()[0], [0, 1, 0, 0, 0])

    def test_response_close_is_passed_on(self):
        closed = []

        class Body:
            def __iter__(self):
                return iter([b"a"])

            def close(self):
                closed.append(True)

        def application(environ, start_response):
            start_response("200 OK", [])
            return Body()
        call(et.instrument(application)).close()
        self.assertEqual(closed, [True])

    def test_file_wrapper_is_returned_as_is(self):
        class Wrapper:
            def __init__(self, f):
                self.f = f

        def application(environ, start_response):
            start_response("200 OK", [])
            return environ["wsgi.file_wrapper"](None)
        result = call(et.instrument(application), file_wrapper=Wrapper)
        self.assertIsInstance(result, Wrapper)
        self.assertEqual(self.tracker.drain()[0], [0, 1, 0, 0, 0])

    def test_slow_requests(self):
        self.tracker.threshold = 1.0
        slow = call(self.app(body=iter([b"x"])), path="/slow")
        fast = call(self.app(body=iter([b"x"])), path="/fast")
        self.clock.now += 0.5
        fast.close()
        self.clock.now += 1.0
        statuses, records = self.tracker.drain()
        self.assertEqual(len(records), 1)
        active = records[0]
        self.assertFalse(active["completed"])
        self.assertEqual((active["path_info"], active["duration"], active["status"]), ("/slow", 1.5, 0))
        self.assertEqual((active["method"], active["host"], active["peer_ip"], active["log_id"], active["thread"]),
                         ("GET", "example", "10.0.0.1", "id/slow", 3))
        self.clock.now += 1.0
        slow.close()
        statuses, records = self.tracker.drain()
        self.assertEqual(statuses, [0, 1, 0, 0, 0])
        self.assertEqual(len(records), 1)
        self.assertTrue(records[0]["completed"])
        self.assertEqual((records[0]["duration"], records[0]["status"]), (2.5, 200))
        self.assertEqual(self.tracker.drain(), ([0, 0, 0, 0, 0], []))


class ReporterTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.tracker = et._Tracker()

    def tearDown(self):
        self.receiver.close()

    def reporter(self, module, interval=60, exit_wait=None):
        return et.Reporter(self.receiver.path, interval, 2.0, module, tracker=self.tracker,
                           exit_wait=exit_wait)

    def test_too_old(self):
        with self.assertRaises(et.UnsupportedModule):
            self.reporter(FakeModule((4, 7, 1)))

    def test_lifecycle(self):
        module = FakeModule()
        reporter = self.reporter(module).start()
        header, records = self.receiver.recv()
        self.assertEqual(header[2], et.KIND_PROCESS_STARTED)
        self.assertEqual((header[4], header[5]), (os.getpid(), 1))
        self.assertEqual(records[et.F_MOD_WSGI_VERSION], b"4.9.4")
        self.assertEqual(records[et.F_PROCESS_GROUP], b"app")
        self.assertEqual(module.calls, 1)  # seeded
        self.assertTrue(reporter.thread.is_alive())

        reporter.tick()
        header, records = self.receiver.recv()
        self.assertEqual((header[2], header[5]), (et.KIND_REQUEST, 2))
        self.assertEqual(records[et.F_REQUEST_COUNT], 10)

        module.active = 1
        module.shutdown[0]("process_stopping", shutdown_reason="maximum_requests")
        header, records = self.receiver.recv()  # stopping: requests may still run
        self.assertEqual((header[2], header[5]), (et.KIND_PROCESS_STOPPING, 3))
        self.assertEqual(records[et.F_SHUTDOWN_REASON], b"maximum_requests")
        self.assertEqual(records[et.F_ACTIVE_REQUESTS_AT_STOP], 1)
        self.assertEqual(records[et.F_PROCESS_GROUP], b"app")
        self.assertGreaterEqual(records[et.F_PROCESS_UPTIME], 0.0)
        self.assert_nothing_sent()  # not final yet
        module.shutdown[0]("process_stopping")  # said once
        self.assert_nothing_sent()
        module.active = 0
        reporter._at_exit()  # mod_wsgi runs atexit once they are done
        header, records = self.receiver.recv()  # the final interval
        self.assertEqual((header[2], header[5]), (et.KIND_REQUEST, 4))
        header, records = self.receiver.recv()
        self.assertEqual((header[2], header[5]), (et.KIND_PROCESS_STOPPED, 5))
        self.assertEqual(records[et.F_SHUTDOWN_REASON], b"maximum_requests")
        self.assertEqual(records[et.F_LIFETIME_REQUEST_COUNT], 20)
        self.assertEqual(records[et.F_ACTIVE_REQUESTS_AT_EXIT], 0)
        reporter.thread.join(5)
        self.assertFalse(reporter.thread.is_alive())
        reporter.stop()  # a second stop sends nothing
        self.assert_nothing_sent()

    def assert_nothing_sent(self):
        self.receiver.sock.settimeout(0.2)
        with self.assertRaises(socket.timeout):
            self.receiver.recv()
        self.receiver.sock.settimeout(5)

    def final_interval(self):
        """The final interval's records and the STOPPED datagram's."""
        kinds = {}
        while et.KIND_PROCESS_STOPPED not in kinds:
            header, records = self.receiver.recv()
            kinds[header[2]] = records
        return kinds[et.KIND_REQUEST], kinds[et.KIND_PROCESS_STOPPED]

    def test_requests_after_the_shutdown_callback_are_counted(self):
        # mod_wsgi calls the shutdown callback before the running requests
        # finish (and a worker may accept one more): one finishing after
        # it is in the final interval, sent at exit, not lost.
        saved, et._tracker = et._tracker, self.tracker  # instrument()'s
        self.addCleanup(setattr, et, "_tracker", saved)
        module = FakeModule()
        reporter = self.reporter(module).start()
        self.receiver.recv()
        module.shutdown[0]("process_stopping", shutdown_reason="maximum_requests")
        app = et.instrument(lambda environ, start_response: start_response("404 Not Found", []) or [b""])
        app({}, lambda *a: None)
        reporter._at_exit()
        final, stopped = self.final_interval()
        self.assertEqual([final[et.F_STATUS_CLASS + i] for i in range(5)], [0, 0, 0, 1, 0])
        self.assertEqual(stopped[et.F_SHUTDOWN_REASON], b"maximum_requests")
        reporter.thread.join(5)
        self.assertFalse(reporter.thread.is_alive())

    def test_final_interval_without_exit(self):
        # Exit does not come in time (a request outlasting the wait):
        # the final interval and STOPPED are sent anyway, saying so.
        module = FakeModule()
        reporter = self.reporter(module, exit_wait=0.1).start()
        self.receiver.recv()
        module.active = 2
        module.shutdown[0]("process_stopping", shutdown_reason="maximum_requests")
        final, stopped = self.final_interval()
        self.assertEqual(final[et.F_REQUEST_COUNT], 10)
        self.assertEqual(stopped[et.F_SHUTDOWN_REASON], b"maximum_requests")
        self.assertEqual(stopped[et.F_ACTIVE_REQUESTS_AT_EXIT], 2)
        self.assertTrue(reporter.stopped.is_set())
        reporter._at_exit()  # then exit sends nothing more
        self.assert_nothing_sent()

    def test_thread_sends_every_interval(self):
        reporter = self.reporter(FakeModule(), interval=0.1).start()
        kinds = [self.receiver.recv()[0][2] for _ in range(3)]
        reporter.stop()
        self.assertEqual(kinds, [et.KIND_PROCESS_STARTED, et.KIND_REQUEST, et.KIND_REQUEST])

    def test_no_ingester_is_not_an_error(self):
        reporter = et.Reporter(os.path.join(self.receiver.dir.name, "missing.sock"), 60, 0,
                               FakeModule(), tracker=self.tracker).start()
        reporter.tick()
        reporter.stop()
        self.assertEqual(reporter.send_errors, 4)

    def test_start_once_per_process(self):
        saved = et._reporter
        try:
            et._reporter = None
            first = et.start(self.receiver.path, 60, module=FakeModule())
            self.assertIs(et.start(self.receiver.path, 60, module=FakeModule()), first)
            first.stop()
        finally:
            et._reporter = saved

    def test_metrics_none_sends_nothing(self):
        module = FakeModule()
        module.request_metrics = lambda: None  # mod_wsgi 6 with its own reporter on
        reporter = self.reporter(module).start()
        self.receiver.recv()
        reporter.tick()
        self.receiver.sock.settimeout(0.2)
        with self.assertRaises(socket.timeout):
            self.receiver.recv()
        reporter.stopped.set()
        reporter.sock.close()


if __name__ == "__main__":
    unittest.main()
