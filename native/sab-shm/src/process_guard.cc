// What a plugin process asks of the kernel about itself before any plugin
// code loads (core/worker/process-guard.ts): not dumpable (its /proc/PID/environ, mem
// and maps become root's, so a plugin of the same user cannot read them, nor
// ptrace it), no new privileges (no setuid binary it runs gains any), and a
// child subreaper (what its children leave orphaned stays under it, so the
// daemon finds the whole tree under its pid at its end), and the leader of a
// process group of its own (the daemon kills that group at its end; a terminal's
// Ctrl-C to the daemon's group does not reach it). A group, not a session: the
// daemon spawns it without setsid(), because on Linux a session of its own is a
// scheduler autogroup of its own, and every call's wake-up would cross groups.

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <string>

#include <node.h>

namespace {

using v8::Context;
using v8::FunctionCallbackInfo;
using v8::FunctionTemplate;
using v8::Isolate;
using v8::Local;
using v8::Object;
using v8::String;
using v8::Value;

void Prctl(const FunctionCallbackInfo<Value>& args, int option, unsigned long value, const char* name) {
  if (prctl(option, value, 0, 0, 0) != 0) {
    Isolate* isolate = args.GetIsolate();
    std::string message = std::string("prctl(") + name + "): " + strerror(errno);
    isolate->ThrowException(v8::Exception::Error(String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked()));
  }
}

// dropDumpable()
void DropDumpable(const FunctionCallbackInfo<Value>& args) { Prctl(args, PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE"); }

// noNewPrivileges()
void NoNewPrivileges(const FunctionCallbackInfo<Value>& args) { Prctl(args, PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS"); }

// becomeSubreaper()
void BecomeSubreaper(const FunctionCallbackInfo<Value>& args) { Prctl(args, PR_SET_CHILD_SUBREAPER, 1, "PR_SET_CHILD_SUBREAPER"); }

// leadProcessGroup(): a no-op for a process that leads its group already (a session leader may not move).
void LeadProcessGroup(const FunctionCallbackInfo<Value>& args) {
  if (getpgrp() != getpid() && setpgid(0, 0) != 0) {
    Isolate* isolate = args.GetIsolate();
    std::string message = std::string("setpgid: ") + strerror(errno);
    isolate->ThrowException(v8::Exception::Error(String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked()));
  }
}

}  // namespace

/** Adds this file's functions to the addon's exports (called from sab_shm.cc's init). */
void RegisterProcessGuard(Local<Object> exports, Local<Context> context) {
  Isolate* isolate = context->GetIsolate();
  auto method = [&](const char* name, v8::FunctionCallback callback) {
    exports->Set(context, String::NewFromUtf8(isolate, name).ToLocalChecked(),
                 FunctionTemplate::New(isolate, callback)->GetFunction(context).ToLocalChecked())
        .Check();
  };
  method("dropDumpable", DropDumpable);
  method("noNewPrivileges", NoNewPrivileges);
  method("becomeSubreaper", BecomeSubreaper);
  method("leadProcessGroup", LeadProcessGroup);
}
