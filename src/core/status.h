// Status and Result<T>: how minke reports errors (LevelDB style).
//
// Library code never prints or exits on bad input; it returns a Status whose
// message names the thing, the place, and expected vs got, e.g.
//   "model.safetensors: tensor 'lm_head.weight': data offset 812 beyond file size 640".
// Only the CLI turns a failed Status into a message and an exit code.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace minke {

class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string msg) { return Status(std::move(msg)); }

  bool ok() const { return !msg_.has_value(); }
  const std::string& message() const {
    static const std::string kOk = "OK";
    return msg_ ? *msg_ : kOk;
  }
  // Prefixes context, e.g. WithContext("config.json") -> "config.json: <msg>".
  Status WithContext(const std::string& where) const { return ok() ? *this : Status(where + ": " + *msg_); }

 private:
  explicit Status(std::string msg) : msg_(std::move(msg)) {}
  std::optional<std::string> msg_;
};

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must be an error

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace minke

// Returns early from the enclosing function when a Status is not OK.
#define MINKE_RETURN_IF_ERROR(expr)        \
  do {                                     \
    ::minke::Status _minke_st = (expr);    \
    if (!_minke_st.ok()) return _minke_st; \
  } while (0)

#define MINKE_CONCAT_INNER(a, b) a##b
#define MINKE_CONCAT(a, b) MINKE_CONCAT_INNER(a, b)
// `MINKE_ASSIGN_OR_RETURN(auto x, MakeX());` unwraps a Result or returns its Status.
#define MINKE_ASSIGN_OR_RETURN(lhs, rexpr)                                                      \
  auto MINKE_CONCAT(_minke_r, __LINE__) = (rexpr);                                              \
  if (!MINKE_CONCAT(_minke_r, __LINE__).ok()) return MINKE_CONCAT(_minke_r, __LINE__).status(); \
  lhs = std::move(MINKE_CONCAT(_minke_r, __LINE__)).value()
