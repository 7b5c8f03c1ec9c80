// `minke verify DIR`: recompute the SHA-256 of every file DIR/provenance.json
// lists (src/data/provenance.h) and report each missing, changed or unlisted
// file; exit code 1 if there is any.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "data/provenance.h"

namespace minke::cli {
namespace {

struct VerifyArgs {
  std::string dir;
  bool inputs = false;
};

Status Verify(const VerifyArgs& a) {
  MINKE_ASSIGN_OR_RETURN(data::VerifyResult v, data::VerifyProvenance(a.dir, a.inputs));
  for (const std::string& p : v.problems) std::printf("MISMATCH %s\n", p.c_str());
  if (!v.ok())
    return Status::Error(a.dir + ": " + std::to_string(v.problems.size()) + " problem(s) in " +
                         std::to_string(v.checked) + " file(s) checked against provenance.json");
  std::printf("ok       %d file(s) match %s/provenance.json\n", v.checked, a.dir.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterVerify(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("verify",
                                 "Check a model directory against its provenance.json: recompute every listed SHA-256");
  auto a = std::make_shared<VerifyArgs>();
  cmd->add_option("dir", a->dir, "Directory holding provenance.json")->required();
  cmd->add_flag("--inputs", a->inputs, "Also check the training inputs at their recorded paths");
  cmd->callback([=] { *action = [=] { return Verify(*a); }; });
}

}  // namespace minke::cli
