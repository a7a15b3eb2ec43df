// sd_notify(3) for plugd (notify.cc).

#ifndef PLUGD_SAB_SHM_NOTIFY_H_
#define PLUGD_SAB_SHM_NOTIFY_H_

#include <node.h>

namespace sab_shm {

void Notify(const v8::FunctionCallbackInfo<v8::Value>& args);

}  // namespace sab_shm

#endif  // PLUGD_SAB_SHM_NOTIFY_H_
