#include "infer/chat_session.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace minke::infer {
namespace {

// Tokens that end an assistant turn. The template's eos_token always; the
// chat families whose turns end with their own marker also stop there, since
// a tokenizer_config.json may name the base model's EOS instead (Qwen2:
// "<|endoftext|>" vs the turn's "<|im_end|>"; early Llama-3-Instruct:
// "<|end_of_text|>" vs "<|eot_id|>").
Result<std::vector<int32_t>> EndOfTurnTokens(const tokenizer::Tokenizer& tok, const tokenizer::ChatTemplate& t) {
  std::optional<uint32_t> eos = tok.TokenToId(t.eos_token());
  if (!eos) return Status::Error("the chat template's eos_token '" + t.eos_token() + "' is not in the tokenizer");
  std::vector<int32_t> out = {static_cast<int32_t>(*eos)};
  const char* turn_end = t.family() == tokenizer::ChatFamily::kQwen2    ? "<|im_end|>"
                         : t.family() == tokenizer::ChatFamily::kLlama3 ? "<|eot_id|>"
                                                                        : nullptr;
  if (turn_end != nullptr)
    if (std::optional<uint32_t> id = tok.TokenToId(turn_end); id && *id != *eos)
      out.push_back(static_cast<int32_t>(*id));
  return out;
}

tokenizer::ChatMessage Message(std::string role, std::string content) {
  tokenizer::ChatMessage m;
  m.role = std::move(role);
  m.content = std::move(content);
  return m;
}

// Whether `text` ends with `marker` and then only whitespace.
bool EndsWithMarker(const std::string& text, const std::string& marker) {
  if (marker.empty()) return false;
  const size_t end = text.find_last_not_of(" \t\r\n");
  return end != std::string::npos && end + 1 >= marker.size() &&
         text.compare(end + 1 - marker.size(), marker.size(), marker) == 0;
}

}  // namespace

Result<ChatSession> ChatSession::Create(const model::Transformer& m, const tokenizer::Tokenizer& tok,
                                        tokenizer::ChatTemplate tmpl, ChatOptions opt) {
  const int64_t V = m.config().vocab_size;
  if (tok.vocab_size() > V)
    return Status::Error("the tokenizer has ids up to " + std::to_string(tok.vocab_size() - 1) +
                         " but the model's vocab_size is " + std::to_string(V) + " (a tokenizer of another model?)");
  MINKE_ASSIGN_OR_RETURN(std::vector<int32_t> stops, EndOfTurnTokens(tok, tmpl));
  opt.generate.stop_tokens.insert(opt.generate.stop_tokens.end(), stops.begin(), stops.end());
  if (opt.context < 2) return Status::Error("context must be at least 2 tokens, got " + std::to_string(opt.context));
  MINKE_RETURN_IF_ERROR(ValidateSampling(opt.generate.sampling));
  const int64_t context = std::min(opt.context, m.config().max_position_embeddings);
  return ChatSession(m, tok, std::move(tmpl), std::move(opt), context);
}

ChatSession::ChatSession(const model::Transformer& m, const tokenizer::Tokenizer& tok, tokenizer::ChatTemplate tmpl,
                         ChatOptions opt, int64_t context)
    : model_(&m), tok_(&tok), tmpl_(std::move(tmpl)), opt_(std::move(opt)), cache_(m.config(), context) {
  opt_.generate.tokenizer = tok_;
  // The reply is text for a person and for the next turn's template, as
  // transformers' chat pipeline decodes it.
  opt_.generate.skip_special_tokens = true;
}

Result<std::vector<int32_t>> ChatSession::RenderPrompt(bool* starts_in_think) const {
  std::vector<tokenizer::ChatMessage> all;
  if (!opt_.system.empty()) all.push_back(Message("system", opt_.system));
  all.insert(all.end(), messages_.begin(), messages_.end());
  MINKE_ASSIGN_OR_RETURN(std::string text, tmpl_.Render(all, /*add_generation_prompt=*/true));
  *starts_in_think = EndsWithMarker(text, tmpl_.think_open());
  // BOS and every other special token come from the template's text, as
  // apply_chat_template(tokenize=True) does: no post-processor.
  MINKE_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, tok_->Encode(text, /*add_special_tokens=*/false));
  return std::vector<int32_t>(ids.begin(), ids.end());
}

Status ChatSession::Send(const std::string& user, const std::function<bool(ReplyPart, std::string_view)>& on_text,
                         ChatTurn* turn) {
  *turn = ChatTurn();
  messages_.push_back(Message("user", user));
  bool in_think = false;
  Result<std::vector<int32_t>> rendered = RenderPrompt(&in_think);
  if (!rendered.ok()) {
    messages_.pop_back();
    return rendered.status();
  }
  const std::vector<int32_t>& prompt = *rendered;
  const int64_t P = static_cast<int64_t>(prompt.size()), limit = cache_.capacity();
  turn->prompt_tokens = P;
  if (P >= limit) {
    messages_.pop_back();
    return Status::Error("the conversation is " + std::to_string(P) + " tokens and the context holds " +
                         std::to_string(limit) + ", leaving no room for a reply: /reset starts a new one");
  }

  // Cache reuse. Position i of the cache depends only on tokens 0..i, so the
  // cached positions of the longest common prefix of what the cache holds and
  // the new prompt are exactly what a fresh prefill would compute: keep them
  // and prefill the rest. Usually the new prompt extends the last one (the
  // reply, its end-of-turn token and the new user turn), but not always: the
  // re-tokenized reply may split differently from the sampled tokens, and R1
  // templates drop the reasoning of earlier replies, so the conversation
  // diverges from the cache after the last generation prompt. Then only the
  // shared prefix is kept (at worst none: a full re-prefill).
  size_t common = 0;
  while (common < cached_.size() && common < prompt.size() && cached_[common] == prompt[common]) ++common;
  cache_.set_length(static_cast<int64_t>(common));

  ThinkSplitter split(tmpl_.think_open(), tmpl_.think_close(), in_think);
  bool more = true;
  auto emit = [&](ReplyPart part, std::string_view s) {
    if (more && on_text && !on_text(part, s)) more = false;
  };
  GenerateCallbacks cb;
  cb.on_text = [&](std::string_view s) {
    split.Push(s, emit);
    return more;
  };
  GenerateResult& r = turn->result;
  Status s = Generate(*model_, &cache_, prompt, opt_.generate, cb, &r);
  // Whatever happened, the cache holds prompt + reply tokens up to its length.
  std::vector<int32_t> seq = prompt;
  seq.insert(seq.end(), r.tokens.begin(), r.tokens.end());
  seq.resize(std::min(seq.size(), static_cast<size_t>(cache_.length())));
  cached_ = std::move(seq);
  if (!s.ok()) {
    messages_.pop_back();
    return s;
  }
  split.Flush(emit);
  last_prompt_ = prompt;
  turn->reused_tokens = P - r.prefilled;
  turn->context_full =
      r.finish_reason == "length" && static_cast<int64_t>(r.tokens.size()) < opt_.generate.max_new_tokens;
  messages_.push_back(Message("assistant", r.text));
  return Status::Ok();
}

void ChatSession::Reset() { messages_.clear(); }

}  // namespace minke::infer
