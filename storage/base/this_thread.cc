#include "storage/base/this_thread.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace archive {

// The kernel's limit (TASK_COMM_LEN), terminating NUL included.
constexpr size_t kNameBytes = 16;

void NameThisThread(absl::string_view name) {
  std::string kept(name.substr(0, kNameBytes - 1));
  pthread_setname_np(pthread_self(), kept.c_str());
}

std::string ThisThreadsName() {
  char name[kNameBytes] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) return "";
  return name;
}

void NiceThisThread(int nice) {
  // PRIO_PROCESS with a thread id: Linux applies it to that thread only.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice);
}

}  // namespace archive
