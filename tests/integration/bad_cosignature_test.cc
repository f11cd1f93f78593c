// Bad cosignatures sent back to an archive's collectors (issue 16 review):
// A asks a real witness and mirror, office B, through a proxy in this test
// that alters B's cosignature line in its answers: a line by another key of
// B's name, a signature with a flipped byte, B's genuine line for an earlier
// checkpoint, a line that is not a signature line. Each is refused with its
// reason in A's log (and, for the witness, in the answer of a put held for
// the quorum), is never stored in the checkpoint A serves, and never counts
// toward the quorum; B's genuine line after it is accepted. A genuine line
// beside another key's line of the same name is kept, alone.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "storage/base/hex.h"
#include "storage/format/cosignature.h"
#include "storage/format/signed_note.h"
#include "storage/format/signing_key.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

enum class Fault {
  kNone,             // B's answer as it is
  kOtherKey,         // B's line replaced by another key's of B's name
  kBadSignature,     // B's line with a byte of its signature flipped
  kOtherCheckpoint,  // B's genuine line for the checkpoint before
  kMalformed,        // B's line replaced by one that is no signature line
  kOtherKeyBeside,   // another key's line of B's name before B's genuine one
};

// Forwards add-checkpoint to B's witness and the checkpoint of B's mirror,
// altering B's line in the answers as the test says.
class TamperingProxy {
 public:
  explicit TamperingProxy(int target_port)
      : target_port_(target_port), port_(FreePort()) {
    server_.Post("/witness/add-checkpoint",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   httplib::Client b("127.0.0.1", target_port_);
                   auto r = b.Post(req.path, req.body, "text/plain");
                   Answer(r, req.body.substr(req.body.find("\n\n") + 2), &res);
                 });
    server_.Get(R"(/mirror/[0-9a-f]+/checkpoint)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  httplib::Client b("127.0.0.1", target_port_);
                  auto r = b.Get(req.path);
                  Answer(r, r ? r->body : "", &res);
                });
    EXPECT_TRUE(server_.bind_to_port("127.0.0.1", port_)) << port_;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TamperingProxy() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& role) const {
    return absl::StrCat("http://127.0.0.1:", port_, "/", role);
  }
  void Set(Fault fault) {
    std::lock_guard<std::mutex> lock(mu_);
    fault_ = fault;
  }

 private:
  // B's answer `r` to a request about the checkpoint `note`, altered.
  void Answer(const httplib::Result& r, const std::string& note,
              httplib::Response* res) {
    if (!r) {
      res->status = 502;
      return;
    }
    res->status = r->status;
    res->set_content(r->status == 200 ? Tamper(r->body, note) : r->body,
                     r->get_header_value("Content-Type"));
  }

  std::string Tamper(const std::string& body, const std::string& note) {
    auto parsed = ParseNote(note);
    const std::string text = parsed.ok() ? parsed->text : "";
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (absl::string_view line : absl::StrSplit(body, '\n')) {
      // "— <name> <base64>": B's witness or mirror line, not A's own.
      std::vector<std::string> words = absl::StrSplit(line, ' ');
      if (words.size() != 3 || words[0] != "\xE2\x80\x94" ||
          !absl::StartsWith(words[1], "cos-b.example/")) {
        out.emplace_back(line);
        continue;
      }
      const std::string& name = words[1];
      std::string forged =
          FormatSignatureLine(Cosign(*Impostor(name), 1796000000, text));
      forged.pop_back();  // its "\n"
      auto sig = Base64Decode(words[2]);
      switch (fault_) {
        case Fault::kNone:
          last_good_[name] = std::string(line);
          out.emplace_back(line);
          break;
        case Fault::kOtherKey:
          out.push_back(forged);
          break;
        case Fault::kBadSignature:
          if (sig.has_value()) sig->back() ^= 0x01;
          out.push_back(absl::StrCat(words[0], " ", name, " ",
                                     Base64Encode(sig.value_or(""))));
          break;
        case Fault::kOtherCheckpoint:
          out.push_back(last_good_[name]);
          break;
        case Fault::kMalformed:
          out.push_back(absl::StrCat(words[0], " ", name, " cosigned!"));
          break;
        case Fault::kOtherKeyBeside:
          out.push_back(forged);
          out.emplace_back(line);
          break;
      }
    }
    return absl::StrJoin(out, "\n");
  }

  SigningKey* Impostor(const std::string& name) {
    auto& key = impostors_[name];
    if (key == nullptr) key = std::move(*SigningKey::Generate(name));
    return key.get();
  }

  const int target_port_;
  const int port_;
  httplib::Server server_;
  std::thread thread_;
  std::mutex mu_;
  Fault fault_ = Fault::kNone;
  std::map<std::string, std::string> last_good_;  // by cosigner name
  std::map<std::string, std::unique_ptr<SigningKey>> impostors_;
};

struct Case {
  Fault fault;
  const char* what;
  const char* reason;  // in A's log and the put's answer
};
const Case kBadCases[] = {
    {Fault::kOtherKey, "another key's line",
     "no cosignature by witness cos-b.example/"},
    {Fault::kBadSignature, "a flipped signature", "is invalid"},
    {Fault::kMalformed, "no signature line", "does not parse"},
    // After another cause, so that the log says it again.
    {Fault::kOtherCheckpoint, "the line of the checkpoint before",
     "is invalid"},
};

class BadCosignatureTest : public ::testing::Test {
 protected:
  // B witnesses and mirrors A; A asks B through the proxy.
  void Start(const std::string& role, const std::vector<std::string>& flags) {
    b_ = StartWitnessedOffice("cos-b.example", dir_);
    proxy_ = std::make_unique<TamperingProxy>(b_.http_port);
    const std::string key =
        role == "witness" ? b_.witness_key() : b_.mirror_key();
    a_ = StartWitnessedOffice(
        "cos-a.example", dir_, flags,
        absl::StrCat(role, " ", key, " ", proxy_->Url(role), "\n"));
    b_.office->Trust({a_.office.get()});
  }
  ProcessResult Put(const std::string& doc) {
    const std::string path = dir_.path() + "/doc.txt";
    WriteFileOrDie(path, doc + "\n");
    return a_.office->Ctl({"put", path, "--id", doc, "--json"});
  }
  std::string Served() {
    auto r = HttpGet(a_.http_port, "/log/checkpoint");
    return r ? r->body : "";
  }
  // Lines of A's log holding `start` and then `reason`, once there are `n`
  // (within 10 s).
  int AwaitInLog(const std::string& start, const std::string& reason, int n) {
    int count = 0;
    for (int i = 0; i < 100 && count < n; ++i) {
      if (i > 0) absl::SleepFor(absl::Milliseconds(100));
      count = 0;
      for (absl::string_view line : absl::StrSplit(a_.office->Log(), '\n')) {
        size_t at = line.find(start);
        if (at != absl::string_view::npos &&
            line.find(reason, at + start.size()) != absl::string_view::npos) {
          ++count;
        }
      }
    }
    return count;
  }

  TempDir dir_;
  WitnessedOffice a_, b_;
  std::unique_ptr<TamperingProxy> proxy_;  // after b_: stops before it
};

TEST_F(BadCosignatureTest, AWitnessLineThatDoesNotVerifyNeverCounts) {
  Start("witness",
        {"--witness_quorum_for_ack=1", "--witness_ack_timeout_seconds=3"});
  ProcessResult first = Put("cos/0");
  ASSERT_EQ(first.exit_code, 0) << Describe(first) << a_.office->Log();
  std::map<std::string, int> logged;
  for (const Case& c : kBadCases) {
    SCOPED_TRACE(c.what);
    proxy_->Set(c.fault);
    const uint64_t size = a_.office->TreeSize() + 1;
    ProcessResult put = Put(absl::StrCat("cos/", size));
    EXPECT_EQ(put.exit_code, 5) << Describe(put);
    EXPECT_TRUE(ContainsAll(
        put.err, {"IS durably stored",
                  "did not cosign: cos-b.example/witness (", c.reason}))
        << put.err;
    // Not stored: A serves its checkpoint with its own signature only.
    const std::string served = Served();
    EXPECT_TRUE(
        absl::StartsWith(served, absl::StrCat("cos-a.example\n", size, "\n")))
        << served;
    EXPECT_EQ(SignatureLines(served), 1) << served;
    const int times = ++logged[c.reason];
    EXPECT_GE(AwaitInLog("archived: witness cos-b.example/witness did not "
                         "cosign the checkpoint of ",
                         c.reason, times),
              times)
        << a_.office->Log();
  }
  // B's genuine line after them counts, and alone when another key's line
  // of its name comes before it.
  for (Fault fault : {Fault::kNone, Fault::kOtherKeyBeside}) {
    proxy_->Set(fault);
    ProcessResult put = Put(absl::StrCat("cos/good-", static_cast<int>(fault)));
    ASSERT_EQ(put.exit_code, 0) << Describe(put);
    const std::string note = ParseJson(put)["checkpoint"];
    EXPECT_EQ(SignatureLines(note), 2) << note;
    Json checked = CheckCosignatures(note, a_.office->verifier_key(),
                                     {b_.witness_key()}, dir_.path());
    EXPECT_EQ(checked["cosigned_by"].size(), 1u) << note;
  }
}

TEST_F(BadCosignatureTest, AMirrorLineThatDoesNotVerifyNeverCounts) {
  Start("mirror", {});
  ASSERT_FALSE(a_.office->PutText("cos/0", "mirrored\n").empty());
  ASSERT_EQ(b_.office->Sync(a_.office->address()).exit_code, 0);
  ASSERT_EQ(SignatureLines(AwaitCosigned(a_, 1, 1)), 2);
  ASSERT_FALSE(a_.office->PutText("cos/1", "mirrored\n").empty());
  ASSERT_EQ(b_.office->Sync(a_.office->address()).exit_code, 0);
  const std::string refused =
      "archived: refused the cosignature mirror cos-b.example/mirror serves "
      "for the checkpoint of 2: ";
  std::map<std::string, int> logged;
  for (const Case& c : kBadCases) {
    SCOPED_TRACE(c.what);
    proxy_->Set(c.fault);
    const int times = ++logged[c.reason];
    EXPECT_GE(AwaitInLog(refused, c.reason, times), times) << a_.office->Log();
    const std::string served = Served();
    EXPECT_TRUE(absl::StartsWith(served, "cos-a.example\n2\n")) << served;
    EXPECT_EQ(SignatureLines(served), 1) << served;
  }
  // B's genuine line after them counts, and alone beside another key's.
  for (Fault fault : {Fault::kNone, Fault::kOtherKeyBeside}) {
    proxy_->Set(fault);
    if (fault == Fault::kOtherKeyBeside) {
      ASSERT_FALSE(a_.office->PutText("cos/2", "mirrored\n").empty());
      ASSERT_EQ(b_.office->Sync(a_.office->address()).exit_code, 0);
    }
    const uint64_t size = fault == Fault::kNone ? 2 : 3;
    const std::string note = AwaitCosigned(a_, size, 1);
    EXPECT_EQ(SignatureLines(note), 2) << note << a_.office->Log();
    Json checked =
        CheckCosignatures(note, a_.office->verifier_key(),
                          {"--mirror", b_.mirror_key()}, dir_.path());
    EXPECT_EQ(checked["mirrored_by"].size(), 1u) << note;
  }
}

}  // namespace
}  // namespace archive::testing
