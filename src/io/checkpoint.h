// Checkpoint: the tensors of a Hugging Face model directory, single-file
// (model.safetensors) or sharded (model.safetensors.index.json naming
// model-0000k-of-0000n.safetensors shards), all memory-mapped.
// Views returned by Find() live as long as the Checkpoint.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "io/safetensors.h"

namespace minke::io {

class Checkpoint {
 public:
  // Opens `dir`: the index if present, else model.safetensors, else the only
  // *.safetensors file. Every shard is parsed and validated.
  static Result<std::unique_ptr<Checkpoint>> Open(const std::string& dir);

  // nullptr if absent.
  const TensorView* Find(const std::string& name) const;
  // The shard file holding `name` (for error messages).
  std::string FileOf(const std::string& name) const;
  const std::string& dir() const { return dir_; }
  std::vector<std::string> Names() const;
  size_t num_files() const { return files_.size(); }

 private:
  std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::pair<const TensorView*, size_t>> index_;  // name -> (view, file)
};

}  // namespace minke::io
