#include "services/rpc/witness_routes.h"

#include "absl/strings/str_cat.h"
#include "storage/base/log_line.h"

namespace archive {

WitnessRoutes::WitnessRoutes(Witness* witness, WitnessedLogs logs,
                             prometheus::Registry& registry)
    : witness_(witness),
      logs_(std::move(logs)),
      cosigned_size_(prometheus::BuildGauge()
                         .Name("archive_witness_cosigned_size")
                         .Help("As a witness: the size of the latest "
                               "checkpoint cosigned, per log origin.")
                         .Register(registry)),
      requests_(prometheus::BuildCounter()
                    .Name("archive_witness_requests_total")
                    .Help("As a witness: add-checkpoint requests by HTTP "
                          "status (409 and 422 are refusals; 422 and 409 "
                          "at an equal size are kept as evidence).")
                    .Register(registry)) {
  for (const auto& [origin, size] : witness_->CosignedSizes()) {
    cosigned_size_.Add({{"origin", origin}}).Set(static_cast<double>(size));
  }
  // Every answer the spec names, at zero, so a rate over them is defined
  // before the first request.
  for (const char* code : {"200", "400", "403", "404", "409", "422", "500"}) {
    requests_.Add({{"code", code}});
  }
}

void WitnessRoutes::AddRoutes(HttpListener* listener) {
  listener->Handle("POST", "/witness/add-checkpoint",
                   [this](const HttpRequest& r) { return AddCheckpoint(r); });
  listener->Handle("GET", "/witness/state",
                   [this](const HttpRequest&) { return State(); });
}

HttpResponse WitnessRoutes::AddCheckpoint(const HttpRequest& request) {
  HttpResponse response;
  auto logs = logs_();
  if (!logs.ok()) {
    response.status = 503;
    response.body = absl::StrCat(logs.status().message(), "\n");
    return response;
  }
  WitnessAnswer answer = witness_->AddCheckpoint(request.body, *logs);
  requests_.Add({{"code", absl::StrCat(answer.status)}}).Increment();
  if (answer.status == 200) {
    // The one origin this request moved: no pass over every state file.
    cosigned_size_.Add({{"origin", answer.origin}})
        .Set(static_cast<double>(answer.cosigned_size));
  } else if (answer.status == 422 || answer.status >= 500) {
    LogLine(absl::StrCat("archived: witness refused a checkpoint (",
                         answer.status, "): ", answer.body),
            LogLevel::kWarning);
  }
  response.status = answer.status;
  response.content_type = answer.content_type;
  response.body = std::move(answer.body);
  return response;
}

HttpResponse WitnessRoutes::State() {
  HttpResponse response;
  absl::StrAppend(&response.body, "witness ", witness_->VerifierKey(), "\n");
  for (const auto& [origin, size] : witness_->CosignedSizes()) {
    absl::StrAppend(&response.body, "cosigned ", origin, " ", size, "\n");
  }
  absl::StrAppend(&response.body, "evidence ", witness_->evidence_count(),
                  "\n");
  return response;
}

}  // namespace archive
