// archive_bench: a closed-loop load generator that drives either our
// archive.v1.Archive API or etcd's v3 KV API with the same client code and the
// same concurrency (one thread and one connection per client), and prints one
// JSON line: {ops_per_sec, mb_per_sec, p50_ms, p99_ms, errors, ...}.
//
//   --workload=put    new revisions of corpus documents (each op a new value)
//   --workload=setup  puts every corpus document once as <prefix>-<i>
//   --workload=get    archive: verified gets (digest, statement signature,
//                     checkpoint signature, inclusion proof); etcd: Range
//   --workload=proof  archive only: fetch and verify the inclusion proof of a
//                     random revision in the latest checkpoint
//   --workload=fill   puts until the archive's log holds --fill_to entries
//   --workload=wait   retries a cheap call until the server answers
//
// Run by bench/run.sh; see bench/RESULTS.md for what the figures mean.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "clients/api/archive_client.h"
#include "clients/api/verified_fetch.h"
#include "rpc.grpc.pb.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/verify/receipt_checker.h"
#include "storage/verify/trust_store.h"

ABSL_FLAG(std::string, target, "archive", "archive or etcd");
ABSL_FLAG(std::string, server, "127.0.0.1:7070", "HOST:PORT of the server");
ABSL_FLAG(std::string, workload, "put", "put, get, proof, setup, fill or wait");
ABSL_FLAG(int, clients, 1,
          "concurrent clients (one thread and connection each)");
ABSL_FLAG(double, seconds, 5, "how long to run (put, get, proof)");
ABSL_FLAG(uint64_t, ops, 0,
          "put, get, proof: stop after this many operations, or after "
          "--seconds if sooner (0: no limit)");
ABSL_FLAG(std::string, corpus, "samples/raw,samples/clean",
          "comma-separated directories whose regular files are the documents");
ABSL_FLAG(std::string, trust, "",
          "the archive's keys/verifier.key (for verified gets and proofs)");
ABSL_FLAG(std::string, prefix, "bench",
          "document ids / etcd keys start with this");
ABSL_FLAG(uint64_t, fill_to, 0,
          "fill: put until the log has this many entries");
ABSL_FLAG(uint64_t, max_doc_bytes, 0,
          "if set, use at most this many bytes of each corpus document");
ABSL_FLAG(int, proof_sample, 256,
          "proof: how many random revisions to draw proofs for");

namespace archive {
namespace {

using Clock = std::chrono::steady_clock;

struct Doc {
  std::string name;
  std::string bytes;
};

absl::StatusOr<std::vector<Doc>> LoadCorpus(const std::string& dirs,
                                            uint64_t max_bytes) {
  std::vector<Doc> docs;
  for (absl::string_view dir : absl::StrSplit(dirs, ',', absl::SkipEmpty())) {
    std::vector<std::filesystem::path> paths;
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(dir), ec)) {
      if (entry.is_regular_file()) paths.push_back(entry.path());
    }
    if (ec) {
      return absl::NotFoundError(
          absl::StrCat("cannot list ", dir, ": ", ec.message()));
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream content;
      content << in.rdbuf();
      Doc doc{path.string(), content.str()};
      if (max_bytes > 0 && doc.bytes.size() > max_bytes)
        doc.bytes.resize(max_bytes);
      docs.push_back(std::move(doc));
    }
  }
  if (docs.empty()) return absl::NotFoundError("the corpus has no files");
  return docs;
}

// One connection per client: a local subchannel pool keeps gRPC from sharing
// one TCP connection between channels to the same target.
std::shared_ptr<grpc::Channel> NewChannel(const std::string& server) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(),
                                   args);
}

absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

// What a client does, one operation at a time; implemented for both servers.
class Driver {
 public:
  virtual ~Driver() = default;
  // Stores `value` under `key` as a new revision / value.
  virtual absl::Status Put(const std::string& key,
                           const std::string& value) = 0;
  // Reads `key` back (verified, for the archive); returns the bytes read.
  virtual absl::StatusOr<uint64_t> Get(const std::string& key) = 0;
  // Proves the inclusion of sample `i` (archive only).
  virtual absl::Status Proof(size_t /*i*/) {
    return absl::UnimplementedError("proofs are an archive workload");
  }
  // A cheap call that succeeds once the server serves.
  virtual absl::Status Ping() = 0;
};

class EtcdDriver : public Driver {
 public:
  explicit EtcdDriver(std::shared_ptr<grpc::Channel> channel)
      : stub_(etcdserverpb::KV::NewStub(channel)) {}

  absl::Status Put(const std::string& key, const std::string& value) override {
    etcdserverpb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    etcdserverpb::PutResponse response;
    grpc::ClientContext context;
    return FromGrpcStatus(stub_->Put(&context, request, &response));
  }

  absl::StatusOr<uint64_t> Get(const std::string& key) override {
    etcdserverpb::RangeRequest request;
    request.set_key(key);
    etcdserverpb::RangeResponse response;
    grpc::ClientContext context;
    if (auto s = FromGrpcStatus(stub_->Range(&context, request, &response));
        !s.ok()) {
      return s;
    }
    if (response.kvs_size() != 1 || response.kvs(0).value().empty())
      return absl::NotFoundError(absl::StrCat("etcd has no value for ", key));
    return response.kvs(0).value().size();
  }

  absl::Status Ping() override {
    etcdserverpb::RangeRequest request;
    request.set_key("bench-ping");
    etcdserverpb::RangeResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
    return FromGrpcStatus(stub_->Range(&context, request, &response));
  }

 private:
  std::unique_ptr<etcdserverpb::KV::Stub> stub_;
};

// Revisions drawn for the proof workload: statement and revision id.
struct ProofSample {
  std::string signed_statement;
  std::string revision_id;
};

class ArchiveDriver : public Driver {
 public:
  ArchiveDriver(std::shared_ptr<grpc::Channel> channel, const TrustStore* trust,
                const std::vector<ProofSample>* samples)
      : client_(channel), checker_(trust), samples_(samples) {}

  absl::Status Put(const std::string& key, const std::string& value) override {
    v1::PutHeader header;
    header.set_document_id(key);
    header.mutable_metadata()->set_media_type("text/plain; charset=utf-8");
    header.set_sha256(Sha256::HexDigest(value));
    header.set_size(value.size());
    auto response = client_.PutBytes(value, header);
    if (!response.ok()) return response.status();
    if (!response->created())
      return absl::AlreadyExistsError("the put created no new revision");
    return absl::OkStatus();
  }

  // A verified get: content digest and size against the signed statement, the
  // statement's signature, the checkpoint's signature and the statement's
  // inclusion in it.
  absl::StatusOr<uint64_t> Get(const std::string& key) override {
    v1::GetRequest request;
    request.set_document_id(key);
    Sha256 hasher;
    uint64_t size = 0;
    auto header = client_.Get(request, [&](absl::string_view chunk) {
      hasher.Update(chunk);
      size += chunk.size();
      return absl::OkStatus();
    });
    if (!header.ok()) return header.status();
    auto verified = checker_.Check(ReceiptFromProto(header->receipt()));
    if (!verified.ok()) return verified.status();
    const Statement& st = verified->revision.statement;
    if (verified->revision.revision_id != header->revision().revision_id() ||
        st.content_size != size ||
        st.content_sha256 != ToHex(hasher.Finish())) {
      return absl::DataLossError(
          absl::StrCat("content of ", key, " does not match its statement"));
    }
    return size;
  }

  absl::Status Proof(size_t i) override {
    const ProofSample& sample = (*samples_)[i % samples_->size()];
    auto response = client_.GetInclusionProof(sample.revision_id, 0);
    if (!response.ok()) return response.status();
    ReceiptParts parts;
    parts.signed_statement = sample.signed_statement;
    parts.checkpoint = response->checkpoint();
    parts.leaf_index = response->proof().leaf_index();
    parts.tree_size = response->proof().tree_size();
    for (const std::string& h : response->proof().hashes())
      parts.inclusion.push_back(h);
    auto verified = checker_.Check(parts);
    if (!verified.ok()) return verified.status();
    proof_hashes_ += parts.inclusion.size();
    return absl::OkStatus();
  }

  absl::Status Ping() override { return client_.GetCheckpoint().status(); }

  ArchiveClient& client() { return client_; }
  uint64_t proof_hashes() const { return proof_hashes_; }

 private:
  ArchiveClient client_;
  ReceiptChecker checker_;
  const std::vector<ProofSample>* samples_;
  uint64_t proof_hashes_ = 0;
};

struct Result {
  uint64_t ops = 0;
  uint64_t errors = 0;
  uint64_t bytes = 0;
  uint64_t proof_hashes = 0;
  std::vector<double> latencies_ms;
  std::string first_error;
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

class Bench {
 public:
  Bench(std::vector<Doc> docs, TrustStore trust)
      : docs_(std::move(docs)), trust_(std::move(trust)) {
    std::random_device rd;
    nonce_ = (static_cast<uint64_t>(rd()) << 32) | rd();
  }

  std::unique_ptr<Driver> NewDriver() {
    auto channel = NewChannel(absl::GetFlag(FLAGS_server));
    channel->WaitForConnected(std::chrono::system_clock::now() +
                              std::chrono::seconds(10));
    if (absl::GetFlag(FLAGS_target) == "etcd")
      return std::make_unique<EtcdDriver>(channel);
    return std::make_unique<ArchiveDriver>(channel, &trust_, &samples_);
  }

  // Runs `clients` closed loops of `op` until the deadline or until `budget`
  // operations were started (0: no budget).
  Result Run(int clients, double seconds, uint64_t budget,
             const std::function<absl::StatusOr<uint64_t>(Driver&, int client,
                                                          uint64_t op)>& op) {
    std::vector<std::unique_ptr<Driver>> drivers;
    for (int c = 0; c < clients; ++c) drivers.push_back(NewDriver());
    std::vector<Result> results(clients);
    std::atomic<uint64_t> started{0};
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        Result& r = results[c];
        for (uint64_t i = 0;; ++i) {
          if (Clock::now() >= deadline) break;
          if (budget > 0 && started.fetch_add(1) >= budget) break;
          auto t0 = Clock::now();
          auto bytes = op(*drivers[c], c, i);
          auto t1 = Clock::now();
          if (!bytes.ok()) {
            if (r.errors++ == 0) r.first_error = bytes.status().ToString();
            continue;
          }
          ++r.ops;
          r.bytes += *bytes;
          r.latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
      });
    }
    for (auto& t : threads) t.join();
    elapsed_ = std::chrono::duration<double>(Clock::now() - start).count();
    Result total;
    for (int c = 0; c < clients; ++c) {
      Result& r = results[c];
      total.ops += r.ops;
      total.errors += r.errors;
      total.bytes += r.bytes;
      if (total.first_error.empty()) total.first_error = r.first_error;
      total.latencies_ms.insert(total.latencies_ms.end(),
                                r.latencies_ms.begin(), r.latencies_ms.end());
      if (auto* a = dynamic_cast<ArchiveDriver*>(drivers[c].get()))
        total.proof_hashes += a->proof_hashes();
    }
    return total;
  }

  // The document put as op `op` of `client`: a corpus document with a suffix
  // unique to this process, client and op, so each put is a new value.
  std::pair<std::string, std::string> PutPayload(int client, uint64_t op) {
    const std::string& prefix = absl::GetFlag(FLAGS_prefix);
    size_t d = (static_cast<size_t>(client) * 7 + op) % docs_.size();
    std::string key = absl::StrCat(prefix, "-c", client, "-", d);
    std::string value = docs_[d].bytes;
    absl::StrAppend(&value, "\n[bench ", prefix, " ", absl::Hex(nonce_), " ",
                    client, " ", op, "]\n");
    return {std::move(key), std::move(value)};
  }

  std::string GetKey(uint64_t i) const {
    return absl::StrCat(absl::GetFlag(FLAGS_prefix), "-", i % docs_.size());
  }

  // Draws random log entries and remembers their statements for proofs.
  absl::Status DrawProofSamples(int count) {
    ArchiveClient client(NewChannel(absl::GetFlag(FLAGS_server)));
    auto cp = client.GetCheckpoint();
    if (!cp.ok()) return cp.status();
    if (cp->tree_size() == 0) return absl::FailedPreconditionError("empty log");
    std::mt19937_64 rng(nonce_);
    ReceiptChecker checker(&trust_);
    for (int i = 0; i < count; ++i) {
      uint64_t index = rng() % cp->tree_size();
      ProofSample sample;
      absl::Status s = client.ReadLog(
          index, index + 1, [&](const v1::ReadLogResponse& entry) {
            sample.signed_statement = entry.signed_statement();
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
      auto statement = checker.CheckStatement(sample.signed_statement);
      if (!statement.ok()) return statement.status();
      sample.revision_id = statement->revision_id;
      samples_.push_back(std::move(sample));
    }
    return absl::OkStatus();
  }

  size_t doc_count() const { return docs_.size(); }
  const std::vector<Doc>& docs() const { return docs_; }
  double elapsed() const { return elapsed_; }
  const TrustStore& trust() const { return trust_; }

 private:
  std::vector<Doc> docs_;
  TrustStore trust_;
  std::vector<ProofSample> samples_;
  uint64_t nonce_ = 0;
  double elapsed_ = 0;
};

void PrintResult(Result& r, double elapsed) {
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  double mean = 0;
  for (double l : r.latencies_ms) mean += l;
  if (!r.latencies_ms.empty()) mean /= r.latencies_ms.size();
  std::string extra;
  if (r.proof_hashes > 0 && r.ops > 0) {
    extra = absl::StrFormat(", \"proof_hashes\": %.1f",
                            static_cast<double>(r.proof_hashes) / r.ops);
  }
  std::printf(
      "{\"target\": \"%s\", \"workload\": \"%s\", \"clients\": %d, "
      "\"seconds\": %.3f, \"ops\": %llu, \"ops_per_sec\": %.2f, "
      "\"mb_per_sec\": %.3f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
      "\"mean_ms\": %.3f, \"errors\": %llu%s}\n",
      absl::GetFlag(FLAGS_target).c_str(),
      absl::GetFlag(FLAGS_workload).c_str(), absl::GetFlag(FLAGS_clients),
      elapsed, static_cast<unsigned long long>(r.ops), r.ops / elapsed,
      r.bytes / elapsed / 1e6, Percentile(r.latencies_ms, 0.50),
      Percentile(r.latencies_ms, 0.99), mean,
      static_cast<unsigned long long>(r.errors), extra.c_str());
  if (!r.first_error.empty())
    std::fprintf(stderr, "archive_bench: first error: %s\n",
                 r.first_error.c_str());
}

int Main() {
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::string workload = absl::GetFlag(FLAGS_workload);
  const int clients = std::max(1, absl::GetFlag(FLAGS_clients));
  const double seconds = absl::GetFlag(FLAGS_seconds);
  if (target != "archive" && target != "etcd") {
    std::fprintf(stderr, "archive_bench: --target is archive or etcd\n");
    return 2;
  }
  auto docs = LoadCorpus(absl::GetFlag(FLAGS_corpus),
                         absl::GetFlag(FLAGS_max_doc_bytes));
  if (!docs.ok()) {
    std::fprintf(stderr, "archive_bench: %s\n",
                 std::string(docs.status().message()).c_str());
    return 2;
  }
  TrustStore trust;
  if (target == "archive" && !absl::GetFlag(FLAGS_trust).empty()) {
    auto loaded = TrustStore::Load(absl::GetFlag(FLAGS_trust));
    if (!loaded.ok()) {
      std::fprintf(stderr, "archive_bench: %s\n",
                   std::string(loaded.status().message()).c_str());
      return 2;
    }
    trust = std::move(*loaded);
  }
  if (target == "archive" && trust.empty() &&
      (workload == "get" || workload == "proof")) {
    std::fprintf(stderr,
                 "archive_bench: verified gets and proofs need --trust "
                 "DATA_DIR/keys/verifier.key\n");
    return 2;
  }
  Bench bench(std::move(*docs), std::move(trust));

  if (workload == "wait") {
    auto driver = bench.NewDriver();
    absl::Status s;
    for (auto end = Clock::now() + std::chrono::seconds(60);
         Clock::now() < end;) {
      s = driver->Ping();
      if (s.ok()) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fprintf(stderr, "archive_bench: server not ready: %s\n",
                 s.ToString().c_str());
    return 1;
  }

  // One put: a new revision (archive) or value (etcd) of a corpus document.
  auto put_op = [&](Driver& d, int c, uint64_t i) -> absl::StatusOr<uint64_t> {
    auto [key, value] = bench.PutPayload(c, i);
    absl::Status s = d.Put(key, value);
    if (!s.ok()) return s;
    return value.size();
  };
  Result result;
  if (workload == "put") {
    result = bench.Run(clients, seconds, absl::GetFlag(FLAGS_ops), put_op);
  } else if (workload == "fill") {
    if (target != "archive") {
      std::fprintf(stderr, "archive_bench: fill is an archive workload\n");
      return 2;
    }
    ArchiveClient client(NewChannel(absl::GetFlag(FLAGS_server)));
    auto cp = client.GetCheckpoint();
    if (!cp.ok()) {
      std::fprintf(stderr, "archive_bench: %s\n",
                   cp.status().ToString().c_str());
      return 1;
    }
    uint64_t want = absl::GetFlag(FLAGS_fill_to);
    uint64_t missing = want > cp->tree_size() ? want - cp->tree_size() : 0;
    if (missing == 0) {
      std::printf("{\"workload\": \"fill\", \"ops\": 0}\n");
      return 0;
    }
    result = bench.Run(clients, 1e9, missing, put_op);
  } else if (workload == "setup") {
    auto driver = bench.NewDriver();
    for (size_t i = 0; i < bench.doc_count(); ++i) {
      absl::Status s = driver->Put(bench.GetKey(i), bench.docs()[i].bytes);
      if (!s.ok() && !absl::IsAlreadyExists(s)) {
        std::fprintf(stderr, "archive_bench: setup put %s: %s\n",
                     bench.GetKey(i).c_str(), s.ToString().c_str());
        return 1;
      }
    }
    std::printf("{\"workload\": \"setup\", \"ops\": %zu}\n", bench.doc_count());
    return 0;
  } else if (workload == "get") {
    result = bench.Run(
        clients, seconds, absl::GetFlag(FLAGS_ops),
        [&](Driver& d, int c, uint64_t i) {
          return d.Get(bench.GetKey(static_cast<uint64_t>(c) * 5 + i));
        });
  } else if (workload == "proof") {
    if (target != "archive") {
      std::fprintf(stderr, "archive_bench: proof is an archive workload\n");
      return 2;
    }
    if (absl::Status s = bench.DrawProofSamples(
            std::max(1, absl::GetFlag(FLAGS_proof_sample)));
        !s.ok()) {
      std::fprintf(stderr, "archive_bench: drawing revisions: %s\n",
                   s.ToString().c_str());
      return 1;
    }
    result = bench.Run(clients, seconds, absl::GetFlag(FLAGS_ops),
                       [&](Driver& d, int c, uint64_t i) {
                         absl::Status s =
                             d.Proof(static_cast<size_t>(c) * 13 + i);
                         if (!s.ok()) return absl::StatusOr<uint64_t>(s);
                         return absl::StatusOr<uint64_t>(0);
                       });
  } else {
    std::fprintf(stderr, "archive_bench: unknown --workload=%s\n",
                 workload.c_str());
    return 2;
  }
  PrintResult(result, bench.elapsed());
  return result.errors > 0 && result.ops == 0 ? 1 : 0;
}

}  // namespace
}  // namespace archive

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "archive_bench --target=archive|etcd --workload=put|get|proof|setup|fill"
      "|wait --clients=N --seconds=S --corpus=DIR[,DIR] --server=HOST:PORT "
      "[--trust=DATA_DIR/keys/verifier.key]");
  absl::ParseCommandLine(argc, argv);
  // As archived does: no debug lock graph on every Mutex acquisition.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return archive::Main();
}
