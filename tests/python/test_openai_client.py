#!/usr/bin/env python3
"""Optional end-to-end suite: `minke serve` driven by the official `openai`
client (streaming and not), checked against `minke generate` with the same
seed; and the web page in headless Chromium (Playwright), with a screenshot.

Not part of CI. Each part skips with a message when what it needs is missing
(the `openai` or `playwright` package, /usr/bin/chromium). Run with
scripts/test_python.sh, or: python3 tests/python/test_openai_client.py [--minke build/minke]

The model is a random tiny DeepSeek-V3 made with `minke init`, with a
byte-level tokenizer.json that has DeepSeek's chat markers as added tokens and
the DeepSeek-V3 (or R1) chat template from tests/fixtures/tokenizer/chat.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MINKE = os.path.join(ROOT, "build", "minke")
MARKERS = ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>"]
BOS, EOS = 256, 257
CONFIG = {
    "model_type": "deepseek_v3", "vocab_size": 264, "hidden_size": 32, "intermediate_size": 48,
    "moe_intermediate_size": 16, "num_hidden_layers": 2, "first_k_dense_replace": 1,
    "num_nextn_predict_layers": 0, "num_attention_heads": 4, "q_lora_rank": 16, "kv_lora_rank": 16,
    "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8, "n_routed_experts": 8,
    "num_experts_per_tok": 2, "n_group": 2, "topk_group": 1, "n_shared_experts": 1,
    "max_position_embeddings": 512,
}


def byte_map():
    """GPT-2's bytes_to_unicode: byte -> char."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer_json():
    vocab = {ch: b for b, ch in byte_map().items()}
    added = [{"id": 256 + i, "content": m, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": i < 2} for i, m in enumerate(MARKERS)]
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
            "post_processor": None, "decoder": {"type": "ByteLevel"},
            "model": {"type": "BPE", "vocab": vocab, "merges": []}}


def decode(ids):
    """HF decode(ids, skip_special_tokens=True) for this tokenizer."""
    out = b""
    for i in ids:
        if i < 256:
            out += bytes([i])
        elif i >= 258 and i - 256 < len(MARKERS):
            out += MARKERS[i - 256].encode()
    return out.decode("utf-8", "replace")


def make_model(family):
    d = tempfile.mkdtemp(prefix="minke_pytest_")
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(CONFIG, f)
    subprocess.run([MINKE, "init", "--config", os.path.join(d, "config.json"), "--out", os.path.join(d, "m"),
                    "--seed", "3"], check=True, stdout=subprocess.DEVNULL)
    model = os.path.join(d, "m")
    with open(os.path.join(model, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(), f)
    shutil.copy(os.path.join(ROOT, "tests", "fixtures", "tokenizer", "chat", family + ".json"),
                os.path.join(model, "tokenizer_config.json"))
    return model


class Server:
    def __init__(self, model, api_key=None):
        self.model = model
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        cmd = [MINKE, "--threads", "1", "serve", "--model", model, "--port", str(self.port), "--model-id", "tiny"]
        if api_key:
            cmd += ["--api-key", api_key]
        self.proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                return
            except OSError as e:
                if getattr(e, "code", None) == 401:
                    return
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        shutil.rmtree(os.path.dirname(self.model), ignore_errors=True)  # make_model's temp dir


def generate(model, args):
    """Token ids from `minke generate`."""
    out = subprocess.run([MINKE, "--threads", "1", "generate", "--model", model] + args, check=True,
                         capture_output=True, text=True).stdout.strip()
    return [int(x) for x in out.split(",")] if out else []


class OpenAIClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            import openai  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("the `openai` package is not installed (pip install openai)")
        cls.model = make_model("deepseek_v3")
        cls.server = Server(cls.model, api_key="k")
        import openai
        cls.client = openai.OpenAI(base_url=cls.server.url + "/v1", api_key="k", max_retries=0)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_models(self):
        self.assertEqual([m.id for m in self.client.models.list()], ["tiny"])

    def test_completion_equals_generate(self):
        for temperature in (0.0, 0.9):
            want = generate(self.model, ["--tokens", "5,17,3", "--max-new-tokens", "12", "--temperature",
                                         str(temperature), "--seed", "7", "--stop-tokens", str(EOS)])
            r = self.client.completions.create(model="tiny", prompt=[5, 17, 3], max_tokens=12,
                                               temperature=temperature, seed=7)
            self.assertEqual(r.choices[0].text, decode(want))
            self.assertEqual(r.usage.completion_tokens, len(want))
            stream = self.client.completions.create(model="tiny", prompt=[5, 17, 3], max_tokens=12,
                                                    temperature=temperature, seed=7, stream=True)
            self.assertEqual("".join(c.choices[0].text for c in stream), decode(want))

    def test_chat_equals_generate(self):
        prompt = MARKERS[0] + "Be brief." + "<｜User｜>Hello<｜Assistant｜>"  # the V3 template, by hand
        want = generate(self.model, ["--prompt", prompt, "--max-new-tokens", "16", "--temperature", "0.8",
                                     "--seed", "11", "--stop-tokens", str(EOS)])
        messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]
        r = self.client.chat.completions.create(model="tiny", messages=messages, max_tokens=16, temperature=0.8,
                                                seed=11)
        self.assertEqual(r.choices[0].message.content, decode(want))
        self.assertEqual(r.choices[0].finish_reason, "length" if len(want) == 16 else "stop")
        chunks = list(self.client.chat.completions.create(model="tiny", messages=messages, max_tokens=16,
                                                          temperature=0.8, seed=11, stream=True,
                                                          stream_options={"include_usage": True}))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        self.assertEqual(text, decode(want))
        self.assertEqual(chunks[-1].usage.completion_tokens, len(want))

    def test_errors(self):
        import openai
        with self.assertRaises(openai.BadRequestError):
            self.client.chat.completions.create(model="tiny", messages=[], max_tokens=4)
        with self.assertRaises(openai.BadRequestError):
            self.client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "x"}], n=2)
        bad = openai.OpenAI(base_url=self.server.url + "/v1", api_key="wrong", max_retries=0)
        with self.assertRaises(openai.AuthenticationError):
            bad.models.list()


class WebPageTest(unittest.TestCase):
    def test_page_in_chromium(self):
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            self.skipTest("the `playwright` package is not installed (pip install playwright)")
        if not os.path.exists("/usr/bin/chromium"):
            self.skipTest("/usr/bin/chromium is missing (apt-get install chromium)")
        model = make_model("deepseek_r1")
        server = Server(model)
        shot = os.path.join(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()), "minke_chat.png")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                page = browser.new_page()
                page.goto(server.url + "/")
                page.fill("#max_tokens", "24")
                page.fill("#temperature", "0")  # greedy: the same reply every run
                page.fill("#input", "Why is the sky blue?")
                page.click("#send")
                # R1-style: the reply streams into the reasoning block; wait for the end.
                page.wait_for_function("document.querySelector('#send').disabled === false "
                                       "&& document.querySelector('.meta') "
                                       "&& document.querySelector('.meta').textContent.includes('tokens')",
                                       timeout=30000)
                reasoning = page.inner_text("details.reasoning div")
                self.assertTrue(page.is_visible("details.reasoning"))
                self.assertGreater(len(reasoning), 0)
                page.screenshot(path=shot, full_page=True)
                print(f"\nscreenshot: {shot}", file=sys.stderr)
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--minke", default=MINKE)
    args, rest = ap.parse_known_args()
    MINKE = os.path.abspath(args.minke)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
