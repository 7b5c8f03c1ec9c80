// ChatSession: a conversation with a chat model — the messages so far, and a
// latent cache kept between turns so that each turn prefills only what is
// new. A turn renders the whole conversation with the model's chat template
// (as transformers' apply_chat_template would), tokenizes it, generates the
// reply until the template's end-of-turn token, streams it split into
// reasoning and answer (think_splitter.h), and appends it to the
// conversation as the template expects (R1 templates drop the reasoning of
// earlier turns themselves, so the whole reply is stored).
//
// The tokenizer and model are not owned and must outlive the session. One
// turn at a time; not thread-safe (the model may be shared with other
// sessions: Transformer calls are const).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "infer/generator.h"
#include "infer/think_splitter.h"
#include "model/kv_cache.h"
#include "model/transformer.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace minke::infer {

struct ChatOptions {
  // Sampling, max_new_tokens, stop strings and extra stop tokens; the
  // session adds the template's end-of-turn tokens and its tokenizer.
  GenerateOptions generate;
  std::string system;      // system prompt; empty: none (the template's default, if it has one)
  int64_t context = 4096;  // cache capacity in tokens, capped at max_position_embeddings
};

struct ChatTurn {
  GenerateResult result;      // the reply: tokens, text, finish reason, timings
  int64_t prompt_tokens = 0;  // the rendered conversation, in tokens
  int64_t reused_tokens = 0;  // of which came from the cache of earlier turns
  bool context_full = false;  // the reply ended because the context is full
};

class ChatSession {
 public:
  // Errors: the template's end-of-sequence token is not in the tokenizer,
  // or the tokenizer has ids the model's vocabulary lacks.
  static Result<ChatSession> Create(const model::Transformer& m, const tokenizer::Tokenizer& tok,
                                    tokenizer::ChatTemplate tmpl, ChatOptions opt);

  // One turn: the user's message in, the reply streamed to on_text (return
  // false to stop the reply early) and stored. On error (a conversation
  // longer than the context, text that does not tokenize, ...) the
  // conversation is left as it was before the turn.
  Status Send(const std::string& user, const std::function<bool(ReplyPart, std::string_view)>& on_text, ChatTurn* turn);

  // Forgets the conversation (the system prompt stays). The cache is kept:
  // the next turn reuses whatever prefix it still shares (BOS, system prompt).
  void Reset();

  const std::vector<tokenizer::ChatMessage>& messages() const { return messages_; }
  // The last turn's prompt tokens (the rendered conversation + generation prompt).
  const std::vector<int32_t>& last_prompt() const { return last_prompt_; }
  // What the cache holds: cached_tokens()[i] is at position i.
  const std::vector<int32_t>& cached_tokens() const { return cached_; }
  const model::LatentCache& cache() const { return cache_; }
  const tokenizer::ChatTemplate& chat_template() const { return tmpl_; }

 private:
  ChatSession(const model::Transformer& m, const tokenizer::Tokenizer& tok, tokenizer::ChatTemplate tmpl,
              ChatOptions opt, int64_t context);
  Result<std::vector<int32_t>> RenderPrompt(bool* starts_in_think) const;

  const model::Transformer* model_;
  const tokenizer::Tokenizer* tok_;
  tokenizer::ChatTemplate tmpl_;
  ChatOptions opt_;
  std::vector<tokenizer::ChatMessage> messages_;
  model::LatentCache cache_;
  std::vector<int32_t> cached_, last_prompt_;
};

}  // namespace minke::infer
