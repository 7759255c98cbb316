/*
 * Socket options for hiper's connect path, set on a socket before it is bound and connected.
 *
 * hiper_apply_options(fd, family, words) sets the options an Int32Array of HIPER_SOCKOPT_WORDS words
 * describes (the layout is src/bind/socket-options.ts's): word 0 says which are set, the others carry
 * the values. It is called by openFd between socket() and bind(), so SO_MARK and IP_FREEBIND hold for
 * the bind and for the route the connect picks.
 *
 *   setsockopt(fd, level, name, value: number | Uint8Array) -> 0, or -errno
 *   getsockopt(fd, level, name, out: Uint8Array) -> the option's length in bytes, or -errno
 *     For beforeConnect hooks and for diagnostics (reading options back from a connected socket).
 */
#include <node_api.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "hiper_sockopt.h"

#ifndef SO_MARK
#define SO_MARK 36
#endif
#ifndef IP_FREEBIND
#define IP_FREEBIND 15
#endif
#ifndef TCP_USER_TIMEOUT
#define TCP_USER_TIMEOUT 18
#endif

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static int set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value);
}

int hiper_apply_options(int fd, int family, const int32_t *w, const char **syscall) {
  int32_t set = w[HIPER_W_FLAGS];
  /* The names are what JavaScript maps back to the option a caller wrote. */
#define APPLY(bit, level, name, value, what) \
  if ((set & (bit)) && set_int(fd, level, name, value) < 0) { *syscall = "setsockopt(" what ")"; return -1; }
  APPLY(HIPER_OPT_FREEBIND, IPPROTO_IP, IP_FREEBIND, 1, "IP_FREEBIND")
  APPLY(HIPER_OPT_FWMARK, SOL_SOCKET, SO_MARK, w[HIPER_W_FWMARK], "SO_MARK")
  if (family == 6) {
    APPLY(HIPER_OPT_TOS, IPPROTO_IPV6, IPV6_TCLASS, w[HIPER_W_TOS], "IPV6_TCLASS")
  } else {
    APPLY(HIPER_OPT_TOS, IPPROTO_IP, IP_TOS, w[HIPER_W_TOS], "IP_TOS")
  }
  APPLY(HIPER_OPT_PRIORITY, SOL_SOCKET, SO_PRIORITY, w[HIPER_W_PRIORITY], "SO_PRIORITY")
  APPLY(HIPER_OPT_USER_TIMEOUT, IPPROTO_TCP, TCP_USER_TIMEOUT, w[HIPER_W_USER_TIMEOUT], "TCP_USER_TIMEOUT")
  if (set & HIPER_OPT_KEEPALIVE) {
    /* 0 leaves the kernel's default (net.ipv4.tcp_keepalive_*) for that value. */
    APPLY(HIPER_OPT_KEEPALIVE, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE")
    if (w[HIPER_W_KEEPIDLE] > 0) { APPLY(HIPER_OPT_KEEPALIVE, IPPROTO_TCP, TCP_KEEPIDLE, w[HIPER_W_KEEPIDLE], "TCP_KEEPIDLE") }
    if (w[HIPER_W_KEEPINTVL] > 0) { APPLY(HIPER_OPT_KEEPALIVE, IPPROTO_TCP, TCP_KEEPINTVL, w[HIPER_W_KEEPINTVL], "TCP_KEEPINTVL") }
    if (w[HIPER_W_KEEPCNT] > 0) { APPLY(HIPER_OPT_KEEPALIVE, IPPROTO_TCP, TCP_KEEPCNT, w[HIPER_W_KEEPCNT], "TCP_KEEPCNT") }
  }
#undef APPLY
  return 0;
}

/* Reads fd, level and name, the first three arguments of setsockopt/getsockopt; argv holds 4. */
static int fd_level_name(napi_env env, napi_callback_info info, napi_value *argv, int32_t *fd, int32_t *level, int32_t *name) {
  size_t argc = 4;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < 4 || napi_get_value_int32(env, argv[0], fd) != napi_ok || napi_get_value_int32(env, argv[1], level) != napi_ok ||
      napi_get_value_int32(env, argv[2], name) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "takes (fd, level, name, value) as integers and a value");
    return 0;
  }
  return 1;
}

/* A Uint8Array argument's bytes, or 0 after throwing. */
static int byte_view(napi_env env, napi_value v, void **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "the value must be an integer or a Uint8Array");
    return 0;
  }
  return 1;
}

static napi_value set_sockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4], out;
  int32_t fd, level, name, r;
  if (!fd_level_name(env, info, argv, &fd, &level, &name)) return NULL;
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[3], &t));
  if (t == napi_number) {
    int32_t value;
    CHECK(napi_get_value_int32(env, argv[3], &value));
    r = set_int(fd, level, name, value);
  } else {
    void *data = NULL;
    size_t length = 0;
    if (!byte_view(env, argv[3], &data, &length)) return NULL;
    r = setsockopt(fd, level, name, data, (socklen_t)length);
  }
  CHECK(napi_create_int32(env, r < 0 ? -errno : 0, &out));
  return out;
}

static napi_value get_sockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4], out;
  int32_t fd, level, name;
  void *data = NULL;
  size_t length = 0;
  if (!fd_level_name(env, info, argv, &fd, &level, &name)) return NULL;
  if (!byte_view(env, argv[3], &data, &length)) return NULL;
  socklen_t len = (socklen_t)length;
  int r = getsockopt(fd, level, name, data, &len);
  CHECK(napi_create_int32(env, r < 0 ? -errno : (int32_t)len, &out));
  return out;
}

/* The Int32Array of option words an openFd call carries, or NULL after throwing. */
const int32_t *hiper_option_words(napi_env env, napi_value v) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || length < HIPER_SOCKOPT_WORDS) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "socket options must be an Int32Array of the option words");
    return NULL;
  }
  return (const int32_t *)data;
}

napi_value hiper_sockopt_init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "setsockopt", NAPI_AUTO_LENGTH, set_sockopt, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "setsockopt", fn));
  CHECK(napi_create_function(env, "getsockopt", NAPI_AUTO_LENGTH, get_sockopt, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "getsockopt", fn));
  return exports;
}
