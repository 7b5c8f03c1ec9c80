#!/usr/bin/env python3
"""A GGUF written by gguf-py's GGUFWriter (llama.cpp's reference writer), read byte for byte
by tests/io/gguf_test.cc: every metadata value type, arrays, and tensors of the types minke
computes on. Run by hand: `pip install gguf numpy; python3 tools/gen_gguf_fixture.py`.

The values are the inputs listed below; the C++ test builds the same list, checks the parse
and that minke's WriteGguf reproduces the file exactly.
"""
import os

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFValueType as V
from gguf import GGUFWriter, quants

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures", "gguf")
os.makedirs(OUT, exist_ok=True)
path = os.path.join(OUT, "all_types.gguf")

w = GGUFWriter(path, "deepseek2")  # adds general.architecture first
w.add_uint8("t.u8", 200)
w.add_int8("t.i8", -100)
w.add_uint16("t.u16", 60000)
w.add_int16("t.i16", -30000)
w.add_uint32("t.u32", 4000000000)
w.add_int32("t.i32", -2000000000)
w.add_float32("t.f32", 0.1)
w.add_bool("t.bool", True)
w.add_string("t.str", "héllo ▁ wörld")
w.add_uint64("t.u64", 18000000000000000000)
w.add_int64("t.i64", -9000000000000000000)
w.add_float64("t.f64", 0.1)
w.add_array("t.arr_i32", [1, -2, 3])
w.add_array("t.arr_str", ["a", "", "ccc"])
w.add_key_value("t.arr_f32", [0.5, -1.25], V.ARRAY, sub_type=V.FLOAT32)

x = (np.arange(2 * 64, dtype=np.float32).reshape(2, 64) - 50.0) / 8.0
w.add_tensor("f32", x)                                   # ne = [64, 2]
w.add_tensor("f16", x.astype(np.float16))
w.add_tensor("q8_0", quants.quantize(x, T.Q8_0), raw_dtype=T.Q8_0)
w.add_tensor("q4_0", quants.quantize(x, T.Q4_0), raw_dtype=T.Q4_0)
w.add_tensor("bf16_3d", quants.quantize(x.reshape(2, 2, 32), T.BF16), raw_dtype=T.BF16)
w.add_tensor("odd", np.arange(3, dtype=np.float32))      # 12 bytes: padded to the alignment
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print("wrote", path, os.path.getsize(path), "bytes")
