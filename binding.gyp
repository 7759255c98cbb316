{
  "targets": [
    {
      "target_name": "hiper_bind",
      "sources": ["native/hiper_bind.c", "native/hiper_netlink.c", "native/hiper_sockopt.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
