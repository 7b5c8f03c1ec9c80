#include "data/clean_config.h"

#include <toml++/toml.h>
#include <charconv>
#include <nlohmann/json.hpp>

namespace minke::data {
namespace {

enum class Kind { kBool, kInt64, kInt32, kUint64, kDouble, kString, kDoubleList, kStringList, kUnit, kBadJsonl };

// One TOML key, bound to its place in a CleanConfig.
struct Field {
  const char* section;
  const char* key;
  Kind kind;
  void* ptr;
  const char* help;
};

constexpr const char* kSections[] = {"input", "normalize", "quality", "repetition", "dedup", "scrub", "output"};

std::vector<Field> Fields(CleanConfig* c) {
  QualityThresholds& q = c->quality;
  RepetitionThresholds& r = c->repetition;
  MinHashParams& m = c->dedup.minhash;
  return {
      {"input", "plain_text_unit", Kind::kUnit, &c->input.plain_text_unit,
       "\"paragraph\": a document per blank-line-separated block; \"file\": per file"},
      {"input", "text_field", Kind::kString, &c->input.text_field, "JSONL field holding the text"},
      {"input", "on_bad_jsonl", Kind::kBadJsonl, &c->input.skip_bad_jsonl,
       "\"error\": stop, naming file:line; \"skip\": count it in the report"},
      {"input", "max_doc_bytes", Kind::kInt64, &c->input.max_doc_bytes, "longer documents are dropped as oversized"},
      {"normalize", "nfc", Kind::kBool, &c->normalize.nfc, "Unicode NFC"},
      {"normalize", "whitespace", Kind::kBool, &c->normalize.whitespace, "line endings, spaces, blank lines"},
      {"quality", "enabled", Kind::kBool, &c->quality_enabled, "Gopher quality rules (Rae et al. 2021, A.1.1)"},
      {"quality", "min_words", Kind::kInt64, &q.min_words, "0 disables a rule"},
      {"quality", "max_words", Kind::kInt64, &q.max_words, nullptr},
      {"quality", "min_mean_word_length", Kind::kDouble, &q.min_mean_word_length, nullptr},
      {"quality", "max_mean_word_length", Kind::kDouble, &q.max_mean_word_length, nullptr},
      {"quality", "max_symbol_word_ratio", Kind::kDouble, &q.max_symbol_word_ratio, "'#' or ellipses per word"},
      {"quality", "max_bullet_lines_fraction", Kind::kDouble, &q.max_bullet_lines_fraction, nullptr},
      {"quality", "max_ellipsis_lines_fraction", Kind::kDouble, &q.max_ellipsis_lines_fraction, nullptr},
      {"quality", "min_alpha_words_fraction", Kind::kDouble, &q.min_alpha_words_fraction, nullptr},
      {"quality", "min_stop_words", Kind::kInt64, &q.min_stop_words, nullptr},
      {"quality", "stop_words", Kind::kStringList, &q.stop_words, nullptr},
      {"repetition", "enabled", Kind::kBool, &c->repetition_enabled, "Gopher repetition rules (Table A1)"},
      {"repetition", "max_dup_line_fraction", Kind::kDouble, &r.max_dup_line_fraction, nullptr},
      {"repetition", "max_dup_paragraph_fraction", Kind::kDouble, &r.max_dup_paragraph_fraction, nullptr},
      {"repetition", "max_dup_line_char_fraction", Kind::kDouble, &r.max_dup_line_char_fraction, nullptr},
      {"repetition", "max_dup_paragraph_char_fraction", Kind::kDouble, &r.max_dup_paragraph_char_fraction, nullptr},
      {"repetition", "max_top_ngram_char_fraction", Kind::kDoubleList, &r.max_top_ngram_char_fraction, "n = 2, 3, 4"},
      {"repetition", "max_dup_ngram_char_fraction", Kind::kDoubleList, &r.max_dup_ngram_char_fraction,
       "n = 5, 6, 7, 8, 9, 10"},
      {"dedup", "exact", Kind::kBool, &c->dedup.exact, "drop repeats of the same cleaned text"},
      {"dedup", "near", Kind::kBool, &c->dedup.near, "MinHash + LSH"},
      {"dedup", "shingle_words", Kind::kInt32, &m.shingle_words, nullptr},
      {"dedup", "bands", Kind::kInt32, &m.bands, nullptr},
      {"dedup", "rows", Kind::kInt32, &m.rows, nullptr},
      {"dedup", "jaccard_threshold", Kind::kDouble, &m.threshold, nullptr},
      {"dedup", "seed", Kind::kUint64, &m.seed, nullptr},
      {"scrub", "email", Kind::kBool, &c->scrub.email, nullptr},
      {"scrub", "phone", Kind::kBool, &c->scrub.phone, nullptr},
      {"scrub", "ip", Kind::kBool, &c->scrub.ip, "IPv4 and IPv6"},
      {"scrub", "email_token", Kind::kString, &c->scrub.email_token, nullptr},
      {"scrub", "phone_token", Kind::kString, &c->scrub.phone_token, nullptr},
      {"scrub", "ip_token", Kind::kString, &c->scrub.ip_token, nullptr},
      {"output", "shard_bytes", Kind::kInt64, &c->output.shard_bytes, nullptr},
      {"output", "batch_bytes", Kind::kInt64, &c->output.batch_bytes, "read, then cleaned in parallel, per step"},
  };
}

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    default:
      return "date/time";
  }
}

std::optional<double> AsDouble(const toml::node& n) {
  if (auto d = n.value_exact<double>()) return *d;
  if (auto i = n.value_exact<int64_t>()) return static_cast<double>(*i);
  return std::nullopt;
}

Status SetField(const Field& f, const toml::node& n, const std::string& where) {
  const std::string name = where + ": [" + f.section + "] " + f.key;
  auto wrong = [&](const char* expected) {
    return Status::Error(name + ": expected " + expected + ", got " + TypeName(n));
  };
  switch (f.kind) {
    case Kind::kBool:
      if (!n.is_boolean()) return wrong("a boolean");
      *static_cast<bool*>(f.ptr) = *n.value<bool>();
      return Status::Ok();
    case Kind::kInt64:
    case Kind::kInt32:
    case Kind::kUint64: {
      if (!n.is_integer()) return wrong("an integer");
      const int64_t v = *n.value<int64_t>();
      if (v < 0) return Status::Error(name + ": must not be negative, got " + std::to_string(v));
      if (f.kind == Kind::kInt64) *static_cast<int64_t*>(f.ptr) = v;
      if (f.kind == Kind::kUint64) *static_cast<uint64_t*>(f.ptr) = static_cast<uint64_t>(v);
      if (f.kind == Kind::kInt32) {
        if (v > (1 << 30)) return Status::Error(name + ": too large: " + std::to_string(v));
        *static_cast<int*>(f.ptr) = static_cast<int>(v);
      }
      return Status::Ok();
    }
    case Kind::kDouble: {
      auto d = AsDouble(n);
      if (!d) return wrong("a number");
      *static_cast<double*>(f.ptr) = *d;
      return Status::Ok();
    }
    case Kind::kString:
      if (!n.is_string()) return wrong("a string");
      *static_cast<std::string*>(f.ptr) = *n.value<std::string>();
      return Status::Ok();
    case Kind::kDoubleList:
    case Kind::kStringList: {
      const toml::array* a = n.as_array();
      if (!a) return wrong("an array");
      std::vector<double> ds;
      std::vector<std::string> ss;
      for (const toml::node& e : *a) {
        if (f.kind == Kind::kDoubleList) {
          auto d = AsDouble(e);
          if (!d) return Status::Error(name + ": expected an array of numbers, got an element of type " + TypeName(e));
          ds.push_back(*d);
        } else {
          if (!e.is_string())
            return Status::Error(name + ": expected an array of strings, got an element of type " + TypeName(e));
          ss.push_back(*e.value<std::string>());
        }
      }
      if (f.kind == Kind::kDoubleList) *static_cast<std::vector<double>*>(f.ptr) = ds;
      if (f.kind == Kind::kStringList) *static_cast<std::vector<std::string>*>(f.ptr) = ss;
      return Status::Ok();
    }
    case Kind::kUnit: {
      auto s = n.value_exact<std::string>();
      if (!s || (*s != "paragraph" && *s != "file"))
        return Status::Error(name + ": expected \"paragraph\" or \"file\"");
      *static_cast<PlainTextUnit*>(f.ptr) = *s == "file" ? PlainTextUnit::kFile : PlainTextUnit::kParagraph;
      return Status::Ok();
    }
    case Kind::kBadJsonl: {
      auto s = n.value_exact<std::string>();
      if (!s || (*s != "error" && *s != "skip")) return Status::Error(name + ": expected \"error\" or \"skip\"");
      *static_cast<bool*>(f.ptr) = *s == "skip";
      return Status::Ok();
    }
  }
  return Status::Ok();
}

std::string Number(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, end);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\')
      out += '\\', out += ch;
    else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string ValueToToml(const Field& f) {
  switch (f.kind) {
    case Kind::kBool:
      return *static_cast<bool*>(f.ptr) ? "true" : "false";
    case Kind::kInt64:
      return std::to_string(*static_cast<int64_t*>(f.ptr));
    case Kind::kInt32:
      return std::to_string(*static_cast<int*>(f.ptr));
    case Kind::kUint64:
      return std::to_string(*static_cast<uint64_t*>(f.ptr));
    case Kind::kDouble:
      return Number(*static_cast<double*>(f.ptr));
    case Kind::kString:
      return Quoted(*static_cast<std::string*>(f.ptr));
    case Kind::kDoubleList:
    case Kind::kStringList: {
      std::string s = "[";
      if (f.kind == Kind::kDoubleList)
        for (double d : *static_cast<std::vector<double>*>(f.ptr)) s += (s.size() > 1 ? ", " : "") + Number(d);
      else
        for (const auto& w : *static_cast<std::vector<std::string>*>(f.ptr))
          s += (s.size() > 1 ? ", " : "") + Quoted(w);
      return s + "]";
    }
    case Kind::kUnit:
      return *static_cast<PlainTextUnit*>(f.ptr) == PlainTextUnit::kFile ? "\"file\"" : "\"paragraph\"";
    case Kind::kBadJsonl:
      return *static_cast<bool*>(f.ptr) ? "\"skip\"" : "\"error\"";
  }
  return "";
}

}  // namespace

Result<CleanConfig> ParseCleanConfig(std::string_view text, const std::string& where) {
  CleanConfig c;
  toml::table tbl;
  try {
    tbl = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    return Status::Error(where + ":" + std::to_string(e.source().begin.line) + ":" +
                         std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  const std::vector<Field> fields = Fields(&c);
  for (const auto& [sec_key, sec_node] : tbl) {
    const std::string section(sec_key.str());
    if (std::find(std::begin(kSections), std::end(kSections), section) == std::end(kSections))
      return Status::Error(where + ": unknown section [" + section + "]");
    const toml::table* sec = sec_node.as_table();
    if (!sec) return Status::Error(where + ": '" + section + "' must be a [section], got " + TypeName(sec_node));
    for (const auto& [key, node] : *sec) {
      const std::string_view name = key.str();  // clang 14 cannot capture a structured binding
      auto it = std::find_if(fields.begin(), fields.end(),
                             [&](const Field& f) { return section == f.section && name == f.key; });
      if (it == fields.end())
        return Status::Error(where + ": [" + section + "] unknown key '" + std::string(key.str()) + "'");
      MINKE_RETURN_IF_ERROR(SetField(*it, node, where));
    }
  }
  MINKE_RETURN_IF_ERROR(ValidateCleanConfig(c).WithContext(where));
  return c;
}

Status ValidateCleanConfig(const CleanConfig& c) {
  auto fraction = [](const char* name, double v) {
    return v < 0 || v > 1 ? Status::Error(std::string(name) + ": expected a fraction in [0, 1], got " + Number(v))
                          : Status::Ok();
  };
  const QualityThresholds& q = c.quality;
  const RepetitionThresholds& r = c.repetition;
  MINKE_RETURN_IF_ERROR(fraction("[quality] max_symbol_word_ratio", q.max_symbol_word_ratio));
  MINKE_RETURN_IF_ERROR(fraction("[quality] max_bullet_lines_fraction", q.max_bullet_lines_fraction));
  MINKE_RETURN_IF_ERROR(fraction("[quality] max_ellipsis_lines_fraction", q.max_ellipsis_lines_fraction));
  MINKE_RETURN_IF_ERROR(fraction("[quality] min_alpha_words_fraction", q.min_alpha_words_fraction));
  MINKE_RETURN_IF_ERROR(fraction("[repetition] max_dup_line_fraction", r.max_dup_line_fraction));
  MINKE_RETURN_IF_ERROR(fraction("[repetition] max_dup_paragraph_fraction", r.max_dup_paragraph_fraction));
  MINKE_RETURN_IF_ERROR(fraction("[repetition] max_dup_line_char_fraction", r.max_dup_line_char_fraction));
  MINKE_RETURN_IF_ERROR(fraction("[repetition] max_dup_paragraph_char_fraction", r.max_dup_paragraph_char_fraction));
  for (double v : r.max_top_ngram_char_fraction)
    MINKE_RETURN_IF_ERROR(fraction("[repetition] max_top_ngram_char_fraction", v));
  for (double v : r.max_dup_ngram_char_fraction)
    MINKE_RETURN_IF_ERROR(fraction("[repetition] max_dup_ngram_char_fraction", v));
  if (r.max_top_ngram_char_fraction.size() != 3)
    return Status::Error("[repetition] max_top_ngram_char_fraction: expected 3 values (n = 2, 3, 4), got " +
                         std::to_string(r.max_top_ngram_char_fraction.size()));
  if (r.max_dup_ngram_char_fraction.size() != 6)
    return Status::Error("[repetition] max_dup_ngram_char_fraction: expected 6 values (n = 5..10), got " +
                         std::to_string(r.max_dup_ngram_char_fraction.size()));
  if (q.min_mean_word_length < 0 || q.max_mean_word_length < 0)
    return Status::Error("[quality] mean word lengths must not be negative");
  if (q.max_words > 0 && q.min_words > q.max_words)
    return Status::Error("[quality] min_words " + std::to_string(q.min_words) + " > max_words " +
                         std::to_string(q.max_words));
  const MinHashParams& m = c.dedup.minhash;
  if (m.bands < 1 || m.rows < 1 || m.bands * m.rows > 4096)
    return Status::Error("[dedup] bands x rows must be between 1 and 4096, got " + std::to_string(m.bands) + " x " +
                         std::to_string(m.rows));
  if (m.shingle_words < 1 || m.shingle_words > 64)
    return Status::Error("[dedup] shingle_words must be in [1, 64], got " + std::to_string(m.shingle_words));
  if (!(m.threshold > 0 && m.threshold <= 1))
    return Status::Error("[dedup] jaccard_threshold must be in (0, 1], got " + Number(m.threshold));
  if (c.input.text_field.empty()) return Status::Error("[input] text_field must not be empty");
  if (c.input.max_doc_bytes < 1) return Status::Error("[input] max_doc_bytes must be positive");
  if (c.output.shard_bytes < 1 || c.output.batch_bytes < 1)
    return Status::Error("[output] shard_bytes and batch_bytes must be positive");
  return Status::Ok();
}

std::string CleanConfigToToml(const CleanConfig& config) {
  CleanConfig c = config;  // Fields() binds mutable pointers
  std::string out = "# minke data clean configuration (defaults: Gopher thresholds, Rae et al. 2021)\n";
  const char* section = "";
  for (const Field& f : Fields(&c)) {
    if (std::string_view(section) != f.section) {
      section = f.section;
      out += std::string("\n[") + section + "]\n";
    }
    std::string line = std::string(f.key) + " = " + ValueToToml(f);
    if (f.help) line += std::string(line.size() < 40 ? 40 - line.size() : 1, ' ') + "# " + f.help;
    out += line + "\n";
  }
  return out;
}

std::string CleanConfigToJson(const CleanConfig& config) {
  CleanConfig c = config;
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const Field& f : Fields(&c)) {
    nlohmann::ordered_json& v = j[f.section][f.key];
    switch (f.kind) {
      case Kind::kBool:
        v = *static_cast<bool*>(f.ptr);
        break;
      case Kind::kInt64:
        v = *static_cast<int64_t*>(f.ptr);
        break;
      case Kind::kInt32:
        v = *static_cast<int*>(f.ptr);
        break;
      case Kind::kUint64:
        v = *static_cast<uint64_t*>(f.ptr);
        break;
      case Kind::kDouble:
        v = *static_cast<double*>(f.ptr);
        break;
      case Kind::kString:
        v = *static_cast<std::string*>(f.ptr);
        break;
      case Kind::kDoubleList:
        v = *static_cast<std::vector<double>*>(f.ptr);
        break;
      case Kind::kStringList:
        v = *static_cast<std::vector<std::string>*>(f.ptr);
        break;
      case Kind::kUnit:
        v = *static_cast<PlainTextUnit*>(f.ptr) == PlainTextUnit::kFile ? "file" : "paragraph";
        break;
      case Kind::kBadJsonl:
        v = *static_cast<bool*>(f.ptr) ? "skip" : "error";
        break;
    }
  }
  return j.dump(2);
}

}  // namespace minke::data
