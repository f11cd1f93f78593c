#include "services/metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_split.h"

namespace archive {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(metric);
  return family;
}

prometheus::MetricFamily GaugeOf(const char* name, const char* help,
                                 double value) {
  return Family(name, help, prometheus::MetricType::Gauge, value);
}

double BootTimeSeconds() {
  std::ifstream stat("/proc/stat");
  std::string line;
  while (std::getline(stat, line)) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

int OpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  int n = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory's own descriptor
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  // /proc/self/stat: fields after the command name (which may hold spaces,
  // hence the split at the last ')'): state is field 3, utime 14, stime 15,
  // starttime 22, vsize 23, rss 24 (pages).
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  if (paren != std::string::npos && paren + 2 < stat.size()) {
    std::vector<std::string> f =
        absl::StrSplit(stat.substr(paren + 2), ' ', absl::SkipEmpty());
    // f[0] is field 3.
    if (f.size() >= 22) {
      const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
      const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
      double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      families.push_back(Family("process_cpu_seconds_total",
                                "Total user and system CPU time spent in "
                                "seconds.",
                                prometheus::MetricType::Counter, cpu));
      families.push_back(
          GaugeOf("process_start_time_seconds",
                  "Start time of the process since unix epoch in seconds.",
                  BootTimeSeconds() + std::stod(f[19]) / ticks));
      families.push_back(GaugeOf("process_virtual_memory_bytes",
                                 "Virtual memory size in bytes.",
                                 std::stod(f[20])));
      families.push_back(GaugeOf("process_resident_memory_bytes",
                                 "Resident memory size in bytes.",
                                 std::stod(f[21]) * page));
    }
  }
  families.push_back(GaugeOf("process_open_fds",
                             "Number of open file descriptors.", OpenFds()));
  struct rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(GaugeOf("process_max_fds",
                               "Maximum number of open file descriptors.",
                               static_cast<double>(limit.rlim_cur)));
  }
  return families;
}

}  // namespace archive
