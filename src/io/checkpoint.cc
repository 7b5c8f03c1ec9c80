#include "io/checkpoint.h"

#include "core/json_depth.h"

#include <dirent.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <set>

namespace minke::io {
namespace {

bool FileExists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool IsPlainFileName(const std::string& f) {
  return !f.empty() && f.find('/') == std::string::npos && f != "." && f != "..";
}

}  // namespace

Result<std::unique_ptr<Checkpoint>> Checkpoint::Open(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return Status::Error(dir + ": not a directory");
  auto ck = std::unique_ptr<Checkpoint>(new Checkpoint());
  ck->dir_ = dir;

  std::vector<std::string> shard_names;
  std::map<std::string, std::string> weight_map;
  const std::string index_path = dir + "/model.safetensors.index.json";
  if (FileExists(index_path)) {
    MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(index_path));
    if (!JsonDepthWithin(text, kMaxJsonDepth)) return Status::Error(index_path + ": JSON nests too deeply");
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Status::Error(index_path + ": not a JSON object");
    if (!j.contains("weight_map") || !j["weight_map"].is_object())
      return Status::Error(index_path + ": missing object 'weight_map'");
    std::set<std::string> seen;
    for (const auto& [name, file] : j["weight_map"].items()) {
      if (!file.is_string() || !IsPlainFileName(file.get<std::string>()))
        return Status::Error(index_path + ": weight_map['" + name + "'] is not a file name in this directory");
      weight_map[name] = file.get<std::string>();
      if (seen.insert(file.get<std::string>()).second) shard_names.push_back(file.get<std::string>());
    }
    if (shard_names.empty()) return Status::Error(index_path + ": weight_map is empty");
  } else if (FileExists(dir + "/model.safetensors")) {
    shard_names.push_back("model.safetensors");
  } else {
    DIR* d = ::opendir(dir.c_str());
    if (d != nullptr) {
      while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n.size() > 12 && n.compare(n.size() - 12, 12, ".safetensors") == 0) shard_names.push_back(n);
      }
      ::closedir(d);
    }
    if (shard_names.size() != 1)
      return Status::Error(dir + ": no model.safetensors or model.safetensors.index.json" +
                           (shard_names.empty() ? std::string() : " (and several *.safetensors files)"));
  }

  for (const std::string& name : shard_names) {
    MINKE_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(dir + "/" + name));
    ck->files_.push_back(std::move(file));
    size_t fi = ck->files_.size() - 1;
    for (const auto& [tname, view] : ck->files_[fi]->contents().tensors) {
      auto [it, inserted] = ck->index_.emplace(tname, std::make_pair(&view, fi));
      if (!inserted)
        return Status::Error(dir + ": tensor '" + tname + "' appears in both " + shard_names[it->second.second] +
                             " and " + name);
    }
  }
  for (const auto& [tname, file] : weight_map) {
    auto it = ck->index_.find(tname);
    if (it == ck->index_.end() || shard_names[it->second.second] != file)
      return Status::Error(index_path + ": tensor '" + tname + "' is mapped to " + file + " but is not in it");
  }
  return ck;
}

const TensorView* Checkpoint::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second.first;
}

std::string Checkpoint::FileOf(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? dir_ : files_[it->second.second]->path();
}

std::vector<std::string> Checkpoint::Names() const {
  std::vector<std::string> names;
  for (const auto& [n, _] : index_) names.push_back(n);
  return names;
}

}  // namespace minke::io
