#!/usr/bin/env python3
"""Load generator for `minke serve`: N concurrent streaming clients.

For each concurrency level it runs `--requests` streaming /v1/completions
requests per client (each client sends its next request when the previous one
ends) and prints aggregate tokens/s, its ratio to one client, and p50/p99 of
request latency and time to first token. Standard library only.

  # against a running server
  python3 bench/serve_load.py --url http://127.0.0.1:8080
  # or let it make a random model from a config and start the server itself
  python3 bench/serve_load.py --minke build/minke --config examples/tiny_v3.json

With --config, the model directory gets a byte-level tokenizer.json whose
vocabulary matches the config (256 byte tokens, the rest added tokens "<extra_N>"), so
the server can run a random model. Generation ignores end-of-sequence (there
is no tokenizer_config.json), so every request makes exactly --max-tokens.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse


def byte_level_tokenizer(vocab_size):
    # GPT-2's byte <-> char map (bytes_to_unicode).
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = {chr(c): b for b, c in zip(bs, cs)}
    added = [{"id": i, "content": f"<extra_{i}>", "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": False} for i in range(256, vocab_size)]
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
            "post_processor": None, "decoder": {"type": "ByteLevel"},
            "model": {"type": "BPE", "vocab": vocab, "merges": []}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args):
    model = tempfile.mkdtemp(prefix="minke_bench_")
    subprocess.run([args.minke, "init", "--config", args.config, "--out", model, "--dtype", args.dtype, "--seed", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    with open(args.config) as f:
        vocab = json.load(f)["vocab_size"]
    with open(os.path.join(model, "tokenizer.json"), "w") as f:
        json.dump(byte_level_tokenizer(vocab), f)
    port = free_port()
    cmd = [args.minke]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    cmd += ["serve", "--model", model, "--port", str(port), "--max-batch", str(args.max_batch), "--queue", "256"]
    env = dict(os.environ)
    if args.omp_passive:  # idle OpenMP workers sleep instead of spinning (see --help)
        env["OMP_WAIT_POLICY"] = "passive"
    elif args.omp_spin:
        env["GOMP_SPINCOUNT"] = str(args.omp_spin)
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL if args.quiet else None)
    proc.model_dir = model  # removed when the server stops
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("the server did not come up")


def one_request(url, body):
    """Streams one completion; returns (latency s, ttft s, completion tokens)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    t0 = time.perf_counter()
    conn.request("POST", "/v1/completions", json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.read()[:200]}")
    ttft, tokens = None, 0
    for raw in resp:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        if ttft is None and chunk.get("choices"):
            ttft = time.perf_counter() - t0
        if chunk.get("usage"):
            tokens = chunk["usage"]["completion_tokens"]
    conn.close()
    return time.perf_counter() - t0, ttft or 0.0, tokens


def run_level(url, clients, args):
    results, errors = [], []
    lock = threading.Lock()

    def client(k):
        for r in range(args.requests):
            body = {"prompt": [1 + (7 * k + 3 * r + i) % 200 for i in range(args.prompt_tokens)],
                    "max_tokens": args.max_tokens, "temperature": 0.8, "seed": 1000 * k + r, "stream": True,
                    "stream_options": {"include_usage": True}}
            try:
                res = one_request(url, body)
                with lock:
                    results.append(res)
            except Exception as e:  # report, keep the others going
                with lock:
                    errors.append(str(e))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return results, errors, wall


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server")
    ap.add_argument("--minke", default="build/minke")
    ap.add_argument("--config", help="start a server on a random model made from this config")
    ap.add_argument("--dtype", default="bf16")
    ap.add_argument("--threads", type=int, default=0, help="--threads for the server")
    ap.add_argument("--max-batch", type=int, default=16)
    ap.add_argument("--clients", default="1,4,8,16")
    ap.add_argument("--requests", type=int, default=3, help="requests per client")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--prompt-tokens", type=int, default=32)
    ap.add_argument("--quiet", action="store_true", help="hide the server's log")
    ap.add_argument("--omp-passive", type=int, default=1,
                    help="start the server with OMP_WAIT_POLICY=passive (default 1): on a machine with more "
                    "busy threads than cores, spinning OpenMP workers slow every step many times over")
    ap.add_argument("--omp-spin", type=int, default=0,
                    help="with --omp-passive 0: GOMP_SPINCOUNT for the server (0: libgomp's default)")
    args = ap.parse_args()
    proc = None
    if args.url:
        url = args.url
    elif args.config:
        proc, url = start_server(args)
    else:
        sys.exit("give --url or --config")
    try:
        # On a shared machine wall-clock rates swing with other load; the
        # server's own CPU time (when this script started it) gives tokens
        # per CPU-second, which does not.
        print(f"{'clients':>7} {'requests':>8} {'tokens':>7} {'wall s':>7} {'tok/s':>8} {'x one':>6} "
              f"{'p50 lat':>8} {'p99 lat':>8} {'p50 ttft':>8} {'p99 ttft':>8} {'tok/cpu-s':>9} {'x one':>6}")
        run_level(url, 1, argparse.Namespace(**{**vars(args), "requests": 2}))  # warm-up, not counted
        base = cpu_base = None
        for n in [int(x) for x in args.clients.split(",")]:
            cpu0 = cpu_seconds(proc.pid) if proc else None
            results, errors, wall = run_level(url, n, args)
            cpu1 = cpu_seconds(proc.pid) if proc else None
            if errors:
                print(f"{n:>7} errors: {len(errors)}; first: {errors[0]}")
            if not results:
                continue
            tokens = sum(r[2] for r in results)
            tps = tokens / wall
            base = base or tps
            lat = [r[0] for r in results]
            ttft = [r[1] for r in results]
            cpu = ""
            if cpu0 is not None and cpu1 is not None and cpu1 > cpu0:
                tpc = tokens / (cpu1 - cpu0)
                cpu_base = cpu_base or tpc
                cpu = f" {tpc:>9.1f} {tpc / cpu_base:>6.2f}"
            print(f"{n:>7} {len(results):>8} {tokens:>7} {wall:>7.2f} {tps:>8.1f} {tps / base:>6.2f} "
                  f"{pct(lat, 50):>8.3f} {pct(lat, 99):>8.3f} {pct(ttft, 50):>8.3f} {pct(ttft, 99):>8.3f}{cpu}",
                  flush=True)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(proc.model_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
