// Stream: one request's output, handed from the engine thread (the only
// writer) to the HTTP thread serving the request (the only reader). Text is
// coalesced: a reader that falls behind gets everything produced since its
// last Take() at once. Cancel() is the reader's way back: the engine drops a
// cancelled sequence at its next step, freeing the batch slot and its cache.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace minke::serve {

struct StreamChunk {
  std::string text;               // new text since the last Take()
  std::vector<int32_t> tokens;    // new token ids since the last Take()
  int64_t prompt_tokens = 0;      // the prompt's length
  int64_t completion_tokens = 0;  // tokens generated so far
  bool finished = false;
  std::string finish_reason;  // "stop" or "length" when finished without error
  std::string error;          // set when the engine failed the request
};

class Stream {
 public:
  explicit Stream(int64_t prompt_tokens) { state_.prompt_tokens = prompt_tokens; }

  // Engine side.
  void Append(const std::string& text, int32_t token, int64_t completion_tokens) {
    std::lock_guard<std::mutex> l(mu_);
    state_.text += text;
    state_.tokens.push_back(token);
    state_.completion_tokens = completion_tokens;
    cv_.notify_all();
  }
  void AppendText(const std::string& text) {  // held-back text flushed at the end
    std::lock_guard<std::mutex> l(mu_);
    state_.text += text;
  }
  void Finish(const std::string& finish_reason, const std::string& error = "") {
    std::lock_guard<std::mutex> l(mu_);
    state_.finished = true;
    state_.finish_reason = finish_reason;
    state_.error = error;
    cv_.notify_all();
  }

  // Reader side: waits up to `timeout` for new text or the end; returns what
  // there is (possibly nothing new, on a timeout).
  StreamChunk Take(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, timeout, [&] { return !state_.tokens.empty() || !state_.text.empty() || state_.finished; });
    StreamChunk out = state_;
    state_.text.clear();
    state_.tokens.clear();
    return out;
  }
  void Cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  StreamChunk state_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace minke::serve
