/*
 * hiper's device-binding addon: opens a non-blocking TCP socket, binds it to a device
 * (SO_BINDTODEVICE) and/or a local address, and returns the fd for `new net.Socket({ fd })`.
 *
 *   openSocket(family: 4 | 6, device: string | null, localAddress: string | null,
 *              localPort: number, scopeId: number)
 *     -> { fd: number } on success
 *     -> { errno: number, syscall: string } on failure (the socket is closed)
 *
 *   openFd(family, device, localAddress, localPort, scopeId[, datagram[, options]])
 *     -> the fd (>= 0) on success, or -errno on failure (the socket is closed); then
 *   lastSyscall() -> the name of the call that failed.
 *   The connect path uses these: a number crosses into JavaScript without building an object.
 *   options, an Int32Array of option words (hiper_sockopt.h), is set between socket() and bind();
 *   without it nothing more is done than before.
 *
 * Errors are returned, not thrown, so the JavaScript side maps errno to a name and to hiper's
 * error family in one place. Linux only; elsewhere the module reports itself unsupported.
 * With datagram true, openFd opens a UDP socket (for DNS queries that must leave through a device),
 * for dgram's bind({ fd }).
 *
 * The rtnetlink functions (netlinkRequest, netlinkWatch, netlinkUnwatch) are in hiper_netlink.c,
 * setsockopt and getsockopt in hiper_sockopt.c.
 */
#include <node_api.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "hiper_sockopt.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static napi_value make_result(napi_env env, int fd, int err, const char *syscall) {
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
  if (fd >= 0) {
    CHECK(napi_create_int32(env, fd, &v));
    CHECK(napi_set_named_property(env, obj, "fd", v));
  } else {
    CHECK(napi_create_int32(env, err, &v));
    CHECK(napi_set_named_property(env, obj, "errno", v));
    CHECK(napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, obj, "syscall", v));
  }
  return obj;
}

/* Reads an optional string argument into buf; returns 1 if present, 0 if null/undefined, -1 if too long. */
static int optional_string(napi_env env, napi_value v, char *buf, size_t size) {
  napi_valuetype t;
  size_t len = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len >= size) return -1;
  napi_get_value_string_utf8(env, v, buf, size, &len);
  return 1;
}

/* Thread-local: workers each have their own. */
static __thread const char *last_syscall = "socket";

static int fail_fd(int fd, const char *syscall) {
  int err = errno;
  if (fd >= 0) close(fd);
  last_syscall = syscall;
  return -err;
}

/* Opens and binds the socket; returns the fd, or -errno with last_syscall set. */
static int open_bound(int32_t family, int has_device, const char *device, int has_local, const char *local,
                      int32_t port, int32_t scope_id, int datagram, const int32_t *options) {
  if (has_device < 0) { errno = ENAMETOOLONG; return fail_fd(-1, "setsockopt(SO_BINDTODEVICE)"); }
  if (has_local < 0 || (family != 4 && family != 6) || port < 0 || port > 65535) {
    errno = EINVAL;
    return fail_fd(-1, "socket");
  }

  int fd = socket(family == 6 ? AF_INET6 : AF_INET, (datagram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_fd(-1, "socket");

  if (has_device > 0 && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)strlen(device) + 1) < 0)
    return fail_fd(fd, "setsockopt(SO_BINDTODEVICE)");

  const char *failed = NULL;
  if (options != NULL && hiper_apply_options(fd, family, options, &failed) < 0) return fail_fd(fd, failed);

  if (has_local > 0 || port > 0) {
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    if (family == 6) {
      struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
      sa->sin6_family = AF_INET6;
      sa->sin6_port = htons((uint16_t)port);
      sa->sin6_scope_id = (uint32_t)scope_id;
      if (has_local > 0 && inet_pton(AF_INET6, local, &sa->sin6_addr) != 1) { errno = EINVAL; return fail_fd(fd, "inet_pton"); }
      len = sizeof *sa;
    } else {
      struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
      sa->sin_family = AF_INET;
      sa->sin_port = htons((uint16_t)port);
      if (has_local > 0 && inet_pton(AF_INET, local, &sa->sin_addr) != 1) { errno = EINVAL; return fail_fd(fd, "inet_pton"); }
      len = sizeof *sa;
    }
    /* Without a port, let connect() pick one later so the 4-tuple, not the port, must be unique. */
    int one = 1;
    if (port == 0 && !datagram && setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) < 0)
      return fail_fd(fd, "setsockopt(IP_BIND_ADDRESS_NO_PORT)");
    if (bind(fd, (struct sockaddr *)&ss, len) < 0) return fail_fd(fd, "bind");
  }
  return fd;
}

/* Reads the five arguments of openSocket/openFd and opens the socket; returns NULL after throwing. */
static napi_value open_with_args(napi_env env, napi_callback_info info, int *result) {
  size_t argc = 7;
  napi_value argv[7];
  const int32_t *options = NULL;
  int32_t family = 0, port = 0, scope_id = 0;
  bool datagram = false;
  char device[IFNAMSIZ + 1], local[INET6_ADDRSTRLEN + 1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "openSocket takes 5 arguments");
    return NULL;
  }
  CHECK(napi_get_value_int32(env, argv[0], &family));
  int has_device = optional_string(env, argv[1], device, sizeof device);
  int has_local = optional_string(env, argv[2], local, sizeof local);
  CHECK(napi_get_value_int32(env, argv[3], &port));
  CHECK(napi_get_value_int32(env, argv[4], &scope_id));
  if (argc > 5) napi_get_value_bool(env, argv[5], &datagram); /* not a boolean: stream */
  if (argc > 6 && (options = hiper_option_words(env, argv[6])) == NULL) return NULL;
  *result = open_bound(family, has_device, device, has_local, local, port, scope_id, datagram, options);
  return argv[0]; /* any non-NULL value: no exception pending */
}

static napi_value open_socket(napi_env env, napi_callback_info info) {
  int r;
  if (open_with_args(env, info, &r) == NULL) return NULL;
  if (r < 0) {
    errno = -r;
    return make_result(env, -1, -r, last_syscall);
  }
  return make_result(env, r, 0, NULL);
}

static napi_value open_fd(napi_env env, napi_callback_info info) {
  int r;
  napi_value out;
  if (open_with_args(env, info, &r) == NULL) return NULL;
  CHECK(napi_create_int32(env, r, &out));
  return out;
}

static napi_value get_last_syscall(napi_env env, napi_callback_info info) {
  napi_value out;
  (void)info;
  CHECK(napi_create_string_utf8(env, last_syscall, NAPI_AUTO_LENGTH, &out));
  return out;
}

/* nameToIndex(name: string) -> interface index of this network namespace, or 0. */
static napi_value name_to_index(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  char name[IFNAMSIZ + 1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned int index = argc == 1 && optional_string(env, argv[0], name, sizeof name) > 0 ? if_nametoindex(name) : 0;
  CHECK(napi_create_uint32(env, index, &out));
  return out;
}

napi_value hiper_netlink_init(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "openSocket", NAPI_AUTO_LENGTH, open_socket, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "openSocket", fn));
  CHECK(napi_create_function(env, "openFd", NAPI_AUTO_LENGTH, open_fd, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "openFd", fn));
  CHECK(napi_create_function(env, "lastSyscall", NAPI_AUTO_LENGTH, get_last_syscall, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "lastSyscall", fn));
  CHECK(napi_create_function(env, "nameToIndex", NAPI_AUTO_LENGTH, name_to_index, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "nameToIndex", fn));
  if (hiper_sockopt_init(env, exports) == NULL) return NULL;
  return hiper_netlink_init(env, exports);
}

NAPI_MODULE_INIT() { return init(env, exports); }
