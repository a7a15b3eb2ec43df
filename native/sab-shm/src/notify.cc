// sd_notify(3) for plugd: one datagram to the unix socket systemd names in
// NOTIFY_SOCKET. Node has no unix datagram sockets, hence this function; the
// protocol is a text of NAME=VALUE lines (READY=1, STATUS=..., MAINPID=...).

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <string>

#include <node.h>

#include "notify.h"

namespace sab_shm {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::String;
using v8::Value;

namespace {

void Throw(Isolate* isolate, const std::string& message) {
  isolate->ThrowException(v8::Exception::Error(String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked()));
}

}  // namespace

// notify(socketPath, text): sends `text` as one datagram. A path starting with
// '@' is in the abstract namespace (its '@' becomes a NUL byte), as systemd
// and sd_notify spell it.
void Notify(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() < 2 || !args[0]->IsString() || !args[1]->IsString()) {
    return Throw(isolate, "notify(socketPath, text) takes two strings");
  }
  String::Utf8Value path(isolate, args[0]);
  String::Utf8Value text(isolate, args[1]);
  const size_t path_length = static_cast<size_t>(path.length());
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  if (path_length == 0 || path_length >= sizeof(address.sun_path) || ((*path)[0] != '/' && (*path)[0] != '@')) {
    return Throw(isolate, std::string("NOTIFY_SOCKET is not an absolute or abstract socket path: ") + *path);
  }
  memcpy(address.sun_path, *path, path_length);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
  const socklen_t address_length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_length);

  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Throw(isolate, std::string("notify socket: ") + strerror(errno));
  ssize_t sent;
  do {
    sent = sendto(fd, *text, static_cast<size_t>(text.length()), MSG_NOSIGNAL,
                  reinterpret_cast<const sockaddr*>(&address), address_length);
  } while (sent < 0 && errno == EINTR);
  const int error = errno;
  close(fd);
  if (sent < 0) return Throw(isolate, std::string("notify to ") + *path + ": " + strerror(error));
}

}  // namespace sab_shm
