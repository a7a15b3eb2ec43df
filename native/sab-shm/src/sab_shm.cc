// A SharedArrayBuffer over pages that two processes share, and a doorbell to
// wake the other process. N-API cannot make a SharedArrayBuffer, so this uses
// V8's API directly (built against the Node it runs in). Atomics loads and
// stores on the buffer are coherent across processes; Atomics.wait/notify are
// not (V8 keeps its waiters per process), hence the doorbell: an eventfd that
// the sleeping side watches with libuv on its own event loop (never a blocking
// wait on the thread pool) and the other side writes to.

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include <node.h>
#include <uv.h>

#include "notify.h"

namespace {

using v8::Context;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::FunctionTemplate;
using v8::Global;
using v8::HandleScope;
using v8::Isolate;
using v8::Local;
using v8::Object;
using v8::ObjectTemplate;
using v8::SharedArrayBuffer;
using v8::String;
using v8::Value;

/** memfd_create's limit on a name (249 bytes) less the "plugd-" prefix. */
constexpr size_t kMaxNameBytes = 243;

void Throw(Isolate* isolate, const std::string& message) {
  isolate->ThrowException(v8::Exception::Error(String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked()));
}

void ThrowErrno(Isolate* isolate, const std::string& what, int error) {
  Throw(isolate, what + ": " + strerror(error));
}

/** An integer argument in [min, max], or false (with an exception thrown) if it is not one. */
bool IntegerArg(const FunctionCallbackInfo<Value>& args, int index, const char* name, double min, double max, double* out) {
  Local<Value> value = args[index];
  double number = value->IsNumber() ? value.As<v8::Number>()->Value() : -1;
  if (!value->IsNumber() || number != static_cast<double>(static_cast<int64_t>(number)) || number < min || number > max) {
    Throw(args.GetIsolate(), std::string(name) + " must be an integer from " + std::to_string(static_cast<int64_t>(min)) +
                                 " to " + std::to_string(static_cast<int64_t>(max)));
    return false;
  }
  *out = number;
  return true;
}

/** Largest mapping offered: a SharedArrayBuffer's length must fit V8's limit, and rings need far less. */
constexpr double kMaxBytes = 1024.0 * 1024 * 1024;

void Unmap(void* data, size_t length, void* /*deleter_data*/) { munmap(data, length); }

/** Maps `length` bytes of `fd` shared and wraps them; returns an empty handle (exception thrown) on failure. */
Local<SharedArrayBuffer> MapShared(Isolate* isolate, int fd, size_t length) {
  void* data = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) {
    ThrowErrno(isolate, "mmap of fd " + std::to_string(fd), errno);
    return Local<SharedArrayBuffer>();
  }
  std::shared_ptr<v8::BackingStore> store = SharedArrayBuffer::NewBackingStore(data, length, Unmap, nullptr);
  return SharedArrayBuffer::New(isolate, std::move(store));
}

// create(name, byteLength) -> { fd, buffer }
void Create(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  if (!args[0]->IsString()) return Throw(isolate, "name must be a string");
  String::Utf8Value utf8(isolate, args[0]);
  std::string name = std::string("plugd-") + *utf8;
  if (static_cast<size_t>(utf8.length()) > kMaxNameBytes) return Throw(isolate, "name must be at most 243 bytes");
  double bytes;
  if (!IntegerArg(args, 1, "byteLength", 1, kMaxBytes, &bytes)) return;

  int fd = memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return ThrowErrno(isolate, "memfd_create " + name, errno);
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    int error = errno;
    close(fd);
    return ThrowErrno(isolate, "ftruncate " + name, error);
  }
  // Its size is fixed for good: a peer that truncates it would have every access beyond the end killed by SIGBUS.
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    int error = errno;
    close(fd);
    return ThrowErrno(isolate, "sealing " + name, error);
  }
  Local<SharedArrayBuffer> buffer = MapShared(isolate, fd, static_cast<size_t>(bytes));
  if (buffer.IsEmpty()) {
    close(fd);
    return;
  }
  Local<Object> result = Object::New(isolate);
  result->Set(context, String::NewFromUtf8Literal(isolate, "fd"), v8::Integer::New(isolate, fd)).Check();
  result->Set(context, String::NewFromUtf8Literal(isolate, "buffer"), buffer).Check();
  args.GetReturnValue().Set(result);
}

// attach(fd, byteLength) -> SharedArrayBuffer
void Attach(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  double fd, bytes;
  if (!IntegerArg(args, 0, "fd", 0, INT32_MAX, &fd) || !IntegerArg(args, 1, "byteLength", 1, kMaxBytes, &bytes)) return;
  struct stat info;
  if (fstat(static_cast<int>(fd), &info) != 0) return ThrowErrno(isolate, "fstat of fd " + std::to_string(static_cast<int>(fd)), errno);
  if (info.st_size < static_cast<off_t>(bytes)) {
    return Throw(isolate, "fd " + std::to_string(static_cast<int>(fd)) + " holds " + std::to_string(info.st_size) +
                              " bytes, fewer than the " + std::to_string(static_cast<int64_t>(bytes)) + " asked for");
  }
  Local<SharedArrayBuffer> buffer = MapShared(isolate, static_cast<int>(fd), static_cast<size_t>(bytes));
  if (!buffer.IsEmpty()) args.GetReturnValue().Set(buffer);
}

// doorbell() -> fd
void Doorbell(const FunctionCallbackInfo<Value>& args) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return ThrowErrno(args.GetIsolate(), "eventfd", errno);
  args.GetReturnValue().Set(fd);
}

// ring(fd)
void Ring(const FunctionCallbackInfo<Value>& args) {
  double fd;
  if (!IntegerArg(args, 0, "fd", 0, INT32_MAX, &fd)) return;
  uint64_t one = 1;
  ssize_t written;
  do written = write(static_cast<int>(fd), &one, sizeof one);
  while (written < 0 && errno == EINTR);
  // EAGAIN: the counter is full, so the watcher has a ring pending already.
  if (written < 0 && errno != EAGAIN) ThrowErrno(args.GetIsolate(), "ring of fd " + std::to_string(static_cast<int>(fd)), errno);
}

// endWithParent(signal): the kernel sends `signal` to this process when its
// parent dies, however it dies. A plugin process whose event loop is blocked
// cannot hear its IPC channel close; this still ends it.
void EndWithParent(const FunctionCallbackInfo<Value>& args) {
  double signal;
  if (!IntegerArg(args, 0, "signal", 1, 64, &signal)) return;
  if (prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(signal)) != 0) ThrowErrno(args.GetIsolate(), "prctl(PR_SET_PDEATHSIG)", errno);
}

/** One watch of a doorbell: a uv_poll_t on the creating thread's loop, and the JS object that controls it. */
class Watch {
 public:
  static void New(const FunctionCallbackInfo<Value>& args);

 private:
  Watch(Isolate* isolate, int fd, Local<Function> callback, Local<Object> handle)
      : isolate_(isolate), fd_(fd), callback_(isolate, callback), handle_(isolate, handle) {}

  static Watch* From(const FunctionCallbackInfo<Value>& args) {
    return static_cast<Watch*>(args.This()->GetAlignedPointerFromInternalField(0));
  }
  static void Ref(const FunctionCallbackInfo<Value>& args) {
    if (Watch* watch = From(args)) uv_ref(reinterpret_cast<uv_handle_t*>(&watch->poll_));
  }
  static void Unref(const FunctionCallbackInfo<Value>& args) {
    if (Watch* watch = From(args)) uv_unref(reinterpret_cast<uv_handle_t*>(&watch->poll_));
  }
  static void Close(const FunctionCallbackInfo<Value>& args) {
    if (Watch* watch = From(args)) watch->Stop();
  }
  /** Environment teardown (a worker thread ending) with the watch still open: libuv refuses to close a loop with live handles. */
  static void Cleanup(void* arg) { static_cast<Watch*>(arg)->Stop(false); }

  void Stop(bool removeHook = true) {
    if (removeHook) node::RemoveEnvironmentCleanupHook(isolate_, Cleanup, this);
    {
      HandleScope scope(isolate_);
      handle_.Get(isolate_)->SetAlignedPointerInInternalField(0, nullptr);
    }
    // Now, not in the close callback: after an environment's teardown that runs when the isolate is gone.
    callback_.Reset();
    handle_.Reset();
    uv_poll_stop(&poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), [](uv_handle_t* handle) { delete static_cast<Watch*>(handle->data); });
  }

  static void OnReadable(uv_poll_t* poll, int status, int events) {
    Watch* watch = static_cast<Watch*>(poll->data);
    uint64_t count;
    // A poll error would report again at once, forever: stop polling (the ring's periodic re-check still runs).
    if (status < 0) {
      uv_poll_stop(poll);
      return;
    }
    // Resets the counter: rings that came meanwhile are answered by this one call. Nothing read: a spurious wake.
    if (read(watch->fd_, &count, sizeof count) != sizeof count) return;
    Isolate* isolate = watch->isolate_;
    HandleScope scope(isolate);
    Local<Object> handle = watch->handle_.Get(isolate);
    Local<Function> callback = watch->callback_.Get(isolate);
    // MakeCallback runs the microtasks the callback queued, as Node's own I/O callbacks do.
    node::MakeCallback(isolate, handle, callback, 0, nullptr, node::async_context{0, 0});
  }

  Isolate* isolate_;
  int fd_;
  Global<Function> callback_;
  Global<Object> handle_;
  uv_poll_t poll_;
};

// watch(fd, onRing) -> { ref(), unref(), close() }
void Watch::New(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  double fd;
  if (!IntegerArg(args, 0, "fd", 0, INT32_MAX, &fd)) return;
  if (!args[1]->IsFunction()) return Throw(isolate, "onRing must be a function");

  Local<ObjectTemplate> shape = ObjectTemplate::New(isolate);
  shape->SetInternalFieldCount(1);
  shape->Set(isolate, "ref", FunctionTemplate::New(isolate, Ref));
  shape->Set(isolate, "unref", FunctionTemplate::New(isolate, Unref));
  shape->Set(isolate, "close", FunctionTemplate::New(isolate, Close));
  Local<Object> handle = shape->NewInstance(context).ToLocalChecked();

  Watch* watch = new Watch(isolate, static_cast<int>(fd), args[1].As<Function>(), handle);
  watch->poll_.data = watch;
  int status = uv_poll_init(node::GetCurrentEventLoop(isolate), &watch->poll_, watch->fd_);
  if (status != 0) {
    delete watch;
    return Throw(isolate, "watch of fd " + std::to_string(static_cast<int>(fd)) + ": " + uv_strerror(status));
  }
  status = uv_poll_start(&watch->poll_, UV_READABLE, OnReadable);
  if (status != 0) {
    handle->SetAlignedPointerInInternalField(0, watch);
    watch->Stop(false);
    return Throw(isolate, "watch of fd " + std::to_string(static_cast<int>(fd)) + ": " + uv_strerror(status));
  }
  handle->SetAlignedPointerInInternalField(0, watch);
  node::AddEnvironmentCleanupHook(isolate, Cleanup, watch);
  args.GetReturnValue().Set(handle);
}

}  // namespace

void RegisterProcessGuard(Local<Object> exports, Local<Context> context);  // process_guard.cc

NODE_MODULE_INIT(/* exports, module, context */) {
  Isolate* isolate = context->GetIsolate();
  auto method = [&](const char* name, v8::FunctionCallback callback) {
    exports->Set(context, String::NewFromUtf8(isolate, name).ToLocalChecked(),
                 FunctionTemplate::New(isolate, callback)->GetFunction(context).ToLocalChecked())
        .Check();
  };
  method("create", Create);
  method("attach", Attach);
  method("doorbell", Doorbell);
  method("ring", Ring);
  method("watch", Watch::New);
  method("endWithParent", EndWithParent);
  RegisterProcessGuard(exports, context);
  method("notify", sab_shm::Notify);
}
