#!/usr/bin/env python3
"""Golden chat-template renderings from transformers' apply_chat_template.

For each template family minke renders natively (src/tokenizer/chat_template.cc)
this writes a small tokenizer_config-style file (chat_template, bos_token,
eos_token) under tests/fixtures/tokenizer/chat/, and renders a fixed set of
conversations with `apply_chat_template(messages, tokenize=False,
add_generation_prompt=...)` into tests/fixtures/tokenizer/chat/golden.jsonl.
A conversation the template itself rejects (Jinja raises) is recorded as
{"error": "..."}; minke must reject it too.

One divergence: transformers 5.x drops message keys whose value is None
before rendering, so an assistant turn {"content": null, "tool_calls": [...]}
reaches the DeepSeek templates without 'content' and fails there
(`'<｜Assistant｜>' + undefined`). Such rows are rendered with transformers'
own render_jinja_template (the same Jinja environment, messages as given), the
way transformers 4.x, llama.cpp and ../shared/tokenizer/chat_cases.jsonl
render them; they carry "rendered_by": "render_jinja_template".

Templates: DeepSeek-V3 (its tokenizer_config.json), DeepSeek-R1 (V3's with
R1's three edits, see r1_hub_template), DeepSeek-R1-Distill as llama.cpp ships
it (../shared/tokenizer/templates), Qwen2.5 (its tokenizer_config.json), and,
since no hub is reachable, Qwen2, Llama-3 and Llama-3.1 written out below from
the Qwen2-7B-Instruct, Meta-Llama-3-8B-Instruct and Llama-3.1-8B-Instruct
tokenizer_config.json files.

    python3 tools/gen_chat_golden.py [--shared ../shared]
"""
import argparse
import gzip
import json
import os

from transformers import AutoTokenizer
from transformers.utils.chat_template_utils import render_jinja_template

QWEN2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)

# Llama-3.1-8B-Instruct's template (the tool branches included, as published).
LLAMA31_TEMPLATE = """{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\\n\\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\\n\\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
                {%- endfor %}
            {{- ")" }}
        {%- else  %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {#- This means we're in ipython mode #}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""


def r1_hub_template(v3):
    """DeepSeek-R1's (and the R1-Distill models') tokenizer_config.json template.

    It is DeepSeek-V3's with three edits, applied here to the real V3 text:
    the last system message wins (no `is_first_sp` joining), assistant turns
    keep only what follows '</think>', and the generation prompt opens
    '<think>\\n'.
    """
    edits = [
        (", system_prompt='', is_first_sp=true)", ", system_prompt='')"),
        ("{%- if ns.is_first_sp %}{% set ns.system_prompt = ns.system_prompt + message['content'] %}"
         "{% set ns.is_first_sp = false %}{%- else %}{% set ns.system_prompt = ns.system_prompt + '\n\n' + "
         "message['content'] %}{%- endif %}", "{% set ns.system_prompt = message['content'] %}"),
        ("{%- else %}{{'<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}",
         "{%- else %}{% set content = message['content'] %}{% if '</think>' in content %}"
         "{% set content = content.split('</think>')[-1] %}{% endif %}"
         "{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}"),
        ("{{'<｜Assistant｜>'}}{% endif %}", "{{'<｜Assistant｜><think>\\n'}}{% endif %}"),
    ]
    t = v3
    for old, new in edits:
        assert t.count(old) == 1, old
        t = t.replace(old, new)
    return t


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


TOOL_CALL = {"type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
TOOL_CALL2 = {"type": "function", "function": {"name": "get_time", "arguments": '{"tz": "Europe/Paris",\n "fmt": "24h"}'}}

DS_QWEN25 = {"deepseek_v3", "deepseek_r1", "deepseek_r1_distill", "qwen2_5"}  # the templates with tool calls
# (name, messages, families that take it; None = all)
CASES = [
    ("user_only", [U("Hello! Who are you?")], None),
    ("system_user", [S("You are a helpful assistant."), U("What is 2 + 2?")], None),
    ("multi_turn", [S("Be brief."), U("Hi"), A("Hello."), U("What is the capital of France?"), A("Paris."),
                    U("And of Italy?")], None),
    ("multi_turn_no_system", [U("Hi"), A("Hello! How can I help?"), U("Tell me a joke.")], None),
    ("ends_with_assistant", [U("Say yes."), A("Yes.")], None),
    ("assistant_think", [U("What is 17 * 3?"), A("<think>\n17 * 3 = 51.\n</think>\n\n17 * 3 = 51."),
                         U("And 17 * 4?")], None),
    ("assistant_two_thinks", [U("Q1"), A("<think>a</think>mid<think>b</think> final answer")], None),
    ("assistant_open_think_only", [U("Q"), A("<think>unfinished reasoning")], None),
    ("empty_contents", [S(""), U(""), A(""), U("")], None),
    ("empty_user", [U("")], None),
    ("unicode", [S("Réponds en français — s'il te plaît. 🙂"), U("你好，世界！ Ünïcödé ẞ ﬁ 𝔘 👩‍💻"),
                 A("Bonjour ! 😊"), U("مرحبا\u200d नमस्ते")], None),
    ("whitespace", [S("\n  System with spaces  \n"), U("\u00a0 padded \u3000\t\r\n"), A("  answer\n\n"),
                    U(" \u2028x\u0085 ")], None),
    ("two_systems", [S("Rule one."), S("Rule two."), U("Hi")], None),
    ("system_later", [U("Hi"), S("Late system note."), U("Again")], None),
    ("special_tokens_in_content", [U("<｜User｜> and <|im_start|> and <|eot_id|> inside text")], None),
    ("no_messages", [], None),
    ("tool_call_single", [U("What's the weather in Paris?"), {"role": "assistant", "content": None,
                          "tool_calls": [TOOL_CALL]}, {"role": "tool", "content": '{"temperature": 18}'},
                          A("It is 18 degrees in Paris.")], DS_QWEN25),
    ("tool_calls_two", [U("Weather and time in Paris?"), {"role": "assistant", "content": None,
                        "tool_calls": [TOOL_CALL, TOOL_CALL2]}, {"role": "tool", "content": "18 C"},
                        {"role": "tool", "content": "14:05"}], DS_QWEN25),
    ("tool_call_then_user", [U("Weather?"), {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
                             {"role": "tool", "content": "18 C"}, A("18 C."), U("Thanks"),
                             {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL2]},
                             {"role": "tool", "content": "14:05"}], DS_QWEN25),
]


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared"))
    args = ap.parse_args()
    tok_dir = os.path.join(args.shared, "tokenizer")
    out_dir = os.path.join(root, "tests", "fixtures", "tokenizer", "chat")
    os.makedirs(out_dir, exist_ok=True)

    v3 = AutoTokenizer.from_pretrained(os.path.join(tok_dir, "deepseek_v3"))
    qwen = AutoTokenizer.from_pretrained(os.path.join(tok_dir, "qwen2_5"))
    with open(os.path.join(tok_dir, "templates", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.llama_cpp.jinja")) as f:
        r1_distill = f.read()
    ds_tokens = dict(bos_token="<｜begin▁of▁sentence｜>", eos_token="<｜end▁of▁sentence｜>")
    llama_tokens = dict(bos_token="<|begin_of_text|>", eos_token="<|eot_id|>")
    # name -> (tokenizer whose apply_chat_template runs, template, special tokens the config names)
    families = {
        "deepseek_v3": (v3, v3.chat_template, ds_tokens),
        "deepseek_r1_distill": (v3, r1_distill, ds_tokens),
        "deepseek_r1": (v3, r1_hub_template(v3.chat_template), ds_tokens),
        "qwen2_5": (qwen, qwen.chat_template, dict(bos_token=None, eos_token="<|im_end|>")),
        "qwen2": (qwen, QWEN2_TEMPLATE, dict(bos_token=None, eos_token="<|im_end|>")),
        "llama3": (v3, LLAMA3_TEMPLATE, llama_tokens),
        "llama3_1": (v3, LLAMA31_TEMPLATE, llama_tokens),
    }
    rows = []
    for fam, (tok, template, special) in families.items():
        config = {"_source": "written by tools/gen_chat_golden.py", "chat_template": template, **special}
        with open(os.path.join(out_dir, fam + ".json"), "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False, indent=1)
            f.write("\n")
        # apply_chat_template passes the tokenizer's special tokens to the
        # template; the families borrowing another tokenizer get theirs as kwargs.
        kwargs = {k: v for k, v in special.items() if v is not None}
        for name, messages, only in CASES:
            if only is not None and fam not in only:
                continue
            for agp in (False, True):
                row = {"family": fam, "name": name, "messages": messages, "add_generation_prompt": agp}
                try:
                    row["rendered"] = tok.apply_chat_template(messages, chat_template=template, tokenize=False,
                                                              add_generation_prompt=agp, **kwargs)
                except Exception as e:  # the template itself rejects this conversation
                    row["error"] = f"{type(e).__name__}: {e}"
                    has_null = any(v is None for m in messages for v in m.values())
                    if has_null:
                        try:
                            row["rendered"] = render_jinja_template([messages], chat_template=template,
                                                                    add_generation_prompt=agp, **kwargs)[0][0]
                            row["rendered_by"] = "render_jinja_template"
                            row["apply_chat_template_error"] = row.pop("error")
                        except Exception:
                            pass
                rows.append(row)
    # gzip without a timestamp (like `gzip -9 -n`) so that reruns give identical bytes.
    with open(os.path.join(out_dir, "golden.jsonl.gz"), "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
            for r in rows:
                f.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"{len(rows)} renderings ({sum('error' in r for r in rows)} rejected by the template) -> {out_dir}")


if __name__ == "__main__":
    main()
