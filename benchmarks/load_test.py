"""The Gradio demo under load: N concurrent clients for a fixed time, on 127.0.0.1 only.

    python benchmarks/load_test.py [--clients 32] [--seconds 60] [--length 200] [--compare]

Starts `textlstm demo` on the shipped models (or --sentiment-model/--generator-model) on a free
loopback port, warms it up (every client sends one request to each endpoint, all at once, so the
server's worker threads and compiled shapes exist), then runs the clients for --seconds. Each client
alternates the two named endpoints: /classify on a ~230-word review (with its word-contribution
explanation) and /generate of --length characters. Prints requests/second, p50/p95 latency per
endpoint, failures, and the server's resident memory after warm-up and after the run. Exits 1 if
any request failed or the memory grew by more than 10%. Stops the server and itself when done.
--compare first runs the first release's configuration (occlusion explanations, every request
computed alone), then the defaults (gradient explanations, batching), and prints the ratio.
"""

import argparse
import concurrent.futures
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
import gradio_http  # noqa: E402  (the Gradio HTTP API in 30 lines: POST the call, read its events)

REVIEW = (  # 231 words: a typical IMDB review length
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
MEMORY_TOLERANCE = 0.10  # resident memory may grow by at most 10% over the run


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return kib / 1024


def wait_until_up(url, proc, timeout=180):
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
    """client: a gradio_client.Client, or the server's URL for plain HTTP calls (much less client CPU)."""
    if endpoint == "classify":
        outputs = call(client, "classify", [REVIEW])
        assert outputs[0]["label"] in ("positive", "negative"), outputs[0]
    else:
        (text,) = call(client, "generate", ["ROMEO:", length, 0.8, 0, 1.0, seed])
        assert len(text) == len("ROMEO:") + length, len(text)


def call(client, api, data):
    if not isinstance(client, str):
        outputs = client.predict(*data, api_name=f"/{api}")
        return outputs if isinstance(outputs, (list, tuple)) else [outputs]
    event, outputs = gradio_http.call(client, api, data)
    if event != "complete":
        raise RuntimeError(f"{event}: {str(outputs)[:200]}")
    return outputs


def warm_client(url, length, index, kind):
    if kind == "gradio_client":
        from gradio_client import Client

        client = Client(url, verbose=False)
    else:
        client = url
    one_round(client, length, seed=index * 100_000 + 99_000)
    return client


def warm_again(client, length, index):
    time.sleep(0.02 * index)  # staggered: requests meet in batches of other sizes than the first round's
    one_round(client, length, seed=index * 100_000 + 98_000)


def one_round(client, length, seed):
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


CONFIGURATIONS = {  # name -> extra `textlstm demo` flags
    "old": ["--explanation", "occlusion", "--no-batching"],  # the first release: occlusion, each request alone
    "new": [],  # the defaults: gradient explanations, requests batched
}


def run(args, flags):
    """Starts the demo with `flags`, runs the clients, stops it. -> (results, elapsed s, rss MiB warm, after)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [os.path.join(os.path.dirname(sys.executable), "textlstm"), "demo", "--host", "127.0.0.1",
               "--port", str(port), *flags]
    for flag in ("sentiment_model", "generator_model"):
        if getattr(args, flag):
            command += ["--" + flag.replace("_", "-"), getattr(args, flag)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    try:
        wait_until_up(url, server)
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            clients = list(pool.map(lambda i: warm_client(url, args.length, i, args.client), range(args.clients)))
            list(pool.map(lambda i: warm_again(clients[i], args.length, i), range(args.clients)))  # other batch sizes
            time.sleep(2.0)
            rss_warm = rss_mib(server.pid)
            results, lock = [], threading.Lock()
            stop_at = time.time() + args.seconds
            start = time.perf_counter()
            futures = [pool.submit(client_loop, c, stop_at, args.length, i, results, lock)
                       for i, c in enumerate(clients)]
            for f in futures:
                f.result()
            elapsed = time.perf_counter() - start
        time.sleep(2.0)  # let the server finish its bookkeeping before reading its memory
        rss_after = rss_mib(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return results, elapsed, rss_warm, rss_after


def report(name, flags, results, elapsed, rss_warm, rss_after):
    """Prints one configuration's table; -> (throughput, ok?)."""
    failures = [r for r in results if r[2]]
    growth = rss_after / rss_warm - 1
    print(f"\n### {name}: textlstm demo {' '.join(flags) or '(defaults)'}\n")
    print("| endpoint | requests | failed | p50 (s) | p95 (s) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for endpoint in ("classify", "generate"):
        times = [t for e, t, err in results if e == endpoint and not err]
        failed = sum(1 for e, _, err in results if e == endpoint and err)
        if times:
            print(f"| /{endpoint} | {len(times) + failed} | {failed} | {percentile(times, 50):.2f} | {percentile(times, 95):.2f} |")
    ok = [t for _, t, err in results if not err]
    if ok:
        print(f"| all | {len(results)} | {len(failures)} | {percentile(ok, 50):.2f} | {percentile(ok, 95):.2f} |")
    throughput = len(ok) / elapsed
    print(f"\nthroughput: {throughput:.2f} requests/s over {elapsed:.1f} s")
    print(f"server resident memory: {rss_warm:.0f} MiB after warm-up, {rss_after:.0f} MiB after the run "
          f"({growth:+.1%}; limit +{MEMORY_TOLERANCE:.0%})")
    for endpoint, _, error in failures[:5]:
        print(f"failed /{endpoint}: {error}")
    return throughput, not failures and growth <= MEMORY_TOLERANCE and bool(results)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--length", type=int, default=200, help="characters per /generate request")
    parser.add_argument("--sentiment-model", default=None)
    parser.add_argument("--generator-model", default=None)
    parser.add_argument("--client", default="http", choices=["http", "gradio_client"],
                        help="plain HTTP calls to the Gradio API (default: the load generator stays light on a "
                             "2-core machine it shares with the server), or gradio_client")
    parser.add_argument("--compare", action="store_true",
                        help="run the old configuration (occlusion, no batching), then the new one, and print the ratio")
    args = parser.parse_args()
    names = ["old", "new"] if args.compare else ["new"]
    print(f"{args.clients} clients ({args.client}) for {args.seconds:.0f} s per configuration on 127.0.0.1; "
          f"{os.cpu_count()} CPUs; /generate length {args.length}")
    throughputs, all_ok = {}, True
    for name in names:
        throughputs[name], ok = report(name, CONFIGURATIONS[name], *run(args, CONFIGURATIONS[name]))
        all_ok = all_ok and ok
    if args.compare:
        print(f"\nnew / old throughput, same run: {throughputs['new'] / max(throughputs['old'], 1e-9):.1f}x")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
