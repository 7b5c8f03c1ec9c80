#include "tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

std::string Pcre2Message(int code) {
  PCRE2_UCHAR buf[256];
  int n = pcre2_get_error_message(code, buf, sizeof buf);
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<char*>(buf), n);
}

// Per-thread PCRE2 scratch: match data (one ovector pair is enough: only the
// whole match is used) and a JIT stack big enough for long inputs.
struct Scratch {
  pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* mctx = pcre2_match_context_create(nullptr);
  pcre2_jit_stack* jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
  Scratch() { pcre2_jit_stack_assign(mctx, nullptr, jit_stack); }
  ~Scratch() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(mctx);
    pcre2_match_data_free(md);
  }
};

Scratch& ThreadScratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

struct Regex::Code {
  pcre2_code* re = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(re); }
};

Result<Regex> Regex::Compile(std::string_view pattern) {
  const std::string where = "regex '" + std::string(pattern) + "'";
  Result<std::string> translated = TranslateHfRegex(pattern);
  if (!translated.ok()) return translated.status().WithContext(where);
  auto code = std::make_shared<Code>();
  int err = 0;
  PCRE2_SIZE err_off = 0;
  pcre2_compile_context* cctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);  // Ruby: '.', ^ and $ know only \n
  code->re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated->data()), translated->size(),
                           PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE | PCRE2_NEVER_BACKSLASH_C, &err, &err_off, cctx);
  pcre2_compile_context_free(cctx);
  if (code->re == nullptr)
    return Status::Error(where + ": " + Pcre2Message(err) + " (at offset " + std::to_string(err_off) +
                         " of the translated pattern '" + *translated + "')");
  code->jit = pcre2_jit_compile(code->re, PCRE2_JIT_COMPLETE) == 0;  // else interpret: same results, slower
  return Regex(std::string(pattern), std::move(code));
}

Status Regex::FindAll(std::string_view subject, std::vector<Span>* matches) const {
  matches->clear();
  Scratch& s = ThreadScratch();
  const auto* subj = reinterpret_cast<PCRE2_SPTR>(subject.data());
  const size_t n = subject.size();
  size_t at = 0;
  int64_t last_end = -1;  // end of the previous reported match
  while (at <= n) {
    int rc = code_->jit ? pcre2_jit_match(code_->re, subj, n, at, 0, s.md, s.mctx)
                        : pcre2_match(code_->re, subj, n, at, PCRE2_NO_UTF_CHECK, s.md, s.mctx);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) return Status::Error("regex '" + pattern_ + "': matching failed: " + Pcre2Message(rc));
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.md);
    const size_t b = ov[0], e = ov[1];
    if (b == e) {
      // onig FindMatches: step past an empty match by one char; skip it if
      // it touches the previous match.
      at = e < n ? e + Utf8LenFromLead(static_cast<unsigned char>(subject[e])) : n + 1;
      if (static_cast<int64_t>(e) == last_end) continue;
    } else {
      at = e;
    }
    last_end = static_cast<int64_t>(e);
    matches->emplace_back(static_cast<uint32_t>(b), static_cast<uint32_t>(e));
  }
  return Status::Ok();
}

}  // namespace minke::tokenizer
