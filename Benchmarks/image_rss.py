#!/usr/bin/env python3
"""The 10 MB-image hit's peak RSS and latency: prime it (a miss, then a hit), reset VmHWM, 10 hits over one keep-alive
connection. Usage: python3 Benchmarks/image_rss.py BINARY (run with MALLOC_MMAP_THRESHOLD_=N to try glibc's setting)."""
import base64, http.client, json, os, random, shutil, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench
binary = sys.argv[1]
os.sched_setaffinity(0, {1})
procs = bench.Processes(); work = tempfile.mkdtemp()
try:
    up = bench.FakeUpstream(procs, 0)
    td = bench.Tapedeck(procs, binary, work + "/store", up.url, work, "t", quiet=False)
    image = random.Random(10).randbytes(10 * 1024 * 1024)
    req = bench.converse_request()
    req["messages"][0]["content"].insert(0, {"image": {"format": "png", "source": {"bytes": base64.b64encode(image).decode()}}})
    body = json.dumps(req, separators=(", ", ": ")).encode()
    c = http.client.HTTPConnection("127.0.0.1", td.port, timeout=120)
    print("start rss", bench.read_status_kb(td.pid, "VmRSS") // 1024, "MiB")
    bench.post(c, bench.CONVERSE_PATH, body); bench.post(c, bench.CONVERSE_PATH, body)
    print("after miss+hit rss", bench.read_status_kb(td.pid, "VmRSS") // 1024, "hwm", bench.read_status_kb(td.pid, "VmHWM") // 1024)
    bench.reset_peak(td.pid)
    ts = []
    for _ in range(10):
        t0 = time.perf_counter(); s, h, _ = bench.post(c, bench.CONVERSE_PATH, body); ts.append((time.perf_counter() - t0) * 1000)
        assert h.get("x-tapedeck") == "hit"
    print("hits: p50 %.1f ms; peak RSS during hits %d MiB; rss now %d MiB" % (sorted(ts)[5], bench.read_status_kb(td.pid, "VmHWM") // 1024, bench.read_status_kb(td.pid, "VmRSS") // 1024))
finally:
    procs.stop_all(); shutil.rmtree(work, ignore_errors=True)
