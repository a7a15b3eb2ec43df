{
  "targets": [
    {
      "target_name": "sab_shm",
      "sources": ["src/sab_shm.cc", "src/process_guard.cc", "src/notify.cc"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"],
      "ldflags": ["-Wl,-z,nodelete"]
    }
  ]
}
