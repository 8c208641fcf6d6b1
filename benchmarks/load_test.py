"""The Gradio demo under a crowd: N concurrent clients for a fixed time, on 127.0.0.1 only.

    python benchmarks/load_test.py [--clients 32] [--seconds 30] [--length 200] [--compare REV [--rounds 3]]

Starts `textlstm demo` on its default models on a free loopback port, warms it up (every client
sends one request to each endpoint, all at once, then again staggered, so the server's threads and
compiled shapes exist), then runs the clients for --seconds. Each client alternates the two named
endpoints: /classify on a 235-word review (with its word-contribution explanation) and /generate
of --length characters, so half the requests are each. Prints, per run: requests/s, p50 and p95
per endpoint and over all, failures, the server's resident memory after warm-up and at the end,
and the CPU seconds the server and the clients used (they share the machine's cores).

--compare REV runs another build's demo in the same run: `git archive REV` unpacked in a temporary
folder, started with the same Python and its own shipped models. The builds alternate (REV, this,
REV, this, ...: --rounds runs each), and a side-by-side table with the medians ends the report.

Exits 1 if any request failed or the server's memory grew by more than MEMORY_TOLERANCE.

The clients are gradio_client's (--client gradio_client, the default: what an API user runs) or
plain HTTP calls to the same API (--client http: almost no client CPU). gradio_client makes a new
httpx client, and so a new TLS context loading the CA bundle, for every request; on a 2-core machine
that alone took as much CPU as the server. The benchmark's clients share one context made once
(loopback HTTP never uses it): the clients measured, not the cost of building their certificates.
--client gradio_client_tls_per_request keeps gradio_client's own behaviour, for comparison.
"""

import argparse
import concurrent.futures
import importlib.metadata
import os
import platform
import socket
import ssl
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))
import gradio_http  # noqa: E402  (the Gradio HTTP API in 30 lines: POST the call, read its events)

REVIEW = (  # 235 words: a typical IMDB review length
    "I went into this film with modest expectations and came out genuinely moved. The story follows a "
    "retired schoolteacher who returns to the coastal town where she grew up, and over two hours it "
    "slowly reveals why she left. The pacing is patient rather than slow, and the script trusts its "
    "audience: there are no speeches explaining what the characters feel, just small gestures and long "
    "silences that say more than dialogue could. The lead performance is extraordinary. She carries "
    "whole scenes with her face alone, and the final conversation with her estranged brother is one of "
    "the best scenes I have seen this year. The supporting cast is uneven; the younger actors sometimes "
    "feel as if they wandered in from a television drama, and one subplot about a property developer "
    "goes nowhere. The cinematography, however, is gorgeous, all grey skies and cold light on the water, "
    "and the score is used sparingly and well. Some viewers will find it too quiet, and I understand "
    "that. It asks for attention and does not reward impatience. But if you give it that attention, it "
    "builds to an ending that is earned and unforgettable. I have thought about it every day since. "
    "Not perfect, and a little too long in the middle, but a beautiful, humane film that deserves a far "
    "bigger audience than it will probably find. Highly recommended for anyone who loves character "
    "driven drama."
)
PROMPT = "ROMEO:"
MEMORY_TOLERANCE = 0.05  # the server's resident memory may grow by at most 5% over a run
THIS = "this"  # the build the script belongs to (the working tree)


def machine_line():
    """CPU model, cores, memory and the versions that matter, without importing TensorFlow here."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
        with open("/proc/meminfo", encoding="utf-8") as f:
            memory = f", {int(f.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in ("tensorflow", "keras", "gradio"))
    return f"machine: {cpu}, {os.cpu_count()} CPUs{memory}; Python {platform.python_version()}, {versions}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return kib / 1024


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far (/proc/<pid>/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_up(url, proc, timeout=240):
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the demo exited with code {proc.returncode} before it came up")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the demo did not come up within {timeout} s")


def one_request(client, endpoint, length, seed):
    """client: a gradio_client.Client, or the server's URL for plain HTTP calls."""
    if endpoint == "classify":
        (label, _) = call(client, "classify", [REVIEW])
        assert label["label"] in {c["label"] for c in label["confidences"]}, label
    else:
        (text,) = call(client, "generate", [PROMPT, length, 0.8, 0, 1.0, seed])
        assert len(text) == len(PROMPT) + length, len(text)


def call(client, api, data):
    if not isinstance(client, str):
        outputs = client.predict(*data, api_name=f"/{api}")
        return outputs if isinstance(outputs, (list, tuple)) else [outputs]
    event, outputs = gradio_http.call(client, api, data)
    if event != "complete":
        raise RuntimeError(f"{event}: {str(outputs)[:200]}")
    return outputs


TLS = None  # one TLS context for every gradio_client of the run (see the module docstring)


def make_client(url, kind):
    global TLS
    if kind == "http":
        return url
    from gradio_client import Client

    if kind == "gradio_client_tls_per_request":  # as installed: how the first table was measured
        return Client(url, verbose=False)
    TLS = TLS or ssl.create_default_context()
    return Client(url, verbose=False, ssl_verify=TLS)


def one_round(client, length, seed, delay=0.0):
    time.sleep(delay)  # staggered rounds meet in batches of other sizes than the simultaneous one
    for n, endpoint in enumerate(("classify", "generate")):
        one_request(client, endpoint, length, seed=seed + n)


def client_loop(client, stop_at, length, index, results, lock):
    n = 0
    while time.time() < stop_at:
        endpoint = ("classify", "generate")[(index + n) % 2]
        start = time.perf_counter()
        try:
            one_request(client, endpoint, length, seed=index * 100_000 + n)
            error = None
        except Exception as e:  # counted and reported, never fatal to the other clients
            error = f"{type(e).__name__}: {str(e)[:200]}"
        with lock:
            results.append((endpoint, time.perf_counter() - start, error))
        n += 1


def percentile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def unpack(rev, folder):
    """The files of commit `rev` (git archive) in `folder`: a build to run beside this one."""
    archive = os.path.join(folder, "build.tar")
    subprocess.run(["git", "-C", REPO, "archive", "--format=tar", "-o", archive, rev], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(os.path.join(folder, "build"), filter="data")
    return os.path.join(folder, "build")


def run(args, source):
    """Starts the demo of the build in `source`, runs the clients, stops it. -> one run's measures."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "textlstm.cli", "demo", "--host", "127.0.0.1", "--port", str(port)]
    for flag in ("sentiment_model", "generator_model"):
        if getattr(args, flag):
            command += ["--" + flag.replace("_", "-"), getattr(args, flag)]
    env = {k: v for k, v in os.environ.items() if k not in ("TEXTLSTM_MODELS", "PYTHONPATH")}
    env.update(PYTHONPATH=source, TF_CPP_MIN_LOG_LEVEL="2")  # the build's own package and shipped models
    server = subprocess.Popen(command, cwd=source, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_until_up(url, server)
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            clients = list(pool.map(lambda i: make_client(url, args.client), range(args.clients)))
            list(pool.map(lambda i: one_round(clients[i], args.length, i * 100_000 + 99_000), range(args.clients)))
            list(pool.map(lambda i: one_round(clients[i], args.length, i * 100_000 + 98_000, 0.02 * i),
                          range(args.clients)))
            time.sleep(2.0)
            rss_start, server_cpu, clients_cpu = rss_mib(server.pid), cpu_seconds(server.pid), time.process_time()
            results, lock = [], threading.Lock()
            stop_at = time.time() + args.seconds
            start = time.perf_counter()
            futures = [pool.submit(client_loop, c, stop_at, args.length, i, results, lock)
                       for i, c in enumerate(clients)]
            for f in futures:
                f.result()
            elapsed = time.perf_counter() - start
            server_cpu, clients_cpu = cpu_seconds(server.pid) - server_cpu, time.process_time() - clients_cpu
        time.sleep(2.0)  # let the server finish its bookkeeping before reading its memory
        rss_end = rss_mib(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return measures(results, elapsed, rss_start, rss_end, server_cpu, clients_cpu)


def measures(results, elapsed, rss_start, rss_end, server_cpu, clients_cpu):
    ok = {e: [t for endpoint, t, err in results if endpoint == e and not err] for e in ("classify", "generate")}
    every = ok["classify"] + ok["generate"]
    return {
        "requests": len(results), "failed": [(e, err) for e, _, err in results if err],
        "throughput": len(every) / elapsed, "elapsed": elapsed,
        **{f"{e}_{q}": percentile(ok[e], q) if ok[e] else float("nan") for e in ok for q in (50, 95)},
        "all_95": percentile(every, 95) if every else float("nan"),
        "rss_start": rss_start, "rss_end": rss_end, "growth": rss_end / rss_start - 1,
        "server_cpu": server_cpu, "clients_cpu": clients_cpu,
    }


HEADER = ("| build | requests/s | /classify p50 | /classify p95 | /generate p50 | /generate p95 | p95 | failed "
          "| memory start → end (MiB) | CPU s: server, clients |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def row(name, m):
    return (f"| {name} | {m['throughput']:.1f} | {m['classify_50']:.2f} s | {m['classify_95']:.2f} s "
            f"| {m['generate_50']:.2f} s | {m['generate_95']:.2f} s | {m['all_95']:.2f} s "
            f"| {len(m['failed'])} of {m['requests']} "
            f"| {m['rss_start']:.0f} → {m['rss_end']:.0f} ({m['growth']:+.1%}) "
            f"| {m['server_cpu']:.0f}, {m['clients_cpu']:.0f} |")


def median_row(name, runs):
    keys = ("throughput", "classify_50", "classify_95", "generate_50", "generate_95", "all_95")
    middle = {k: statistics.median(m[k] for m in runs) for k in keys}
    return (f"| {name}, median of {len(runs)} | {middle['throughput']:.1f} | {middle['classify_50']:.2f} s "
            f"| {middle['classify_95']:.2f} s | {middle['generate_50']:.2f} s | {middle['generate_95']:.2f} s "
            f"| {middle['all_95']:.2f} s | {sum(len(m['failed']) for m in runs)} | | |"), middle


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--length", type=int, default=200, help="characters per /generate request")
    parser.add_argument("--sentiment-model", default=None, help="default: each build's own default model")
    parser.add_argument("--generator-model", default=None, help="default: each build's own default model")
    parser.add_argument("--client", default="gradio_client",
                        choices=["gradio_client", "http", "gradio_client_tls_per_request"],
                        help="gradio_client sharing one TLS context (default), plain HTTP calls to the same API "
                             "(almost no client CPU), or gradio_client as installed (a TLS context per request)")
    parser.add_argument("--compare", metavar="REV", default=None,
                        help="also run the demo of this git revision, alternating with this build, and compare")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each build (with --compare, alternating)")
    args = parser.parse_args()
    print(f"{args.clients} clients ({args.client}) for {args.seconds:.0f} s a run on 127.0.0.1, half /classify "
          f"(a {len(REVIEW.split())}-word review, explained), half /generate ({args.length} characters)")
    print(machine_line() + "\n")
    with tempfile.TemporaryDirectory(prefix="textlstm-load-") as folder:
        builds = {THIS: REPO}
        if args.compare:
            builds = {args.compare: unpack(args.compare, folder), THIS: REPO}
        runs = {name: [] for name in builds}
        print(HEADER)
        for _ in range(args.rounds):
            for name, source in builds.items():
                runs[name].append(run(args, source))
                print(row(name, runs[name][-1]), flush=True)
    failed = [f for m in runs[THIS] for f in m["failed"]]  # the bar is this build's; the other's are printed
    grown = [m for m in runs[THIS] if m["growth"] > MEMORY_TOLERANCE]
    if args.compare:
        print("\nside by side, in this run:\n\n" + HEADER)
        middles = {}
        for name, measured in runs.items():
            line, middles[name] = median_row(name, measured)
            print(line)
        old, new = middles[args.compare], middles[THIS]
        ratio = {k: new[k] / old[k] for k in new}
        print(f"\nthis / {args.compare}: throughput {ratio['throughput']:.2f}x, /classify p50 {ratio['classify_50']:.2f}x, "
              f"/generate p50 {ratio['generate_50']:.2f}x, p95 {ratio['all_95']:.2f}x")
    for name, measured in runs.items():
        for endpoint, error in [f for m in measured for f in m["failed"]][:5]:
            print(f"{name}: failed /{endpoint}: {error}")
    if grown:
        print(f"this build's memory grew by more than {MEMORY_TOLERANCE:.0%} in a run")
    sys.exit(1 if failed or grown else 0)


if __name__ == "__main__":
    main()
